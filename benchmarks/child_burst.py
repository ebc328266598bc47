"""Child: what one hostile server costs the console (issue 10). Prints one JSON line of figures.

`python -m benchmarks.child_burst FOLDER TICKETS MIB`: the real app over a store file in FOLDER,
fed decoded events the way its client feeds them (`deliver`, on the app's loop, as they arrive):

- a burst of TICKETS new tickets, delivered in packets of 200 as fast as the loop takes them:
  the time from the first to the queue drawn with all of them, and the key latency (key press to
  the frame that shows the cursor moved) of presses made all through the burst;
- then MIB MiB of content from one customer, in 1 MiB messages: peak RSS, and what is on disk
  afterwards (history file, its WAL, the log).
"""

import asyncio
import json
import logging
import sys
import time
import uuid
from pathlib import Path

from benchmarks.child_scale import peak_rss_mb, summary, timed_press
from benchmarks.console import OP1, SIZE, until
from benchmarks.frames import FrameDriver, watch_frames
from benchmarks.strict import strict
from chat_console.protocol import ListenEvent, Message
from chat_console.protocol.inbound import MessageUpdated, decode
from chat_console.redaction import configure_logging
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig

PACKET = 200  # events a socket read hands over at once under a flood


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir()) / 2**20


async def main(folder: Path, tickets: int, mib: int) -> None:
    configure_logging(folder / "console.log", logging.DEBUG)  # the most an operator can log
    store = Store(folder / "console.sqlite3", operator_id=OP1.user_id)
    app = ConsoleApp(ConsoleConfig(user=OP1), store=store)
    app.driver_class = FrameDriver
    frames = watch_frames(app)
    figures: dict[str, object] = {}
    async with app.run_test(headless=False, size=SIZE):
        await until(lambda: frames.times, within=60)
        queue = app.main.queue
        queue.focus()
        await until(lambda: app.focused is queue)
        before_rss = rss_mb()

        async def burst() -> None:
            for first in range(0, tickets, PACKET):
                for n in range(first, min(tickets, first + PACKET)):
                    ticket = {
                        "ticketId": str(uuid.UUID(int=n + 1)),
                        "ticketNm": f"Flood {n}",
                        "displayNm": f"Customer {n}",
                        "ownerId": "cu-flood",
                    }
                    app.deliver(decode(ListenEvent.TICKET_CREATED, (ticket,)))  # as the client
                await asyncio.sleep(0)  # the next packet is read on the next turn of the loop

        async def all_drawn() -> float:
            await until(lambda: len(queue.ticket_ids) >= tickets, within=120, every=0.001)
            return time.perf_counter()

        started = time.perf_counter()
        feeding = asyncio.create_task(burst())
        drawn = asyncio.create_task(all_drawn())
        await until(lambda: len(queue.ticket_ids) >= 2, within=60)  # something to move over
        presses: list[float] = []
        keys = ("down", "up")
        while not drawn.done() or len(presses) < 4:  # a few keys even after a short burst
            key = keys[len(presses) % 2]
            presses.append(
                await timed_press(app, frames, key, lambda: (queue.cursor, queue.scroll_y))
            )
        await feeding
        figures["burst_s"] = await drawn - started
        figures["burst_keys"] = summary(presses) | {"max": max(presses)}

        ticket_id = str(uuid.UUID(int=1))
        chunk = "x" * (1024 * 1024)
        for n in range(mib):
            app.deliver(
                MessageUpdated(
                    Message(
                        ticket_id=ticket_id,
                        message_id=f"big-{n}",
                        sender_id="cu-flood",
                        content=chunk,
                    )
                )
            )
            await asyncio.sleep(0)
        await until(lambda: store.message(f"big-{mib - 1}") is not None, within=120)
        figures["rss_before_mb"] = before_rss
        figures["rss_after_mb"] = rss_mb()
        figures["peak_rss_mb"] = peak_rss_mb()
    store.close()
    figures["disk_mb"] = disk_mb(folder)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    strict()
    asyncio.run(main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
