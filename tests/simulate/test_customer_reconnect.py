"""A simulated customer carries on after the server restarts (`chat-console customers`)."""

import asyncio
from pathlib import Path

from chat_console.server.runner import running_server
from chat_console.simulate.customers import SimulatedCustomer

RECOVER_WITHIN = 20.0  # python-socketio's reconnect delay grows to 5 s; a bound, not a goal


async def test_a_customer_opens_tickets_again_after_the_server_restarts(tmp_path: Path) -> None:
    db = str(tmp_path / "server.sqlite3")
    async with running_server(db_path=db) as first:
        port = first.port
        customer = SimulatedCustomer(first.url)
        await customer.connect()
        await customer.open_ticket("Before the restart")
    try:
        async with running_server(port=port, db_path=db):
            async with asyncio.timeout(RECOVER_WITHIN):
                while not customer.online:  # noqa: ASYNC110 - the customer's own task
                    await asyncio.sleep(0.05)
                await customer.open_ticket("After the restart")  # raises if refused
    finally:
        await customer.close()
