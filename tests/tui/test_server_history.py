"""A long conversation on the server: opening it fetches its newest page only, and scrolling up
past what the store holds asks the server for the page before it."""

from chat_console.tui.widgets.transcript import Transcript
from tests.client.test_resync import seed_history
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import screen_text


async def test_scrolling_past_the_local_history_asks_the_server_for_the_older_page(
    live: Live,
) -> None:
    opened = await live.open_ticket("Long story")
    tid = opened.ticket_id
    ticket = live.server.store.get_ticket(tid)
    assert ticket is not None
    ids = seed_history(live.server, ticket, 250)
    await live.select(tid)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(tid).ticket.handle_by_id == "op-1")
    await live.pilot.press("enter")
    store = live.app.store
    await live.until(lambda: len(store.message_ids(tid)) == 200)  # the newest page
    assert store.message(ids[0]) is None and store.message(ids[50]) is not None

    live.app.main.query_one(Transcript).focus()
    await live.pilot.press("home")
    await live.until(lambda: len(store.message_ids(tid)) == 250)
    assert list(store.message_ids(tid)) == ids  # in their order, above the newest page
    await live.pilot.press("home")
    await live.until(lambda: "earlier 0" in screen_text(live))
