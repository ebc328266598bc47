"""Losing the server: the countdown, a message typed meanwhile, retry and discard keys."""

from chat_console.client import Backoff, OperatorClient
from chat_console.protocol import ListenEvent, Message
from chat_console.store import Tick
from chat_console.tui.widgets.bars import StatusBar
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import accept_and_open, screen_text


def not_sent(live: Live) -> list[str]:
    return [text for title, text, _ in live.notifications() if title == "Message not sent"]


def status_text(live: Live) -> str:
    return str(live.app.main.query_one(StatusBar).render())


async def test_a_message_typed_while_reconnecting_is_pending_then_goes_out_with_a_tick(
    live: Live,
) -> None:
    tid = await accept_and_open(live)
    client = live.app.client
    assert isinstance(client, OperatorClient)
    client._backoff = Backoff(first=30.0, ceiling=30.0, jitter=0.0)  # wait long: r must do it
    await live.server.drop_connections("op-1")
    await live.until(lambda: "reconnecting in" in status_text(live))
    assert "reconnecting in 30s" in status_text(live) or "in 29s" in status_text(live)
    assert "r retry now" in status_text(live)

    await live.pilot.press(*"are you there?", "enter")
    (record,) = live.app.store.messages(tid)
    assert record.tick == Tick.PENDING and "◷ sending…" in screen_text(live)
    assert [row[2] for row in live.app.store.outbox()] == ["pending"]

    await live.pilot.press("escape", "r")  # retry now, from the queue
    await live.until(lambda: live.app.main.connection[0] == "online")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).message_id == record.message_id
    await live.until(lambda: live.app.store.message(record.message_id).tick == Tick.SENT)
    await live.until(lambda: "✓" in screen_text(live))
    assert live.app.store.outbox() == []
    assert "retry now" not in status_text(live)


async def test_a_refused_message_can_be_retried_and_then_discarded_by_key(live: Live) -> None:
    ticket = await live.open_ticket()  # not accepted: the server refuses op-1's message
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"hello", "enter")
    await live.until(lambda: live.app.store.failed_outgoing(ticket.ticket_id) != [])
    (failed,) = live.app.store.failed_outgoing(ticket.ticket_id)
    assert "r retry · x discard" in not_sent(live)[-1]

    await live.pilot.press("escape", "r")  # still not a party: it fails again, same id
    await live.until(lambda: len(not_sent(live)) == 2)
    assert live.app.store.failed_outgoing(ticket.ticket_id) == [failed]
    assert live.app.store.message(failed).tick == Tick.FAILED

    await live.pilot.press("x")
    await live.until(lambda: live.app.store.message(failed) is None)
    assert "✗ failed" not in screen_text(live)
    assert live.app.store.outbox() == []
