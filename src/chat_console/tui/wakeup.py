"""The console's one clock timer: armed for the soonest moment something shown or rung changes
with time alone (a waiting time's label, a reminder, a typing indicator going out, the retry
countdown), and not armed at all while nothing will. An idle console with nothing waiting does no
work on a beat: with 1,000 tickets in the history a once-a-second look at all of them was half
of its CPU (issue 15, benchmarks/FINDINGS.md, Jump host)."""

import asyncio
from collections.abc import Callable
from datetime import datetime

# The timer runs on the event loop's monotonic clock, the moments are on the console's clock:
# waking a little late makes sure the moment has come when the wake looks at the clock.
LATE_BY = 0.02  # seconds
SOONEST = 0.01  # seconds: a moment already past is a wake on the next turns of the loop
# The loop's clock stops while the machine sleeps and does not follow a step of the wall clock:
# never sleep longer than this, so that waiting times catch up within a minute of either.
LONGEST = 60.0  # seconds


class Wakeup:
    def __init__(self, clock: Callable[[], datetime], wake: Callable[[], object]) -> None:
        """`wake` is called from the event loop once `due` has come; it schedules its work
        (Textual's `call_later`), so that the work runs in the app's message loop."""
        self.clock = clock
        self._wake = wake
        self.due: datetime | None = None
        self._timer: asyncio.TimerHandle | None = None

    def set(self, moment: datetime | None) -> None:
        """Wake at `moment` instead of whatever was due (None: not at all)."""
        if moment == self.due:
            return  # a batch that changed nothing about time: the timer stays
        self.stop()
        self.due = moment
        if moment is None:
            return
        delay = min(LONGEST, max(SOONEST, (moment - self.clock()).total_seconds() + LATE_BY))
        self._timer = asyncio.get_running_loop().call_later(delay, self._ring)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer, self.due = None, None

    def _ring(self) -> None:
        self._timer, self.due = None, None
        self._wake()
