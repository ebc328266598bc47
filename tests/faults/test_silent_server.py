"""A server that stops answering (SIGSTOP): the silent ack costs the link, never the message."""

from pathlib import Path

from benchmarks.chaos_harness import CUSTOMER, OPERATOR, ServerProcess, Side, accept, open_ticket
from benchmarks.chaos_harness import settle as settle_all

from chat_console.client import Backoff, ConnectionState
from chat_console.store import Tick
from tests.helpers import eventually


async def test_a_message_to_a_frozen_server_stays_pending_and_arrives_once_after(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    url = server_process.url
    fast = Backoff(0.1, 0.5)
    operator = Side(url, OPERATOR, tmp_path / "op.sqlite3", backoff=fast, ack_timeout=0.5)
    customer = Side(url, CUSTOMER, tmp_path / "cu.sqlite3", backoff=Backoff(0.1, 0.5))
    try:
        tid = await open_ticket(url)
        await operator.start()
        await customer.start()
        await accept(operator, tid)
        seen = len(operator.states)

        server_process.freeze()
        message = operator.write(tid, "cu-1", "are you there?")
        # Found dead by the missing ack, not 20+ s later by Engine.IO's ping timeout.
        await eventually(
            lambda: any(s.state is ConnectionState.RECONNECTING for s in operator.states[seen:]),
            within=5,
        )
        assert operator.store.message(message.message_id).tick == Tick.PENDING
        assert [row[2] for row in operator.store.outbox()] == ["pending"]

        server_process.thaw()
        await settle_all([(operator, customer, [message.content])], tid, within=30)
        customer.apply_inbox()
        assert customer.contents(tid, own=False) == ["are you there?"]
        assert operator.store.message(message.message_id).tick >= Tick.SENT
        stored = await operator.client.fetch_messages(tid) or []
        assert [m.message_id for m in stored] == [message.message_id]
    finally:
        server_process.thaw()
        await operator.stop()
        await customer.stop()
