"""Bearer tokens held in memory: random, expiring, refresh tokens single-use, revocable per user."""

import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Refresh tokens outlive access tokens so a client can come back after a nap.
REFRESH_TTL_FACTOR = 24.0


@dataclass(frozen=True, slots=True)
class Grant:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int

    def as_response(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


@dataclass(slots=True)
class _Held:
    user_id: str
    expires_at: float


class TokenStore:
    def __init__(self, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._access: dict[str, _Held] = {}
        self._refresh: dict[str, _Held] = {}

    def issue(self, user_id: str) -> Grant:
        now = self._clock()
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        self._access[access] = _Held(user_id, now + self.ttl)
        self._refresh[refresh] = _Held(user_id, now + self.ttl * REFRESH_TTL_FACTOR)
        self._forget_expired(now)
        return Grant(access, refresh, max(1, math.ceil(self.ttl)))

    def user_for(self, access_token: str) -> str | None:
        """The user an access token belongs to, or None if unknown, expired or revoked."""
        held = self._access.get(access_token)
        if held is None or held.expires_at <= self._clock():
            return None
        return held.user_id

    def refresh(self, refresh_token: str) -> Grant | None:
        """Trade a refresh token (once) for a new grant."""
        held = self._refresh.pop(refresh_token, None)
        if held is None or held.expires_at <= self._clock():
            return None
        return self.issue(held.user_id)

    def revoke(self, user_id: str) -> None:
        for table in (self._access, self._refresh):
            for token in [t for t, held in table.items() if held.user_id == user_id]:
                del table[token]

    def _forget_expired(self, now: float) -> None:
        for table in (self._access, self._refresh):
            for token in [t for t, held in table.items() if held.expires_at <= now]:
                del table[token]
