"""Child processes of a benchmark: the reference server and the load generator run apart from the
process being measured, so that their work is not billed to it (the machine has 2 cores)."""

import asyncio
import json
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from benchmarks.strict import PYTHON

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT = 30.0


def rss_mb(pid: int) -> float:
    """Resident set size of a process now, in MB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # as the other benchmarks count
    return math.nan


def pss_mb(pid: int) -> float:
    """Proportional set size in MB: private pages plus its share of those it shares with other
    processes (the libraries' code), which is what one more console costs a host running many."""
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return math.nan


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Child:
    """A `python -m benchmarks.<module>` child that speaks JSON lines on stdin/stdout."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @property
    def pid(self) -> int:
        return self.process.pid

    async def read(self, within: float = START_TIMEOUT) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), within)
        if not line:
            raise RuntimeError(f"benchmark child {self.pid} ended early")
        return dict(json.loads(line))

    async def send(self, **command: Any) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()

    def cpu(self) -> float:
        return cpu_seconds(self.pid)


@asynccontextmanager
async def child(module: str, *args: str) -> AsyncIterator[Child]:
    process = await asyncio.create_subprocess_exec(
        *PYTHON,
        "-m",
        f"benchmarks.{module}",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        yield Child(process)
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to stop
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


@asynccontextmanager
async def server_process(*args: str) -> AsyncIterator[tuple[Child, str]]:
    """The reference server in its own process (`args`: child_server's); yields it and its URL."""
    async with child("child_server", *args) as server:
        ready = await server.read()
        yield server, str(ready["url"])
