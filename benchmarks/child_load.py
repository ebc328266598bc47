"""Child: simulated customers that load the reference server on command.

`python -m benchmarks.child_load URL CUSTOMERS TICKETS [FIRST]` connects the customers (demo
accounts, round robin from the FIRST one, default 0), opens TICKETS tickets among them and
prints {"tickets": [...]}. Then, for each JSON command on stdin:
  {"do": "flood", "count": N}          N messages as fast as the server acks them
  {"do": "rate", "rate": R, "seconds": S}  R messages a second, on a fixed schedule, for S seconds
  {"do": "loop", "seconds": S}         every customer writes, awaits the ack, writes again, for S s
and prints {"acked": n, "failed": n, "seconds": s, "cpu": s}. Messages go round-robin over
the tickets.
"""

import asyncio
import contextlib
import itertools
import json
import random
import sys
import time
from typing import Any

from socketio.exceptions import SocketIOError

from benchmarks.strict import strict
from chat_console.simulate.customers import DEMO_CUSTOMERS, CustomerError, SimulatedCustomer

IN_FLIGHT = 64  # messages awaiting their ack at once during a flood
LINES = (
    "Hello, my order has not arrived yet and the tracking page says nothing.",
    "I tried that, it still shows the old address.",
    "Order number 4711, placed last Tuesday.",
    "Thanks!",
)


class Load:
    def __init__(self, crowd: list[SimulatedCustomer], tickets: list[tuple[int, str]]) -> None:
        self.crowd = crowd
        self.tickets = tickets  # (customer index, ticket id)
        self.acked = 0
        self.failed = 0
        self._next = itertools.cycle(tickets)
        self._serial = itertools.count()

    async def say_next(self) -> None:
        owner, ticket_id = next(self._next)
        await self.say(owner, ticket_id)

    async def say(self, owner: int, ticket_id: str) -> None:
        line = f"{LINES[next(self._serial) % len(LINES)]} #{next(self._serial)}"
        try:
            await self.crowd[owner].say(ticket_id, line)
            self.acked += 1
        except (CustomerError, SocketIOError, TimeoutError):
            self.failed += 1

    async def flood(self, count: int) -> None:
        left = iter(range(count))

        async def worker() -> None:
            for _ in left:
                await self.say_next()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))

    async def at_rate(self, rate: float, seconds: float) -> None:
        pending: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        for n in itertools.count():
            at = start + n / rate
            if at - start >= seconds:
                break
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            task = asyncio.create_task(self.say_next())
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)

    async def loop(self, seconds: float) -> None:
        until = time.perf_counter() + seconds
        mine: dict[int, str] = dict(self.tickets)

        async def writer(owner: int) -> None:
            while time.perf_counter() < until:
                await self.say(owner, mine[owner])

        await asyncio.gather(*(writer(owner) for owner in mine))


async def main(url: str, customers: int, tickets: int, first: int = 0) -> None:
    rng = random.Random(7)
    accounts = [DEMO_CUSTOMERS[(first + n) % len(DEMO_CUSTOMERS)] for n in range(customers)]
    crowd = [
        SimulatedCustomer(
            url, user, password, read_delay=0.2, rng=random.Random(rng.getrandbits(64))
        )
        for user, password in accounts
    ]
    try:
        await asyncio.gather(*(c.connect() for c in crowd))
        opened: list[tuple[int, str]] = []
        for n in range(tickets):
            owner = n % len(crowd)
            ticket = await crowd[owner].open_ticket(f"Load ticket {n}")
            opened.append((owner, ticket.ticket_id))
        print(json.dumps({"tickets": [t for _, t in opened]}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            command: dict[str, Any] = json.loads(line)
            load = Load(crowd, opened)
            started, cpu = time.perf_counter(), time.process_time()
            match command["do"]:
                case "flood":
                    await load.flood(int(command["count"]))
                case "rate":
                    await load.at_rate(float(command["rate"]), float(command["seconds"]))
                case "loop":
                    await load.loop(float(command["seconds"]))
            report = {
                "acked": load.acked,
                "failed": load.failed,
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
            }
            print(json.dumps(report), flush=True)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.gather(*(c.close() for c in crowd), return_exceptions=True)


if __name__ == "__main__":
    strict()
    asyncio.run(main(*sys.argv[1:2], *map(int, sys.argv[2:5])))
