"""Latency: a customer's emit -> the operator's screen showing it, under background traffic.

The probe customer runs in this process (so both ends read the same clock) and writes on one
ticket that the console has open; the load process writes on other tickets at 0, 50 and 200
messages a second. A probe counts as shown when a frame has been written after the transcript
drew a line holding its text.
"""

import asyncio
import re
import time
from dataclasses import dataclass

from benchmarks.console import running_console, until
from benchmarks.processes import child, server_process
from benchmarks.stats import percentile
from chat_console.simulate.customers import SimulatedCustomer

PROBE = re.compile(r"probe#(\d+)")
WARM_UP = 0.5  # seconds of each level not counted


@dataclass
class LatencyResult:
    rate: int
    p50_ms: float
    p99_ms: float
    samples: int
    applied_p50_ms: float  # emit -> applied to the store (network, client, batching wait)
    applied_p99_ms: float


async def run(levels: tuple[int, ...], seconds: float, probes_per_second: float = 20.0):
    # Background from cu2 and cu3 only: the probe customer (cu1) writes on one ticket, so that the
    # operator's "all read" for it covers that conversation, as it would for a real customer.
    async with server_process() as (_, url), child("child_load", url, "2", "20", "1") as load:
        await load.read()
        probe = SimulatedCustomer(url, "cu1", "cu1pass")
        await probe.connect()
        ticket = await probe.open_ticket("Latency probe")
        results = []
        async with running_console(url) as (app, frames):
            await until(lambda: app.store.ticket(ticket.ticket_id) is not None)
            app.main.open_ticket(ticket.ticket_id)
            sent: dict[int, float] = {}
            drawn: set[int] = set()
            shown: dict[int, float] = {}
            transcript = app.main.transcript
            render_line = transcript.render_line

            def watching_render_line(y: int):  # type: ignore[no-untyped-def]
                strip = render_line(y)
                found = PROBE.search(strip.text)
                if found and int(found[1]) not in shown:
                    drawn.add(int(found[1]))
                return strip

            def on_frame(at: float) -> None:
                for n in drawn:
                    shown.setdefault(n, at)
                drawn.clear()

            applied: dict[int, float] = {}
            apply_batch = app.store.apply_batch

            def watching_apply_batch(events):  # type: ignore[no-untyped-def]
                events = list(events)
                changes = apply_batch(events)
                now = time.perf_counter()
                for event in events:
                    found = PROBE.search(
                        str(getattr(getattr(event, "message", None), "content", ""))
                    )
                    if found:
                        applied.setdefault(int(found[1]), now)
                return changes

            app.store.apply_batch = watching_apply_batch  # type: ignore[method-assign]
            transcript.render_line = watching_render_line  # type: ignore[method-assign]
            frames.listeners.append(on_frame)
            serial = 0
            for rate in levels:
                if rate:
                    await load.send(do="rate", rate=rate, seconds=seconds)
                first = serial
                start = time.perf_counter()
                tasks = []
                while time.perf_counter() - start < seconds:
                    serial += 1
                    sent[serial] = time.perf_counter()
                    text = f"probe#{serial} is anyone there?"
                    tasks.append(asyncio.create_task(probe.say(ticket.ticket_id, text)))
                    await asyncio.sleep(1 / probes_per_second * (0.5 + (serial * 0.618) % 1))
                await asyncio.gather(*tasks)
                wanted = range(first + 1, serial + 1)
                await until(lambda wanted=wanted: all(n in shown for n in wanted))
                if rate:
                    await load.read(within=60)
                kept = [n for n in wanted if sent[n] - start >= WARM_UP]
                counted = [(shown[n] - sent[n]) * 1000 for n in kept]
                to_store = [(applied[n] - sent[n]) * 1000 for n in kept if n in applied]
                results.append(
                    LatencyResult(
                        rate,
                        percentile(counted, 50),
                        percentile(counted, 99),
                        len(counted),
                        percentile(to_store, 50),
                        percentile(to_store, 99),
                    )
                )
        await probe.close()
        return results


if __name__ == "__main__":
    for result in asyncio.run(run((0, 50, 200), 5.0)):
        print(result)
