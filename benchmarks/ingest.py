"""Ingest: how fast the console absorbs a flood, against a bare client that only counts.

One server process and one load process for the whole section. Each round floods N customer
messages on unhandled tickets (they reach every operator); the receiver is, in turn, a bare
python-socketio client and the console (client + store + app, frames rendered). A round ends when
the receiver holds all N (the console: in its store, and a frame drawn after that). Rounds
alternate so that drift on the machine hits both alike; the best round of each counts.
"""

import asyncio
import time
from dataclasses import dataclass

from benchmarks.console import BareOperator, running_console, until
from benchmarks.processes import child, server_process


@dataclass
class IngestResult:
    bare_rate: float
    console_rate: float
    bare_cpu_ms_per_1k: float  # receiving process CPU per 1,000 messages
    console_cpu_ms_per_1k: float
    messages: int

    @property
    def ratio(self) -> float:
        return self.console_rate / self.bare_rate


async def _bare_round(url: str, load_send, load_read, count: int) -> tuple[float, float]:
    bare = BareOperator()
    await bare.login(url)
    try:
        cpu, start = time.process_time(), time.perf_counter()
        await load_send(do="flood", count=count)
        await until(lambda: bare.received >= count, every=0.01)
        seconds = bare.last_at - start
        cpu = time.process_time() - cpu
        await load_read()
    finally:
        await bare.close()
    return count / seconds, cpu * 1e6 / count


async def _console_round(url: str, tickets: list[str], load_send, load_read, count: int):
    async with running_console(url) as (app, frames):
        store = app.store
        base = sum(len(store.message_ids(t)) for t in tickets)
        await until(lambda: not app._inbox)
        cpu, start = time.process_time(), time.perf_counter()
        await load_send(do="flood", count=count)
        await until(
            lambda: sum(len(store.message_ids(t)) for t in tickets) - base >= count, every=0.01
        )
        held = time.perf_counter()
        await until(lambda: frames.times and frames.times[-1] >= held, every=0.002)
        seconds = frames.times[-1] - start
        cpu = time.process_time() - cpu
        await load_read()
    return count / seconds, cpu * 1e6 / count


async def run(count: int, rounds: int, tickets: int = 20) -> IngestResult:
    async with server_process() as (_, url), child("child_load", url, "3", str(tickets)) as load:
        opened = (await load.read())["tickets"]
        bare: list[tuple[float, float]] = []
        console: list[tuple[float, float]] = []
        for _ in range(rounds):
            bare.append(await _bare_round(url, load.send, load.read, count))
            console.append(await _console_round(url, opened, load.send, load.read, count))
            await asyncio.sleep(0.2)
    best_bare, best_console = max(bare), max(console)
    return IngestResult(best_bare[0], best_console[0], best_bare[1], best_console[1], count)


if __name__ == "__main__":
    print(asyncio.run(run(2000, 1)))
