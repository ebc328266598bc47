"""Write SVG pictures of the console's main states into `screenshots/`.

    python -m chat_console.tui.screenshots [FOLDER]

Uses the same fixed data and clock as the snapshot tests, so the pictures change only when the
console does.
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from chat_console.store import Store
from chat_console.tui import messages as msg
from chat_console.tui.app import ConsoleApp
from chat_console.tui.sample_data import CONFIG, ME, fixed_clock, store_app
from chat_console.tui.screens.assign import AssignScreen

Step = Callable[[ConsoleApp, Pilot[int]], Awaitable[None]]


async def _online(app: ConsoleApp, pilot: Pilot[int]) -> None:
    app.main.post_message(msg.ConnectionChanged("online", None, None))
    await pilot.pause()


async def _conversation(app: ConsoleApp, pilot: Pilot[int]) -> None:
    await _online(app, pilot)
    app.main.queue.select("t1")
    await pilot.press("enter")
    await pilot.pause()
    await app.workers.wait_for_complete()  # Carl's photo, decoded in a thread
    await pilot.pause()


async def _assign(app: ConsoleApp, pilot: Pilot[int]) -> None:
    await _conversation(app, pilot)
    await pilot.press("escape")
    app.push_screen(
        AssignScreen("Carl Customer — Order 1042 never arrived", list(CONFIG.operators))
    )
    await pilot.pause()


async def _help(app: ConsoleApp, pilot: Pilot[int]) -> None:
    await _online(app, pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def _offline(app: ConsoleApp, pilot: Pilot[int]) -> None:
    app.main.post_message(msg.ConnectionChanged("offline", "credentials rejected", None))
    await pilot.pause()


SHOTS: list[tuple[str, tuple[int, int], Step, bool]] = [
    ("queue-80x24", (80, 24), _online, False),
    ("conversation-80x24", (80, 24), _conversation, False),
    ("conversation-200x60", (200, 60), _conversation, False),
    ("assign-80x24", (80, 24), _assign, False),
    ("help-80x24", (80, 24), _help, False),
    ("offline-80x24", (80, 24), _offline, False),
    ("empty-80x24", (80, 24), _online, True),
]


async def _shoot(folder: Path, name: str, size: tuple[int, int], step: Step, empty: bool) -> Path:
    store = Store(":memory:", operator_id=ME.user_id, clock=fixed_clock) if empty else None
    app = store_app(store)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await step(app, pilot)
        return Path(app.save_screenshot(f"{name}.svg", path=str(folder)))


async def make_all(folder: Path) -> list[Path]:
    return [await _shoot(folder, *shot) for shot in SHOTS]


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(make_all(folder)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
