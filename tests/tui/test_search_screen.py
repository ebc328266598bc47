"""ctrl+f: search the history, pick a match, and its conversation opens at it, highlighted; what
customers wrote is shown as text, never as markup."""

from textual.widgets import Input, OptionList

from chat_console.tui.screens.search import SearchScreen
from tests.tui.conftest import Live

HOSTILE = "[bold red]refund[/] now \x1b[2J please"


async def test_ctrl_f_finds_a_message_and_enter_opens_it_scrolled_and_highlighted(
    live: Live,
) -> None:
    other = await live.open_ticket("Something else")
    await live.customer_says(other.ticket_id, "unrelated words")
    ticket = await live.open_ticket("Lost [i]parcel[/i]")
    target = await live.customer_says(ticket.ticket_id, HOSTILE)
    for n in range(40):  # the match scrolls far out of view
        await live.customer_says(ticket.ticket_id, f"later message {n}")
    app, pilot = live.app, live.pilot
    await live.select(other.ticket_id)
    await pilot.press("ctrl+f")
    await live.until(lambda: isinstance(app.screen, SearchScreen))
    await pilot.press(*"refund")
    results = app.screen.query_one(OptionList)
    await live.until(lambda: results.option_count == 1)
    prompt = str(results.get_option_at_index(0).prompt)
    assert prompt.startswith("Lost [i]parcel[/i]")
    assert "[bold red]refund[/] now ␛[2J please" in prompt
    await pilot.press("enter")
    await live.until(lambda: not isinstance(app.screen, SearchScreen))
    main = app.main
    assert main.open_ticket_id == ticket.ticket_id
    assert main.transcript.found == target.message_id
    assert main.transcript.has_focus
    await live.until(lambda: target.message_id in main.transcript.visible_message_ids())
    lines = main.transcript.message_text(target.message_id)
    assert any("[bold red]refund[/] now ␛[2J please" in line for line in lines)


async def test_escape_closes_the_search_and_nothing_changes(live: Live) -> None:
    ticket = await live.open_ticket("Kept")
    await live.customer_says(ticket.ticket_id, "hello there")
    app, pilot = live.app, live.pilot
    await pilot.press("ctrl+f")
    await live.until(lambda: isinstance(app.screen, SearchScreen))
    await pilot.press(*"nothing")
    assert app.screen.query_one(Input).value == "nothing"
    assert app.screen.query_one(OptionList).option_count == 0
    await pilot.press("enter")  # no match: stays open
    assert isinstance(app.screen, SearchScreen)
    await pilot.press("escape")
    await live.until(lambda: not isinstance(app.screen, SearchScreen))
    assert app.main.open_ticket_id is None
