"""Over a long day a console holds in memory the messages of the conversation on screen, not those
of every ticket it has seen: the others live in its SQLite file and are read back when something
asks for them (issue 15: RSS growth over the jump host's day). Against the real server: what the
operator sees and what the customer is told must not change with it."""

import gc

from chat_console.protocol import ListenEvent
from chat_console.store import MessageRecord
from tests.tui.conftest import Live
from tests.tui.test_composer import failed_unanswered
from tests.tui.test_live_conversation import accept_and_open, screen_text


def records_in_memory(ticket_id: str) -> int:
    gc.collect()
    return sum(
        isinstance(o, MessageRecord) and o.message.ticket_id == ticket_id for o in gc.get_objects()
    )


def read_receipts(live: Live) -> set[str]:
    return {m for m, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED) if s == 3}


async def test_a_ticket_not_on_screen_is_read_back_when_written_to_and_when_opened(
    live: Live,
) -> None:
    shown = await accept_and_open(live, "Shown all day")
    other = await live.open_ticket("Not looked at")
    said = [await live.customer_says(other.ticket_id, f"line {n} on the other") for n in range(3)]
    await live.customer_says(shown, "meanwhile on the one shown")  # a later batch
    assert records_in_memory(other.ticket_id) == 0
    assert live.app.store.ticket(other.ticket_id).unread == 3  # type: ignore[union-attr]

    said.append(await live.customer_says(other.ticket_id, "line 3 on the other"))
    assert records_in_memory(other.ticket_id) == 0  # written on: still only in the file
    assert live.app.store.ticket(other.ticket_id).unread == 4  # type: ignore[union-attr]
    await live.until(lambda: live.app.main.queue.ticket_ids[0] == other.ticket_id)  # unread first
    assert not read_receipts(live) & {m.message_id for m in said}  # nobody has seen them

    await live.pilot.press("escape")
    await live.select(other.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.main.open_ticket_id == other.ticket_id)
    await live.until(lambda: "line 3 on the other" in screen_text(live))
    text = screen_text(live)
    assert [text.index(f"line {n} on the other") for n in range(4)] == sorted(
        text.index(f"line {n} on the other") for n in range(4)
    )
    assert list(live.app.store.message_ids(other.ticket_id)) == [m.message_id for m in said]
    await live.until(lambda: live.app.store.ticket(other.ticket_id).unread == 0)
    await live.customer.roundtrip()
    assert {m.message_id for m in said} <= read_receipts(live)
    assert records_in_memory(shown) == 0  # left: back in the file

    said.append(await live.customer_says(other.ticket_id, "line 4, while it is open"))
    await live.until(lambda: "line 4, while it is open" in screen_text(live))
    assert list(live.app.store.message_ids(other.ticket_id)) == [m.message_id for m in said]
    assert records_in_memory(other.ticket_id) == len(said)


async def test_history_above_a_failed_reply_is_shown_when_its_ticket_is_opened_again(
    live: Live,
) -> None:
    """A ticket left with an unsent reply stays in memory for the courier; it kept only that
    reply, so opened again it showed the reply alone and scrolling could not reach the rest
    (found in review)."""
    shown = await accept_and_open(live, "Parcel")
    for n in range(3):
        await live.customer_says(shown, f"earlier line {n}")
    await live.until(lambda: "earlier line 2" in screen_text(live))
    await failed_unanswered(live, shown, "your refund is on its way")
    other = await live.open_ticket("Someone else")
    await live.pilot.press("escape")
    await live.select(other.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.main.open_ticket_id == other.ticket_id)
    await live.customer_says(other.ticket_id, "a batch after the switch")
    await live.pilot.press("escape")
    await live.select(shown)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.main.open_ticket_id == shown)
    await live.until(lambda: "your refund is on its way" in screen_text(live))
    await live.until(lambda: "earlier line 0" in screen_text(live))
