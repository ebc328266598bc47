"""A per-connection token bucket: a peer may burst, then is held to a steady rate.

Over the limit, an event is not handled: an acked one is answered with `RATE_LIMITED`, one without
an ack is dropped. The defaults leave room for a console flushing a long outbox after a reconnect.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

RATE_LIMITED = "rate limit exceeded: slow down"


@dataclass(frozen=True, slots=True)
class RateLimit:
    # Roomy on purpose: a busy console sends a delivery receipt per message received and may
    # flush thousands of messages after an outage; the limit is there to stop floods, not them.
    per_second: float = 500.0
    burst: float = 2000.0


class Bucket:
    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._tokens = limit.burst
        self._last = clock()
        self.limited = False  # the last take() was refused: log only the first of a run

    def take(self) -> bool:
        """Spend one event's worth; False when the peer is over its limit."""
        now = self._clock()
        refill = (now - self._last) * self._limit.per_second
        self._tokens = min(self._limit.burst, self._tokens + refill)
        self._last = now
        if self._tokens < 1:
            self.limited = True
            return False
        self._tokens -= 1
        self.limited = False
        return True


DEFAULT_RATE_LIMIT = RateLimit()
