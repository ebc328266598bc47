"""Seeing frames in a console with no terminal: a driver that writes nowhere but is not headless.

Textual skips turning a frame into terminal bytes when its driver is headless, and that work is
part of what an operator over ssh waits for. `FrameDriver` says it is not headless, so every frame
is rendered to the escape sequences a terminal would get, counted, and thrown away.
`watch_frames(app)` stamps each frame's time after it has been written.
"""

import os
import sys
import time
from collections.abc import Callable

from textual import events
from textual.app import App
from textual.drivers.headless_driver import HeadlessDriver


class FrameDriver(HeadlessDriver):
    bytes_written = 0

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        FrameDriver.bytes_written += len(data)


class FrameWatch:
    """Times of written frames; `after(t)` is the first frame written at or after t."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.listeners: list[Callable[[float], None]] = []

    def stamp(self) -> None:
        now = time.perf_counter()
        self.times.append(now)
        for listener in self.listeners:
            listener(now)


def watch_frames(app: App[object]) -> FrameWatch:
    """Wrap `app._display` (the one place a frame leaves the compositor) to stamp every frame."""
    watch = FrameWatch()
    display = app._display

    def stamped(screen: object, renderable: object) -> None:
        display(screen, renderable)  # type: ignore[arg-type]
        if renderable is not None:
            watch.stamp()

    app._display = stamped  # type: ignore[method-assign]
    return watch


def press(app: App[object], key: str) -> None:
    """Send a key the way a terminal's input thread does (through the driver)."""
    event = events.Key(key, None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


class FirstFrameDriver(FrameDriver):
    """For start-up timing (`TEXTUAL_DRIVER=benchmarks.frames:FirstFrameDriver`): prints the
    time the first frame is written and ends the process at once."""

    def write(self, data: str) -> None:
        if len(data) > 64:  # a frame, not a lone synchronized-update marker
            print(f"first-frame {time.perf_counter()!r}", file=sys.__stderr__, flush=True)
            os._exit(0)
