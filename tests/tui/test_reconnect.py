"""Losing the server: the countdown, a message typed meanwhile, retry and discard keys."""

from pathlib import Path

from benchmarks.chaos_harness import free_port

from chat_console.client import Backoff, OperatorClient, StaticToken
from chat_console.protocol import ListenEvent, Message, Ticket
from chat_console.protocol.inbound import MessageUpdated, TicketAccepted, TicketCreated
from chat_console.store import Store, Tick
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.widgets.bars import StatusBar
from tests.helpers import eventually
from tests.tui.conftest import OP1, Live
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
    client.supervisor.backoff = Backoff(
        first=30.0, ceiling=30.0, jitter=0.0
    )  # wait long: r must do it
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
    await live.app.workers.wait_for_complete()  # the read receipt sent on coming back online


async def test_a_refused_message_can_be_retried_and_then_discarded_by_key(live: Live) -> None:
    ticket = await live.open_ticket()  # not accepted: the server refuses op-1's message
    stale = live.app.store.ticket(ticket.ticket_id).ticket.model_copy(
        update={"handle_by_id": "op-1"}
    )
    live.app.store.apply(TicketAccepted(stale))  # but the console believes it holds the ticket
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"hello", "enter")
    await live.until(lambda: live.app.store.failed_outgoing(ticket.ticket_id) != [])
    (failed,) = live.app.store.failed_outgoing(ticket.ticket_id)
    assert "ctrl+r retry · alt+x discard" in not_sent(live)[-1]

    assert live.app.focused is live.app.main.composer
    await live.pilot.press("ctrl+r")  # from the composer: still not a party, fails again
    await live.until(lambda: len(not_sent(live)) == 2)
    assert live.app.store.failed_outgoing(ticket.ticket_id) == [failed]
    assert live.app.store.message(failed).tick == Tick.FAILED

    await live.pilot.press("alt+x")
    await live.until(lambda: live.app.store.message(failed) is None)
    assert live.app.main.composer.text == ""  # the chords typed nothing
    assert "✗ failed" not in screen_text(live)
    assert live.app.store.outbox() == []


async def test_a_restarted_console_shows_its_queue_and_conversation_before_any_server(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console.sqlite3"
    before = Store(path, operator_id="op-1")
    ticket = Ticket(ticket_id="t-1", ticket_nm="Missing order", owner_id="cu-1", owner_nm="Carl")
    said = Message(ticket_id="t-1", message_id="m-1", content="where is it?", sender_id="cu-1")
    before.apply_batch([TicketCreated(ticket), MessageUpdated(said)])
    before.close()

    nobody = free_port()  # nothing listens here: the server "has not answered yet"
    store = Store(path, operator_id="op-1")
    app = ConsoleApp(
        ConsoleConfig(user=OP1, server_host=f"127.0.0.1:{nobody}"),
        store=store,
        client_factory=lambda listener: OperatorClient(
            url=f"http://127.0.0.1:{nobody}",
            user=OP1,
            tokens=StaticToken("unused"),
            listener=listener,
            backoff=Backoff(first=30.0, ceiling=30.0),
        ),
    )
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.main.queue.highlighted == "t-1"
        await pilot.press("enter")
        await pilot.pause()
        transcript = app.main.transcript
        shown = "".join(
            seg.text for y in range(transcript.size.height) for seg in transcript.render_line(y)
        )
        assert "where is it?" in shown
        await eventually(lambda: app.main.connection[0] == "reconnecting", pause=pilot.pause)
        assert store.ticket("t-1").unread == 1
        await app.workers.wait_for_complete()
