"""Reference server: messages relayed per second with N simulated customers, and its CPU cost.

Server and customers run in separate processes; every customer writes on its own ticket, awaits
the ack and writes again. One operator (a bare client in this process) receives every message on
the operators' channel. The server's CPU time comes from /proc, so the customers' own cost (which
can be the bottleneck on 2 cores) is reported apart.
"""

import asyncio
from dataclasses import dataclass

from benchmarks.console import BareOperator, until
from benchmarks.processes import child, server_process


@dataclass
class RelayResult:
    customers: int
    relayed_per_s: float
    server_cpu_s_per_1k: float
    customers_cpu_s_per_1k: float
    server_busy: float  # the server's CPU seconds per wall second: 1.0 is one core saturated


async def run(customers: int, seconds: float) -> RelayResult:
    async with (
        server_process() as (server, url),
        child("child_load", url, str(customers), str(customers)) as load,
    ):
        await load.read(within=120)
        operator = BareOperator()
        await operator.login(url)
        before = server.cpu()
        await load.send(do="loop", seconds=seconds)
        report = await load.read(within=seconds + 60)
        spent = server.cpu() - before
        acked = int(report["acked"])
        await until(lambda: operator.received >= acked, within=30)
        await operator.close()
    wall = float(report["seconds"])
    return RelayResult(
        customers,
        acked / wall,
        spent / acked * 1000,
        float(report["cpu"]) / acked * 1000,
        spent / wall,
    )


if __name__ == "__main__":
    for n in (50, 200):
        print(asyncio.run(run(n, 5.0)))
