"""Textual's Linux driver, with an input thread that sleeps until there is something to do.

Textual's thread waits for the terminal with `select(0.1)`: it wakes ten times a second, only to
see whether a lone ESC has waited long enough to be the escape key, or whether input has stopped.
Once the console's own clock stopped waking it for nothing (tui/wakeup.py), those wakes were
nearly all of an idle console's CPU: ~0.1 % of a core each, fifty consoles on a jump host
~5 % (benchmarks/FINDINGS.md, Jump host). This thread waits for the terminal, for the parser's
own deadline (the ESC), or for a byte on a pipe that stopping the input writes. It reads keys
through `EscapeFirstReader`: an ESC that starts no sequence is the escape key.
"""

import contextlib
import os
import selectors
import weakref
from codecs import getincrementaldecoder
from threading import Event

from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.drivers.linux_driver import LinuxDriver

from chat_console.tui.escape_key import EscapeFirstReader

TEXTUAL_POLL = 0.1  # seconds: Textual's own wait, should its parser no longer say its deadline
_UNKNOWN = object()


class _WakingEvent(Event):
    """An Event whose `set` also writes a byte to a pipe, waking a thread in `select`."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        with contextlib.suppress(BlockingIOError):  # full: the thread wakes anyway
            os.write(self._wake_fd, b"\0")


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def input_timeout(parser: XTermParser) -> float | None:
    """How long the input thread may sleep: until the parser's deadline (an ESC that may start a
    sequence becomes the escape key then), or until input comes (None)."""
    deadline = getattr(parser, "_timeout_time", _UNKNOWN)  # Textual's, not public
    if deadline is None:
        return None
    if isinstance(deadline, float | int):
        return max(0.0, deadline - get_time())
    return TEXTUAL_POLL  # a Textual that keeps it elsewhere: its own polling


class QuietLinuxDriver(LinuxDriver):
    def __init__(
        self,
        app: App[object],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size)
        # For the driver's life, not its `close` (a suspension for $EDITOR closes it, then starts
        # it again).
        self._wake, wake_write = os.pipe()
        os.set_blocking(wake_write, False)
        weakref.finalize(self, _close, self._wake, wake_write)
        # Textual sets this to stop the input thread, then waits for it: the byte wakes it.
        self.exit_event = _WakingEvent(wake_write)

    def run_input_thread(self) -> None:
        """Textual's `run_input_thread` (textual 8.x), waiting as `input_timeout` says."""
        wake = self._wake
        selector = selectors.SelectSelector()  # Textual's choice (kqueue misses ptys on macOS)
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(wake, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        # The app's alt chords (tui/bindings.py) stay chords; any other ESC x is Esc, then x.
        reader = EscapeFirstReader(parser, getattr(self._app, "alt_characters", ()))
        decode = getincrementaldecoder("utf-8")().decode

        def process(ready: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for last, (key, mask) in loop_last(ready):
                if key.fd == wake:
                    os.read(wake, 64)  # only woke us: the loop looks at exit_event
                    continue
                if mask & selectors.EVENT_READ:
                    text = decode(os.read(self.fileno, 1024 * 4), final=final and last)
                    if not text:  # stdin piped, and at its end
                        break
                    for event in reader.feed(text):
                        self.process_message(event)
            for event in reader.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(reader.timeout(input_timeout(parser))))
            selector.unregister(self.fileno)
            selector.unregister(wake)
            process(selector.select(TEXTUAL_POLL), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _ in parser.feed(""):
                    pass
