"""Chaos harness: the reference server in a child process, killed (-9) and restarted while an
operator and a customer write to each other; afterwards, who lost or doubled what.

Both parties run the console's own machinery: `OperatorClient` (supervisor, re-authentication),
`Courier` (outbox, resync) and a SQLite `Store`, with inbound events applied in batches as the
console applies them. The customer is the same client logged in as a customer account: the
reference server lets any user speak the protocol and simply refuses its `subscribeOperator`.

Used by `benchmarks/chaos.py` (the big numbers) and `tests/faults/` (few restarts, asserted).
"""

import asyncio
import contextlib
import random
import signal
import socket
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp

from benchmarks.strict import PYTHON
from chat_console.client import (
    Backoff,
    ClientEvent,
    ConnectionState,
    ConnectionStateChanged,
    EventDropped,
    OAuthTokens,
    OperatorClient,
)
from chat_console.client.courier import Courier
from chat_console.protocol import Message, MessageType, User
from chat_console.simulate.customers import SimulatedCustomer
from chat_console.store import Store

ADMIN_TOKEN = "chaos-admin-token"
OPERATOR = (User(user_id="op-1", full_nm="Olivia Operator"), "op1", "op1pass")
CUSTOMER = (User(user_id="cu-1", full_nm="Carl Customer"), "cu1", "cu1pass")
APPLY_EVERY = 0.05  # seconds, as the console's FLUSH_INTERVAL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerProcess:
    """`python -m chat_console serve` in a child process with a database file, on a fixed port."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.db = folder / "server.sqlite3"
        self.log_path = folder / "server.log"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None

    async def start(self, within: float = 20.0) -> None:
        self._log = self._log or self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            *PYTHON,
            "-m",
            "chat_console",
            "serve",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
            "--admin-token",
            ADMIN_TOKEN,
            # Measure delivery, not the per-connection limiter: 2,000 messages a minute each way,
            # plus receipts, is beyond any person and beyond the default 50 events a second.
            "--rate-limit",
            "0",
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )
        self.starts += 1
        async with asyncio.timeout(within), aiohttp.ClientSession() as http:
            while True:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the server exited ({self.log_path})")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.02)

    async def kill(self) -> None:
        """SIGKILL: no goodbye to any socket, nothing flushed that was not committed."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def freeze(self) -> None:
        """SIGSTOP: sockets stay open, nothing is answered (a server that never acks)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGCONT)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                await self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    async def admin(self, action: str, user: str | None = None) -> Any:
        query = f"?user={user}" if user else ""
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(f"{self.url}/admin/{action}{query}", headers=headers) as response,
        ):
            response.raise_for_status()
            return await response.json()


class Side:
    """One party with the console's client, courier and store."""

    def __init__(
        self,
        url: str,
        who: tuple[User, str, str],
        store_path: Path,
        *,
        backoff: Backoff | None = None,
        ack_timeout: float = 10.0,
    ) -> None:
        self.user, username, password = who
        self.store = Store(store_path, operator_id=self.user.user_id)
        tokens = OAuthTokens(
            f"{url}/oauth/token", "password", "chat-console", "", username, password
        )
        self.client = OperatorClient(
            url=url,
            user=self.user,
            tokens=tokens,
            listener=self._listen,
            backoff=backoff,
            ack_timeout=ack_timeout,
        )
        self.courier = Courier(self.client, self.store)
        self.states: list[ConnectionStateChanged] = []
        self._inbox: list[ClientEvent] = []
        self._applier: asyncio.Task[None] | None = None

    @property
    def onlines(self) -> int:
        """How many times the link came ONLINE (each starts a resync)."""
        return sum(1 for s in self.states if s.state is ConnectionState.ONLINE)

    def pending(self) -> set[str]:
        """Contents of own messages still pending in the outbox (they go out when the link
        allows): not lost, not yet delivered."""
        ids = [message_id for message_id, _, state, _ in self.store.outbox() if state == "pending"]
        records = (self.store.message(i) for i in ids)
        return {r.message.content for r in records if r is not None}

    @property
    def reconnects(self) -> int:
        """How many times the link was found lost and waited for (RECONNECTING entries)."""
        return sum(1 for s in self.states if s.state is ConnectionState.RECONNECTING)

    def _listen(self, event: ClientEvent) -> None:
        if isinstance(event, ConnectionStateChanged):
            self.states.append(event)
        elif not isinstance(event, EventDropped):
            self._inbox.append(event)

    async def _apply_forever(self) -> None:
        while True:
            await asyncio.sleep(APPLY_EVERY)
            self.apply_inbox()

    def apply_inbox(self) -> None:
        if self._inbox:
            events, self._inbox = self._inbox, []
            self.store.apply_batch(events)  # type: ignore[arg-type]

    async def start(self) -> None:
        self._applier = asyncio.create_task(self._apply_forever())
        await self.client.start()

    async def online(self, within: float = 30.0) -> None:
        await self.client.wait_for_state(ConnectionState.ONLINE, within)

    def write(self, ticket_id: str, recipient_id: str, content: str) -> Message:
        message = Message(
            ticket_id=ticket_id,
            message_id=str(uuid.uuid4()),
            recipient_id=recipient_id,
            content=content,
            type=MessageType.TEXT,
            created_at=self.store.clock(),
            sender_id=self.user.user_id,
            sender_nm=self.user.full_nm,
        )
        return self.courier.enqueue(message)

    def contents(self, ticket_id: str, *, own: bool) -> list[str]:
        """Every message the file holds (memory holds only the conversation on screen)."""
        conversation = self.store.whole_conversation(ticket_id)
        return [r.message.content for r in conversation if r.own is own]

    async def stop(self) -> None:
        await self.courier.finish(5.0)
        await self.client.stop()
        if self._applier is not None:
            self._applier.cancel()
            await asyncio.gather(self._applier, return_exceptions=True)
        self.apply_inbox()
        self.store.close()


async def open_ticket(url: str) -> str:
    """cu1 opens a ticket on a raw socket; returns its id."""
    customer = SimulatedCustomer(url, "cu1", "cu1pass")
    await customer.connect()
    try:
        ticket = await customer.open_ticket("Chaos")
    finally:
        await customer.close()
    return ticket.ticket_id


async def accept(operator: Side, ticket_id: str, within: float = 30.0) -> None:
    async with asyncio.timeout(within):
        while (record := operator.store.ticket(ticket_id)) is None:  # noqa: ASYNC110 - a store
            await asyncio.sleep(0.02)
        await operator.client.accept(record.ticket)


@dataclass
class Direction:
    name: str
    sent: int  # distinct messages the sender wrote
    received: int  # distinct messages the receiver has
    pending: int  # not at the receiver yet, still pending in the sender's outbox
    lost: int  # written, acked or not, not at the receiver and not pending: never to arrive
    duplicated: int  # extra copies at the receiver, the sender's own record, or the server
    on_server: int  # distinct messages the server stored


@dataclass
class ChaosReport:
    restarts: int
    messages: int
    seconds: float
    directions: list[Direction]
    reconnects: dict[str, int] = field(default_factory=dict)
    resyncs: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Every message arrived once: none lost, none duplicated, none still pending."""
        return all(d.lost == d.duplicated == d.pending == 0 for d in self.directions)

    def lines(self) -> list[str]:
        out = [
            f"chaos: {self.restarts} server restarts (kill -9) during {self.messages} messages"
            f" each way, {self.seconds:.1f} s",
            f"{'direction':<22}{'sent':>7}{'received':>10}{'pending':>9}{'lost':>6}"
            f"{'duplicated':>12}{'on server':>11}",
        ]
        for d in self.directions:
            out.append(
                f"{d.name:<22}{d.sent:>7}{d.received:>10}{d.pending:>9}{d.lost:>6}"
                f"{d.duplicated:>12}{d.on_server:>11}"
            )
        out.append(
            "reconnects: "
            + ", ".join(f"{k} {v}" for k, v in self.reconnects.items())
            + "; resyncs: "
            + ", ".join(f"{k} {v}" for k, v in self.resyncs.items())
        )
        return out


def tally(
    name: str, written: list[str], sender: Side, receiver: Side, server: list[Message], tid: str
) -> Direction:
    own = Counter(sender.contents(tid, own=True))
    got = Counter(receiver.contents(tid, own=False))
    stored = Counter(m.content for m in server if m.sender_id == sender.user.user_id)
    extra = sum(n - 1 for counts in (own, got, stored) for n in counts.values() if n > 1)
    missing = set(written) - set(got)
    pending = missing & sender.pending()
    return Direction(
        name=name,
        sent=len(set(written)),
        received=len(set(written) & set(got)),
        pending=len(pending),
        lost=len(missing - pending),
        duplicated=extra,
        on_server=len(set(written) & set(stored)),
    )


async def settle(pairs: list[tuple[Side, Side, list[str]]], tid: str, within: float) -> None:
    """Until every outbox is empty and every receiver has what was written to it (bounded)."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            while True:
                done = all(
                    not sender.store.outbox()
                    and set(written) <= set(receiver.contents(tid, own=False))
                    for sender, receiver, written in pairs
                )
                if done:
                    return
                await asyncio.sleep(0.05)


async def resyncs_done(sides: list[Side], within: float) -> None:
    """Until each side finished the resync its last ONLINE started (bounded: one the server's
    death cut short never finishes). The outbox may drain before it does."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(within):
            while any(side.courier.resyncs < side.onlines for side in sides):  # noqa: ASYNC110
                await asyncio.sleep(0.05)


async def run_chaos(
    folder: Path,
    *,
    restarts: int,
    messages: int,
    interval: float = 0.003,
    down: tuple[float, float] = (0.05, 0.5),
    backoff: Callable[[], Backoff] = lambda: Backoff(first=0.25, ceiling=2.0),
    settle_within: float = 120.0,
    seed: int = 1,
    progress: Callable[[str], None] = lambda line: None,
) -> ChaosReport:
    """`restarts` kill -9 + restart of the server while both sides write `messages` each."""
    rng = random.Random(seed)
    server = ServerProcess(folder)
    await server.start()
    operator = Side(server.url, OPERATOR, folder / "operator.sqlite3", backoff=backoff())
    customer = Side(server.url, CUSTOMER, folder / "customer.sqlite3", backoff=backoff())
    began = time.monotonic()
    try:
        tid = await open_ticket(server.url)
        await operator.start()
        await customer.start()
        await accept(operator, tid)
        written: dict[str, list[str]] = {"op": [], "cu": []}

        async def write(side: Side, to: str, key: str, numbers: range) -> None:
            for n in numbers:
                written[key].append(f"{key}-{n:05d}")
                side.write(tid, to, written[key][-1])
                await asyncio.sleep(interval)

        per_phase = -(-messages // (restarts + 1))
        for phase in range(restarts + 1):
            numbers = range(phase * per_phase, min(messages, (phase + 1) * per_phase))
            writers = asyncio.gather(
                write(operator, "cu-1", "op", numbers), write(customer, "op-1", "cu", numbers)
            )
            if phase < restarts:
                await asyncio.sleep(rng.uniform(0, len(numbers) * interval))  # mid-flow
                await server.kill()
                await asyncio.sleep(rng.uniform(*down))
                await server.start()
            await writers
            if phase < restarts:
                await operator.online()
                await customer.online()
                progress(f"restart {phase + 1}/{restarts} done")
        pairs = [(operator, customer, written["op"]), (customer, operator, written["cu"])]
        await settle(pairs, tid, settle_within)
        await resyncs_done([operator, customer], within=5.0)
        operator.apply_inbox()
        customer.apply_inbox()
        on_server = await operator.client.fetch_messages(tid) or []
        report = ChaosReport(
            restarts=restarts,
            messages=messages,
            seconds=time.monotonic() - began,
            directions=[
                tally("operator → customer", written["op"], operator, customer, on_server, tid),
                tally("customer → operator", written["cu"], customer, operator, on_server, tid),
            ],
            reconnects={"operator": operator.reconnects, "customer": customer.reconnects},
            resyncs={"operator": operator.courier.resyncs, "customer": customer.courier.resyncs},
        )
    finally:
        await operator.stop()
        await customer.stop()
        await server.stop()
    return report
