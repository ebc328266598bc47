"""Brute-force throttling of `POST /oauth/token`: failed attempts are counted per account and per
client address; past a limit every attempt (even a right one) is answered 429 with Retry-After.

Counting per account stops one password being guessed from many addresses; per address, many
accounts being tried from one. Only failures spend, so a person who types a password wrong a few
times is not slowed. Usernames are counted whether or not they exist (a difference would tell
which exist); names and addresses are forgotten once their bucket is full again, and each table
is capped, so made-up names cannot grow it without bound. Behind a proxy every client shares the
proxy's address: put the limit in the proxy there.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from chat_console.server.rate_limit import Bucket

MAX_TRACKED = 10_000  # names or addresses tracked at once; beyond, the oldest are forgotten


@dataclass(frozen=True, slots=True)
class LoginLimit:
    # Ten wrong passwords for one account at once, then one every 6 s: a person retrying is
    # never held up, 300 guesses in a few seconds (seen before) become 10.
    account_burst: float = 10
    account_per_minute: float = 10
    # An address may serve several people (an office): three times the room.
    address_burst: float = 30
    address_per_minute: float = 30


class LoginThrottle:
    def __init__(
        self, limit: LoginLimit | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit or LoginLimit()
        self._clock = clock
        self._accounts: dict[str, Bucket] = {}
        self._addresses: dict[str, Bucket] = {}

    def retry_after(self, account: str | None, address: str) -> int:
        """Whole seconds the caller must wait before trying again, or 0 if it may try now."""
        buckets = [self._addresses.get(address), self._accounts.get(account or "")]
        return math.ceil(max((b.seconds_until() for b in buckets if b is not None), default=0))

    def failed(self, account: str | None, address: str) -> None:
        """Count a failed attempt (naming `account`, if the grant names one) from `address`."""
        self._bucket(self._addresses, address, False).take()
        if account is not None:
            self._bucket(self._accounts, account, True).take()

    def _bucket(self, table: dict[str, Bucket], key: str, per_account: bool) -> Bucket:
        bucket = table.get(key)
        if bucket is None:
            limit = self.limit
            burst, per_minute = (
                (limit.account_burst, limit.account_per_minute)
                if per_account
                else (limit.address_burst, limit.address_per_minute)
            )
            _forget_idle(table)
            bucket = table[key] = Bucket(per_minute / 60, burst, self._clock)
        return bucket


def _forget_idle(table: dict[str, Bucket]) -> None:
    """Keep `table` under its cap: drop buckets that are full again, then the oldest."""
    if len(table) < MAX_TRACKED:
        return
    for key in [k for k, bucket in table.items() if bucket.full]:
        del table[key]
    while len(table) >= MAX_TRACKED:  # a dict keeps insertion order: oldest first
        del table[next(iter(table))]
