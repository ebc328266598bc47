"""The server dies (kill -9) with a window of messages in flight: none is lost, none doubled."""

from pathlib import Path

from benchmarks.chaos_harness import (
    CUSTOMER,
    OPERATOR,
    ServerProcess,
    Side,
    accept,
    open_ticket,
    settle,
    tally,
)

from chat_console.client import Backoff
from tests.helpers import eventually


async def test_messages_in_flight_when_the_server_dies_go_out_again_once_and_in_order(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    url = server_process.url
    operator = Side(url, OPERATOR, tmp_path / "operator.sqlite3", backoff=Backoff(0.05, 0.2))
    customer = Side(url, CUSTOMER, tmp_path / "customer.sqlite3", backoff=Backoff(0.05, 0.2))
    try:
        ticket_id = await open_ticket(url)
        await operator.start()
        await customer.start()
        await accept(operator, ticket_id)
        before = [operator.write(ticket_id, "cu-1", f"op-{n:03d}").content for n in range(20)]
        await eventually(lambda: operator.store.outbox() == [])

        server_process.freeze()  # takes what is sent, handles none of it
        during = [operator.write(ticket_id, "cu-1", f"op-{n:03d}").content for n in range(20, 80)]
        await eventually(lambda: operator.courier.in_flight == operator.client.max_in_flight)
        assert len(operator.store.pending_outgoing()) == len(during)
        await server_process.kill()
        await server_process.start()

        written = before + during
        await settle([(operator, customer, written)], ticket_id, within=30)
        on_server = await operator.client.fetch_messages(ticket_id) or []
        direction = tally("operator → customer", written, operator, customer, on_server, ticket_id)
        assert (direction.received, direction.pending, direction.lost) == (80, 0, 0)
        assert direction.duplicated == 0
        assert [m.content for m in on_server] == written  # in the order written
    finally:
        await operator.stop()
        await customer.stop()
