"""Bearer tokens: HMAC-signed, expiring, refresh tokens single-use, revocable per user.

A token is `v1.<payload>.<signature>`: the payload (base64url JSON) names the user, the kind
(access or refresh), the expiry, the user's revocation generation and a random id; the signature
is HMAC-SHA256 over the payload with a key only this server holds. Checking a token needs no
table of tokens: a forged or altered one fails the signature (compared in constant time), an
old one its expiry, a revoked one its generation. Only spent refresh tokens are remembered, until
they would have expired anyway. The key is random per server unless given, so a restart ends
every session (clients fetch new tokens).

Every grant made by a refresh belongs to the family of the login it descends from (`fam`). A spent
refresh token presented again means two parties hold that family's tokens (one of them stole it),
and the server cannot tell which is which: the whole family stops working, access tokens included
(RFC 6819 5.2.2.3, OAuth 2.0 Security BCP 4.14). The rightful client logs in again.
"""

import base64
import binascii
import hashlib
import hmac
import json
import logging
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("chat_console.server")

# Refresh tokens outlive access tokens so a client can come back after a nap.
REFRESH_TTL_FACTOR = 24.0
_VERSION = "v1"
_MAX_TOKEN_CHARS = 2048  # a token this long was not made here: refuse it before any work


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


@dataclass(frozen=True, slots=True)
class Claims:
    """What a verified access token says. A socket keeps its token's claims, so that each later
    event costs `TokenStore.still_valid` (a clock read and two look-ups) instead of an HMAC and a
    JSON parse: the signature cannot change, while expiry and revocation are checked every time."""

    user_id: str
    expires_at: float
    generation: int
    family: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenStore:
    def __init__(
        self,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.time,
        key: bytes | None = None,
    ) -> None:
        self.ttl = ttl
        self._clock = clock
        self._key = key or secrets.token_bytes(32)
        self._generation: dict[str, int] = {}  # bumped by revoke(): older tokens stop working
        self._spent: dict[str, float] = {}  # refresh token id -> its expiry
        self._revoked_families: dict[str, float] = {}  # family -> when its last token expires

    def issue(self, user_id: str, family: str | None = None) -> Grant:
        """A new grant: of a new family (a login), or of `family` (a refresh)."""
        now = self._clock()
        self._forget_spent(now)
        family = family or secrets.token_urlsafe(12)
        access = self._sign(user_id, "access", now + self.ttl, family)
        refresh = self._sign(user_id, "refresh", now + self.ttl * REFRESH_TTL_FACTOR, family)
        return Grant(access, refresh, max(1, math.ceil(self.ttl)))

    def user_for(self, access_token: str) -> str | None:
        """The user an access token belongs to, or None if forged, expired or revoked."""
        claims = self.verify_access(access_token)
        return None if claims is None else claims.user_id

    def verify_access(self, access_token: str) -> Claims | None:
        """The claims of an access token made here and still good, or None."""
        claims = self._verify(access_token, "access")
        if claims is None:
            return None
        return Claims(
            user_id=str(claims["sub"]),
            expires_at=float(claims["exp"]),
            generation=int(claims["gen"]),
            family=str(claims["fam"]),
        )

    def still_valid(self, claims: Claims) -> bool:
        """Whether claims verified earlier still hold: not expired, the user's tokens not revoked
        since (`revoke`), their login's family not revoked (a spent refresh token replayed)."""
        return (
            claims.expires_at > self._clock()
            and claims.generation == self._generation.get(claims.user_id, 0)
            and claims.family not in self._revoked_families
        )

    def refresh(self, refresh_token: str) -> Grant | None:
        """Trade a refresh token (once) for a new grant of the same family. A spent one presented
        again revokes its family: every token issued since that login stops working."""
        claims = self._verify(refresh_token, "refresh")
        if claims is None:
            return None
        jti, family = str(claims.get("jti")), str(claims.get("fam"))
        if jti in self._spent:
            self._revoked_families[family] = self._clock() + self.ttl * REFRESH_TTL_FACTOR
            log.warning(
                "a spent refresh token of %s was presented again: revoked its login", claims["sub"]
            )
            return None
        self._spent[jti] = float(claims["exp"])
        return self.issue(str(claims["sub"]), family)

    def revoke(self, user_id: str) -> None:
        self._generation[user_id] = self._generation.get(user_id, 0) + 1

    def _sign(self, user_id: str, kind: str, expires_at: float, family: str) -> str:
        claims = {
            "sub": user_id,
            "kind": kind,
            "exp": expires_at,
            "gen": self._generation.get(user_id, 0),
            "jti": secrets.token_urlsafe(12),
            "fam": family,
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{_VERSION}.{payload}.{self._signature(payload)}"

    def _signature(self, payload: str) -> str:
        digest = hmac.new(self._key, f"{_VERSION}.{payload}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def _verify(self, token: Any, kind: str) -> dict[str, Any] | None:
        # Ours are ASCII; anything else (a lone surrogate from a JSON body) was not made here.
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS or not token.isascii():
            return None
        version, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        if version != _VERSION or not payload:
            return None
        if not hmac.compare_digest(signature.encode(), self._signature(payload).encode()):
            return None
        try:
            claims = json.loads(_unb64(payload))
        except (binascii.Error, ValueError):
            return None
        # Signed by us, so well-formed; checked anyway, as a key can leak into a test.
        if not isinstance(claims, dict) or claims.get("kind") != kind:
            return None
        subject, expiry = claims.get("sub"), claims.get("exp")
        if not isinstance(subject, str) or not isinstance(expiry, int | float):
            return None
        if expiry <= self._clock() or claims.get("gen") != self._generation.get(subject, 0):
            return None
        if claims.get("fam") in self._revoked_families:
            return None
        return claims

    def _forget_spent(self, now: float) -> None:
        for jti in [j for j, expiry in self._spent.items() if expiry <= now]:
            del self._spent[jti]
        for family in [f for f, expiry in self._revoked_families.items() if expiry <= now]:
            del self._revoked_families[family]
