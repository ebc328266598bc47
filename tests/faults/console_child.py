"""A headless console in its own process, for the kill -9 test.

    python -m tests.faults.console_child URL STORE TICKET COUNT INTERVAL

Writes COUNT messages to the ticket's customer (INTERVAL seconds apart) through the console's
client, courier and SQLite store, then exits 0 once its outbox is empty (COUNT 0: only flush what
an earlier run left behind).
"""

import asyncio
import sys
from pathlib import Path

from benchmarks.chaos_harness import OPERATOR, Side

from chat_console.client import Backoff


async def run(url: str, store: str, ticket: str, count: int, interval: float) -> None:
    side = Side(url, OPERATOR, Path(store), backoff=Backoff(0.1, 0.5))
    await side.start()
    written = len(side.contents(ticket, own=True))
    for n in range(written, written + count):
        side.write(ticket, "cu-1", f"op-{n:03d}")
        await asyncio.sleep(interval)
    async with asyncio.timeout(30):
        while side.store.outbox():  # noqa: ASYNC110 - the courier empties it; no event to await
            await asyncio.sleep(0.02)
    await side.stop()


if __name__ == "__main__":
    url, store, ticket, count, interval = sys.argv[1:6]
    asyncio.run(run(url, store, ticket, int(count), float(interval)))
