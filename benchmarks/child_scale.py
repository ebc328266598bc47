"""Child: the console over a big local store, no server. Prints one JSON line of figures.

`python -m benchmarks.child_scale DB TICKET PRESSES`: load the store, start the app (frames
rendered), then time key press -> frame for cursor moves and page scrolls in the queue, opening
the big conversation TICKET, and moves and page scrolls in its transcript. Peak RSS at the end.
The first two keys after focusing a pane are reported apart (first_keys_max_ms): Textual builds
that pane's binding chain and redraws the footer once, a one-off cost that is not navigation.
"""

import asyncio
import json
import random
import sys
import time
from collections.abc import Callable

from textual.app import App

from benchmarks.console import OP1, SIZE, until
from benchmarks.frames import FrameDriver, FrameWatch, press, watch_frames
from benchmarks.stats import percentile
from benchmarks.strict import strict
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig

FRAME = 1 / 60


async def timed_press(
    app: App[object], frames: FrameWatch, key: str, state: Callable[[], object]
) -> float:
    """Milliseconds from sending `key` to the first written frame that shows its effect: the first
    frame after `state()` changed (a frame already due for another reason does not count)."""
    # Real key presses fall at any phase of the 60 Hz frame clock: wait a random part of one.
    await asyncio.sleep(random.uniform(0, FRAME))
    before = state()
    shown: list[float] = []

    def on_frame(at: float) -> None:
        if not shown and state() != before:
            shown.append(at)

    frames.listeners.append(on_frame)
    start = time.perf_counter()
    press(app, key)
    try:
        await until(lambda: shown, within=30, every=0.0005)
    finally:
        frames.listeners.remove(on_frame)
    return (shown[0] - start) * 1000


def peak_rss_mb() -> float:
    """This process's peak resident memory. Not ru_maxrss: Linux carries that over exec from
    the parent, which here has just built the whole store."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "n": len(samples)}


async def main(db: str, ticket_id: str, presses: int) -> None:
    random.seed(1)
    start = time.perf_counter()
    store = Store(db, operator_id=OP1.user_id)
    loaded = time.perf_counter() - start
    app = ConsoleApp(ConsoleConfig(user=OP1), store=store)
    app.driver_class = FrameDriver
    frames = watch_frames(app)
    figures: dict[str, object] = {"load_s": loaded, "tickets": len(store)}
    async with app.run_test(headless=False, size=SIZE):
        await until(lambda: frames.times, within=60)
        figures["first_frame_s"] = frames.times[0] - start
        queue, transcript = app.main.queue, app.main.transcript
        queue.focus()
        await until(lambda: app.focused is queue)

        def cursor() -> object:
            return (queue.cursor, queue.scroll_y)

        def scroll() -> object:
            return transcript.scroll_y

        warm_up = [await timed_press(app, frames, key, cursor) for key in ("down", "up")]
        moves = [
            await timed_press(app, frames, key, cursor) for key in ("down", "up") * (presses // 2)
        ]
        pages = [
            await timed_press(app, frames, key, cursor)
            for key in ("pagedown", "pageup") * (presses // 2)
        ]
        queue.select(ticket_id)
        await asyncio.sleep(0.1)
        opening = await timed_press(
            app, frames, "enter", lambda: (app.main.open_ticket_id, transcript.line_count)
        )
        await asyncio.sleep(0.1)
        transcript.focus()
        await until(lambda: app.focused is transcript)
        # Up first: the conversation opens at its bottom, where "down" would not move.
        warm_up += [await timed_press(app, frames, key, scroll) for key in ("up", "down")]
        lines = [
            await timed_press(app, frames, key, scroll) for key in ("up", "down") * (presses // 2)
        ]
        scrolls = [
            await timed_press(app, frames, key, scroll)
            for key in ("pageup", "pagedown") * (presses // 2)
        ]
    figures |= {
        "queue_move": summary(moves),
        "queue_page": summary(pages),
        "open_conversation_ms": opening,
        "transcript_move": summary(lines),
        "first_keys_max_ms": max(warm_up),
        "transcript_page": summary(scrolls),
        "peak_rss_mb": peak_rss_mb(),
    }
    store.close()
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    strict()
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
