"""Actions hit what is on screen: the open conversation when it has focus, else the queue's row;
the cursor never jumps away from a ticket that leaves the view."""

from chat_console.protocol import EmitEvent, Ticket, emits
from chat_console.store import View
from chat_console.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import Live


async def accept(live: Live, ticket: Ticket) -> None:
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")


async def test_hijack_after_a_colleague_took_the_open_ticket_asks_about_that_ticket(
    live: Live,
) -> None:
    """The reported case: conversation open, header reads "Oscar Other", `h` said "already
    yours" because the cursor had jumped to the next of my tickets."""
    taken = await live.open_ticket("Missing order")
    other = await live.open_ticket("Login trouble")
    await accept(live, taken)
    await accept(live, other)
    main = live.app.main
    main.set_view(View.MINE)
    await live.select(taken.ticket_id)
    await live.pilot.press("enter", "escape")
    assert main.open_ticket_id == taken.ticket_id and main.queue.has_focus
    op2 = await live.operator()
    assert not await op2.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket(taken.ticket_id, None))
    await live.until(lambda: live.app.store.ticket(taken.ticket_id).ticket.handle_by_id == "op-2")
    await live.pilot.pause()
    assert main.open_ticket_id == taken.ticket_id  # the conversation stays open
    assert "Oscar Other" in str(main.query_one("#header").render())
    assert main.queue.highlighted == taken.ticket_id  # the cursor did not jump to "Login trouble"
    row = "".join(segment.text for segment in main.queue.render_line(1))
    assert "Oscar Other · not in Mine now" in row  # why a ticket not in Mine is still there
    await live.pilot.press("h")
    screen = live.app.screen
    assert isinstance(screen, ConfirmScreen), live.notifications()
    question = screen.question.plain
    assert "Missing order" in question and "Carl Customer" in question
    assert "Oscar Other" in question
    await live.pilot.press("escape")
    await live.pilot.press("j")  # leaving the row lets it go: it is not in Mine any more
    assert main.queue.ticket_ids == [other.ticket_id]
    assert main.queue.highlighted == other.ticket_id
    main.set_focus(main.transcript)  # the conversation has focus: actions act on it
    await live.pilot.press("c")
    screen = live.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert "Missing order" in screen.question.plain


async def test_notices_about_an_action_name_the_ticket_and_customer(live: Live) -> None:
    ticket = await live.open_ticket("Missing order")
    await accept(live, ticket)
    await live.pilot.press("h")
    await live.until(lambda: live.notifications())
    _, words, _ = live.notifications()[-1]
    assert "Missing order" in words and "Carl Customer" in words and "already yours" in words
