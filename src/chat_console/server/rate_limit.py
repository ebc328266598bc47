"""Per-account limits: events a second, bytes a minute, tickets open at once.

Each is counted per account, not per connection: ten sockets of one account share one budget, and
reconnecting does not refill it (the buckets live as long as the server). Before `authenticate`
a socket has a bucket of its own, as it has no account yet (and only `authenticate` is handled).

Over a limit, an event is not handled: an acked one is answered with the limit's words
("rate limit exceeded: ...", "too many open tickets: ..."), one without an ack is dropped.
The event and byte limits are token buckets: a peer may burst, then is held to a steady rate.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from chat_console.protocol.limits import RATE_LIMITED, human_size

TOO_MANY_TICKETS = "too many open tickets"
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class RateLimit:
    # Roomy on purpose: a busy console sends a delivery receipt per message received and may
    # flush thousands of messages after an outage; the limit is there to stop floods, not them.
    per_second: float = 500.0
    burst: float = 2000.0
    # Sixteen messages at the 1 MiB content cap a minute (a burst of them at once), then a
    # quarter of a MiB a second: far beyond a person, and it bounds what one account can make
    # the server store and relay (one account sent 100 MiB in 7 s before).
    bytes_per_minute: float = 16 * MIB
    # Tickets of one customer account that are not closed. A person has one or two; the demo's
    # three accounts share dozens among simulated customers.
    open_tickets: float = 100

    @classmethod
    def unlimited(cls) -> "RateLimit":
        """No limit at all (benchmarks that measure the relay, not the limiter)."""
        return cls(math.inf, math.inf, math.inf, math.inf)

    # The refusals are built only when needed: an unlimited figure is infinite.

    def events_refusal(self) -> str:
        return f"{RATE_LIMITED}: more than {self.per_second:,.0f} events a second from this account"

    def bytes_refusal(self) -> str:
        size = human_size(int(self.bytes_per_minute))
        return f"{RATE_LIMITED}: more than {size} a minute from this account"

    def tickets_refusal(self, open_now: int) -> str:
        return (
            f"{TOO_MANY_TICKETS}: {open_now:,} open, the limit is {self.open_tickets:,.0f}"
            " per customer; close one first"
        )


class Bucket:
    def __init__(
        self, per_second: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._per_second = per_second
        self._burst = burst
        self._clock = clock
        self._tokens = burst
        self._last = clock()
        self.limited = False  # the last take() was refused: log only the first of a run

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._per_second)
        self._last = now

    def take(self, amount: float = 1.0) -> bool:
        """Spend `amount`; False (and nothing spent) when the peer is over its limit."""
        if math.isinf(self._burst):
            return True
        self._refill()
        if self._tokens < amount:
            self.limited = True
            return False
        self._tokens -= amount
        self.limited = False
        return True

    def seconds_until(self, amount: float = 1.0) -> float:
        """How long until `amount` could be spent (0 if it can now)."""
        if math.isinf(self._burst):
            return 0.0
        self._refill()
        return max(0.0, (amount - self._tokens) / self._per_second)

    @property
    def full(self) -> bool:
        """Refilled to its burst: as good as a new bucket, so it can be forgotten."""
        self._refill()
        return self._tokens >= self._burst


class AccountBudget:
    """What one account may still spend: events and bytes, shared by all its sockets."""

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.events = event_bucket(limit, clock)
        self.bytes = Bucket(limit.bytes_per_minute / 60, limit.bytes_per_minute, clock)


def event_bucket(limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> Bucket:
    return Bucket(limit.per_second, limit.burst, clock)


class Budgets:
    """One `AccountBudget` per account, kept for the server's lifetime (accounts are a fixed
    list, so this is bounded), so that reconnecting does not refill it."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._by_user: dict[str, AccountBudget] = {}

    def of(self, user_id: str) -> AccountBudget:
        budget = self._by_user.get(user_id)
        if budget is None:
            budget = self._by_user[user_id] = AccountBudget(self.limit)
        return budget


DEFAULT_RATE_LIMIT = RateLimit()
