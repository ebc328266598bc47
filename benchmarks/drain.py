"""Outbox drain after an outage (issue 13): N messages written while offline, then the link.

The reference server runs in its own process; the operator side is the console's own machinery
(`OperatorClient`, `Courier`, a SQLite `Store` in a file) in this one. The clock runs from
`client.start()` (token, connect, authenticate, subscribe, resync) until the server has
acknowledged every message, then the server's copy is read back to check the order per ticket.
The same is measured through `DelayProxy`, which holds every byte 25 ms in each direction: a
50 ms round trip, as from a jump host to a server in another region.

    python -m benchmarks.drain [MESSAGES [MAX_IN_FLIGHT]]
"""

import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.console import OP1, until
from benchmarks.processes import server_process
from benchmarks.strict import strict
from chat_console.client import OAuthTokens, OperatorClient
from chat_console.client.courier import Courier
from chat_console.config import ClientSettings
from chat_console.protocol import Message, MessageType, Ticket
from chat_console.simulate.customers import SimulatedCustomer
from chat_console.store import Store

TICKETS = 10
MAX_IN_FLIGHT = ClientSettings().max_in_flight  # the console's default
ONE_WAY_DELAY = 0.025  # seconds each direction: a 50 ms round trip


@dataclass
class Drain:
    messages: int
    seconds: float  # start() -> every message acknowledged
    out_of_order: int  # tickets whose messages the server stored in another order than written
    missing: int  # written but not stored by the server


class DelayProxy:
    """A TCP proxy on 127.0.0.1 that delivers every chunk `delay` seconds after it arrived, in
    order, in both directions (a delay line: latency, no bandwidth limit)."""

    def __init__(self, upstream_port: int, delay: float) -> None:
        self._upstream = upstream_port
        self._delay = delay
        self._tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[int]:
        server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        try:
            yield int(server.sockets[0].getsockname()[1])
        finally:
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        except OSError:
            writer.close()
            return
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._carry(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _carry(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        line: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def deliver() -> None:
            while True:
                due, chunk = await line.get()
                await asyncio.sleep(max(0.0, due - loop.time()))
                if not chunk:
                    sink.close()
                    return
                sink.write(chunk)
                await sink.drain()

        delivering = asyncio.create_task(deliver())
        try:
            while True:
                chunk = await source.read(65536)
                line.put_nowait((loop.time() + self._delay, chunk))
                if not chunk:
                    break
            await delivering
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            delivering.cancel()
            await asyncio.gather(delivering, return_exceptions=True)
            sink.close()


async def open_tickets(url: str, count: int) -> list[str]:
    customer = SimulatedCustomer(url, "cu1", "cu1pass")
    await customer.connect()
    try:
        return [(await customer.open_ticket(f"Drain {n}")).ticket_id for n in range(count)]
    finally:
        await customer.close()


def operator_client(url: str, window: int = MAX_IN_FLIGHT) -> OperatorClient:
    tokens = OAuthTokens(f"{url}/oauth/token", "password", "chat-console", "", "op1", "op1pass")
    return OperatorClient(
        url=url, user=OP1, tokens=tokens, listener=lambda event: None, max_in_flight=window
    )


async def accept_all(url: str, ticket_ids: list[str]) -> None:
    client = operator_client(url)
    await client.start()
    try:
        for ticket_id in ticket_ids:
            await client.accept(Ticket(ticket_id=ticket_id, owner_id="cu-1"))
    finally:
        await client.stop()


def write_offline(
    store: Store, courier: Courier, ticket_ids: list[str], messages: int
) -> dict[str, list[str]]:
    written: dict[str, list[str]] = {t: [] for t in ticket_ids}
    for n in range(messages):
        ticket_id = ticket_ids[n % len(ticket_ids)]
        message = Message(
            ticket_id=ticket_id,
            message_id=str(uuid.uuid4()),
            recipient_id="cu-1",
            content=f"drain {n}",
            type=MessageType.TEXT,
            created_at=store.clock(),
            sender_id=OP1.user_id,
            sender_nm=OP1.full_nm,
        )
        courier.enqueue(message)
        written[ticket_id].append(message.message_id)
    return written


async def drain_once(url: str, via: str, messages: int, folder: Path, window: int) -> Drain:
    """Write `messages` to the ticket of `url`'s server while offline, then come online via `via`
    (the server itself, or a proxy in front of it) and time until all are acknowledged."""
    ticket_ids = await open_tickets(url, TICKETS)
    await accept_all(url, ticket_ids)
    store = Store(folder / f"drain-{uuid.uuid4().hex[:8]}.sqlite3", operator_id=OP1.user_id)
    client = operator_client(via, window)
    courier = Courier(client, store)
    written = write_offline(store, courier, ticket_ids, messages)
    began = time.perf_counter()
    try:
        await client.start()
        await until(lambda: not store.outbox(), within=120, every=0.002)
        seconds = time.perf_counter() - began
        out_of_order = missing = 0
        for ticket_id, ids in written.items():
            stored = [m.message_id for m in await client.fetch_messages(ticket_id) or []]
            missing += len(set(ids) - set(stored))
            out_of_order += [i for i in stored if i in set(ids)] != ids
    finally:
        await courier.finish(5.0)
        await client.stop()
        store.close()
    return Drain(messages, seconds, out_of_order, missing)


async def run(messages: int, window: int = MAX_IN_FLIGHT) -> tuple[Drain, Drain]:
    """(loopback, loopback with a 50 ms round trip); `window`: `[client] max_in_flight`."""
    with tempfile.TemporaryDirectory(prefix="bench-drain-") as folder:
        async with server_process() as (_, url):
            direct = await drain_once(url, url, messages, Path(folder), window)
            port = int(url.rsplit(":", 1)[1])
            async with DelayProxy(port, ONE_WAY_DELAY).running() as proxy_port:
                slow = f"http://127.0.0.1:{proxy_port}"
                delayed = await drain_once(url, slow, messages, Path(folder), window)
    return direct, delayed


if __name__ == "__main__":
    strict()
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    window = int(sys.argv[2]) if len(sys.argv) > 2 else MAX_IN_FLIGHT
    with contextlib.suppress(KeyboardInterrupt):
        for result in asyncio.run(run(count, window)):
            print(json.dumps(result.__dict__))
