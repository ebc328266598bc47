"""A token revoked mid-session: the console re-authenticates on the same socket, loses nothing."""

from pathlib import Path

from benchmarks.chaos_harness import (
    CUSTOMER,
    OPERATOR,
    ServerProcess,
    Side,
    accept,
    open_ticket,
    settle,
)

from chat_console.client import Backoff, ConnectionState


async def test_a_revoked_token_costs_a_re_authentication_and_no_message(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    url = server_process.url
    operator = Side(url, OPERATOR, tmp_path / "op.sqlite3", backoff=Backoff(0.1, 0.5))
    customer = Side(url, CUSTOMER, tmp_path / "cu.sqlite3", backoff=Backoff(0.1, 0.5))
    try:
        tid = await open_ticket(url)
        await operator.start()
        await customer.start()
        await accept(operator, tid)
        written: dict[str, list[str]] = {"op": [], "cu": []}
        for n in range(40):
            if n == 15:
                await server_process.admin("revoke", "op-1")
            written["op"].append(f"op-{n}")
            operator.write(tid, "cu-1", written["op"][-1])
            written["cu"].append(f"cu-{n}")
            customer.write(tid, "op-1", written["cu"][-1])
        pairs = [(operator, customer, written["op"]), (customer, operator, written["cu"])]
        await settle(pairs, tid, within=20)
        operator.apply_inbox()
        customer.apply_inbox()

        assert customer.contents(tid, own=False) == written["op"]  # once each, in order
        assert sorted(operator.contents(tid, own=False)) == sorted(written["cu"])
        assert len(operator.contents(tid, own=False)) == 40
        assert operator.store.outbox() == [] and customer.store.outbox() == []
        states = [s.state for s in operator.states]
        first_online = states.index(ConnectionState.ONLINE)
        assert ConnectionState.AUTHENTICATING in states[first_online:]  # authenticated again
        assert states[-1] is ConnectionState.ONLINE
    finally:
        await operator.stop()
        await customer.stop()
