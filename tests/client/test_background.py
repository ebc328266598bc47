"""The client's background work (delivery receipts, online hooks) ends with the client: stopping
it at any moment leaves no coroutine that was never awaited (issue 13.3).

A task cancelled before its first step never runs its coroutine; a coroutine made before the task
(as the receipts and the online hooks once were) was then never awaited, and Python says so
(`RuntimeWarning`, an error in this suite) when it is collected."""

import asyncio
import gc
from pathlib import Path

from chat_console.client import (
    ClientEvent,
    ConnectionState,
    ConnectionStateChanged,
    OperatorClient,
    StaticToken,
)
from chat_console.client.courier import Courier
from chat_console.protocol import Ticket
from chat_console.server.runner import RunningServer
from chat_console.store import Store
from tests.client.conftest import OP1
from tests.helpers import fetch_token


async def test_stopping_as_the_link_comes_online_leaves_no_online_hook_unawaited(
    server: RunningServer,
) -> None:
    """The operator quits the moment the link is up: the online hooks (the courier's resync and
    flush) are spawned after the stop was asked for."""
    token = await fetch_token(server.url, "op1", "op1pass")
    stopping: list[asyncio.Task[None]] = []
    ran: list[str] = []

    def listener(event: ClientEvent) -> None:
        if isinstance(event, ConnectionStateChanged) and event.state is ConnectionState.ONLINE:
            stopping.append(asyncio.ensure_future(client.stop()))

    async def hook() -> None:
        ran.append("hook")

    client = OperatorClient(url=server.url, user=OP1, tokens=StaticToken(token), listener=listener)
    client.add_online_hook(hook)
    await client.start()
    await asyncio.gather(*stopping)
    assert len(stopping) == 1
    await asyncio.sleep(0)  # what stop() cancelled is done
    gc.collect()  # a coroutine never awaited says so when it is collected
    assert ran == []  # stopped first: the hook never started


def test_a_message_written_with_no_loop_running_waits_in_the_outbox(tmp_path: Path) -> None:
    """Nothing can be sent without a loop: the message is kept for the first ONLINE's flush,
    and no pump coroutine is made that no task would ever run."""
    client = OperatorClient(
        url="http://127.0.0.1:9", user=OP1, tokens=StaticToken("t"), listener=lambda event: None
    )
    store = Store(tmp_path / "console.sqlite3", operator_id="op-1")
    courier = Courier(client, store)
    ticket = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
    message = courier.send(ticket, "written before the loop runs")
    gc.collect()
    assert [m.message_id for m in store.pending_outgoing()] == [message.message_id]
    store.close()
