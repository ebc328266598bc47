"""Ingest: how fast the console absorbs a flood, against a bare python-socketio client.

One server process and one load process for the whole section. Each round floods N customer
messages on unhandled tickets (they reach every operator); the receiver is, in turn:
  bare     a python-socketio AsyncClient that counts `messageUpdated` and confirms each one as
           the protocol asks (`updateMessageStatus` status 2, with an ack), as the console does:
           the peer the console is measured against,
  ceiling  the same client confirming nothing (what the server can push to a reader only),
  console  the console: client + store + app, frames rendered (the figure with the target),
  no TUI   the console's client and store (a file) without the app, batching as the app does
           (to show which part of the console costs what).
A round ends when the receiver holds all N (the console: in its store, and a frame drawn after
that). Rounds alternate so that drift on the machine hits all alike; the best round of each counts.
The server's CPU is read for each round: a receipt is a second event per message that the server
handles too, which is why the ceiling is faster than both.
"""

import asyncio
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.console import OP1, BareOperator, running_console, until
from benchmarks.processes import Child, child, server_process
from chat_console.client import OAuthTokens, OperatorClient
from chat_console.client.events import ClientEvent, ConnectionState
from chat_console.protocol.inbound import ServerEvent
from chat_console.store import Change, ChangeKind, Store
from chat_console.tui.app import FLUSH_GAP, batch_gap, event_rate


@dataclass(frozen=True, order=True)
class Round:
    rate: float  # messages per second, first emit to the last one held
    receiver_cpu_ms_per_1k: float
    server_busy: float  # the server's CPU seconds per wall second


@dataclass(frozen=True)
class IngestResult:
    bare: Round  # with receipts
    ceiling: Round  # the bare client without receipts
    console: Round
    no_tui: Round
    messages: int

    @property
    def ratio(self) -> float:
        return self.console.rate / self.bare.rate

    @property
    def cpu_ratio(self) -> float:
        """The console's CPU per message over the bare client's (both confirming delivery)."""
        return self.console.receiver_cpu_ms_per_1k / self.bare.receiver_cpu_ms_per_1k


Holds = Callable[[], int]


async def _flood(server: Child, load: Child, count: int, held: Callable[[], bool]) -> Round:
    """Flood `count` messages; wait until `held()`; the round's figures."""
    cpu, server_cpu, start = time.process_time(), server.cpu(), time.perf_counter()
    await load.send(do="flood", count=count)
    # Bounded generously: on a loaded 2-core box a flood can take minutes to be held (a stuck
    # round still ends, with an error, instead of hanging the run).
    await until(held, within=300, every=0.002)
    seconds = time.perf_counter() - start
    result = Round(
        count / seconds,
        (time.process_time() - cpu) * 1e6 / count,
        (server.cpu() - server_cpu) / seconds,
    )
    await load.read()
    return result


async def _bare_round(url: str, server: Child, load: Child, count: int, *, receipts: bool) -> Round:
    bare = BareOperator(receipts=receipts)
    await bare.login(url)
    try:
        return await _flood(server, load, count, lambda: bare.received >= count)
    finally:
        await bare.close()


def _held(store: Store, tickets: list[str], count: int) -> Callable[[], bool]:
    """True once `count` new messages of the tickets are stored. Counted as the store applies
    them: what it holds in memory is a window per ticket, trimmed as a flood passes 250 (the
    full size's 5,000 messages over 20 tickets waited for ever on the in-memory count)."""
    wanted, added, apply = set(tickets), [0], store.apply_batch

    def counting(events: Iterable[ServerEvent]) -> list[Change]:
        changes = apply(events)
        added[0] += sum(
            c.kind is ChangeKind.MESSAGE_ADDED and c.ticket_id in wanted for c in changes
        )
        return changes

    store.apply_batch = counting  # type: ignore[method-assign]
    return lambda: added[0] >= count


async def _console_round(
    url: str, tickets: list[str], server: Child, load: Child, count: int
) -> Round:
    async with running_console(url) as (app, frames):
        # The resync after coming online (each ticket's history from the HTTP extras) is
        # start-up work, not ingest: it ran into the flood and billed it up to 0.1 s per round.
        await until(lambda: app.courier is not None and app.courier.resyncs > 0)
        await until(lambda: not app._inbox)
        in_store = _held(app.store, tickets, count)
        drawn: list[float] = []

        def held() -> bool:  # in the store, and on screen: a frame written after that
            if not drawn and in_store():
                drawn.append(time.perf_counter())
            return bool(drawn) and bool(frames.times) and frames.times[-1] >= drawn[0]

        return await _flood(server, load, count, held)


async def _no_tui_round(
    url: str, tickets: list[str], server: Child, load: Child, count: int
) -> Round:
    with tempfile.TemporaryDirectory(prefix="bench-no-tui-") as folder:
        # A file, as the console's store is: commits cost what they cost on this disk.
        store = Store(Path(folder) / "console.sqlite3", operator_id=OP1.user_id)
        try:
            return await _client_and_store(url, tickets, server, load, count, store)
        finally:
            store.close()


async def _client_and_store(
    url: str, tickets: list[str], server: Child, load: Child, count: int, store: Store
) -> Round:
    inbox: list[ClientEvent] = []
    client = OperatorClient(
        url=url,
        user=OP1,
        tokens=OAuthTokens(f"{url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"),
        listener=inbox.append,
    )

    async def apply_batches() -> None:  # as the app batches (tui/app.py, `batch_gap`)
        gap, rate, last = FLUSH_GAP, 0.0, time.monotonic()
        while True:
            await asyncio.sleep(gap)
            now = time.monotonic()
            rate = event_rate(rate, len(inbox), now - last)
            gap, last = batch_gap(rate), now
            if inbox:
                events = inbox[:]
                inbox.clear()
                store.apply_batch(events)  # type: ignore[arg-type]

    await client.start()
    await client.wait_for_state(ConnectionState.ONLINE, 30)
    applier = asyncio.create_task(apply_batches())
    try:
        return await _flood(server, load, count, _held(store, tickets, count))
    finally:
        applier.cancel()
        await client.stop()


async def run(count: int, rounds: int, tickets: int = 20) -> IngestResult:
    async with (
        server_process() as (server, url),
        child("child_load", url, "3", str(tickets)) as load,
    ):
        opened = (await load.read())["tickets"]
        kinds: dict[str, list[Round]] = {"bare": [], "ceiling": [], "console": [], "no_tui": []}
        for _ in range(rounds):
            kinds["bare"].append(await _bare_round(url, server, load, count, receipts=True))
            kinds["ceiling"].append(await _bare_round(url, server, load, count, receipts=False))
            kinds["console"].append(await _console_round(url, opened, server, load, count))
            kinds["no_tui"].append(await _no_tui_round(url, opened, server, load, count))
    best = {kind: max(found) for kind, found in kinds.items()}
    return IngestResult(best["bare"], best["ceiling"], best["console"], best["no_tui"], count)


if __name__ == "__main__":
    print(asyncio.run(run(2000, 1)))
