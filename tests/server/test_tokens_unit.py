"""TokenStore with a hand-driven clock: expiry, single-use refresh, revocation."""

import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from chat_console.server.tokens import TokenStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_access_token_works_until_its_ttl_then_not() -> None:
    clock = Clock()
    tokens = TokenStore(ttl=60, clock=clock)
    grant = tokens.issue("op-1")
    clock.now += 59.9
    assert tokens.user_for(grant.access_token) == "op-1"
    clock.now += 0.1
    assert tokens.user_for(grant.access_token) is None


def test_refresh_is_single_use_and_gives_a_new_access_token() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    grant = tokens.issue("cu-1")
    fresh = tokens.refresh(grant.refresh_token)
    assert fresh is not None and tokens.user_for(fresh.access_token) == "cu-1"
    assert tokens.refresh(grant.refresh_token) is None


def test_revoke_kills_access_and_refresh_tokens_of_that_user_only() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    mine, theirs = tokens.issue("op-1"), tokens.issue("op-2")
    tokens.revoke("op-1")
    assert tokens.user_for(mine.access_token) is None
    assert tokens.refresh(mine.refresh_token) is None
    assert tokens.user_for(theirs.access_token) == "op-2"


def test_tokens_are_not_in_the_repr() -> None:
    grant = TokenStore().issue("op-1")
    assert grant.access_token not in repr(grant)
    assert grant.refresh_token not in repr(grant)


def test_tokens_are_signed_a_forged_or_altered_one_is_refused() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    mine = tokens.issue("cu-1").access_token
    version, payload, signature = mine.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == "cu-1" and claims["kind"] == "access"
    as_operator = (
        base64.urlsafe_b64encode(json.dumps({**claims, "sub": "op-1"}).encode())
        .decode()
        .rstrip("=")
    )
    assert tokens.user_for(f"{version}.{as_operator}.{signature}") is None  # altered claims
    flipped = signature[:-2] + ("B" if signature[-2] == "A" else "A") + signature[-1]
    assert tokens.user_for(f"{version}.{payload}.{flipped}") is None  # altered signature
    assert tokens.user_for(f"{version}.{payload}.") is None
    other_server = TokenStore(ttl=60, clock=Clock())  # another key
    assert other_server.user_for(mine) is None
    assert TokenStore(ttl=60, clock=Clock(), key=b"k" * 32).issue("x").access_token != mine


def test_an_access_token_is_no_refresh_token_and_the_reverse() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    grant = tokens.issue("op-1")
    assert tokens.refresh(grant.access_token) is None
    assert tokens.user_for(grant.refresh_token) is None


def test_revoking_leaves_tokens_issued_afterwards_working() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    tokens.issue("op-1")
    tokens.revoke("op-1")
    later = tokens.issue("op-1")
    assert tokens.user_for(later.access_token) == "op-1"


@given(st.text(max_size=300) | st.binary(max_size=64).map(lambda b: "v1." + b.hex() + ".x"))
def test_any_string_is_a_refusal_never_an_error(text: str) -> None:
    tokens = TokenStore(ttl=60, clock=Clock(), key=b"k" * 32)
    assert tokens.user_for(text) is None
    assert tokens.refresh(text) is None


def test_a_spent_refresh_token_presented_again_revokes_its_whole_family() -> None:
    tokens = TokenStore(ttl=60, clock=Clock())
    stolen = tokens.issue("op-1")
    elsewhere = tokens.issue("op-1")  # another login of the same user: another family
    second = tokens.refresh(stolen.refresh_token)
    assert second is not None
    third = tokens.refresh(second.refresh_token)
    assert third is not None and tokens.user_for(third.access_token) == "op-1"

    assert tokens.refresh(stolen.refresh_token) is None  # presented again: someone else holds it
    for grant in (stolen, second, third):
        assert tokens.user_for(grant.access_token) is None
        assert tokens.refresh(grant.refresh_token) is None
    assert tokens.user_for(elsewhere.access_token) == "op-1"
    assert tokens.refresh(elsewhere.refresh_token) is not None


def test_claims_kept_by_a_socket_stop_holding_at_expiry_revocation_and_a_replayed_refresh() -> None:
    clock = Clock()
    tokens = TokenStore(ttl=60, clock=clock)
    expiring = tokens.verify_access(tokens.issue("op-1").access_token)
    assert expiring is not None and tokens.still_valid(expiring)
    clock.now += 60
    assert not tokens.still_valid(expiring)

    revoked = tokens.verify_access(tokens.issue("op-1").access_token)
    other = tokens.verify_access(tokens.issue("op-2").access_token)
    assert revoked is not None and other is not None
    tokens.revoke("op-1")
    assert not tokens.still_valid(revoked)
    assert tokens.still_valid(other)

    grant = tokens.issue("op-2")
    replayed = tokens.verify_access(grant.access_token)
    assert replayed is not None
    assert tokens.refresh(grant.refresh_token) is not None
    assert tokens.refresh(grant.refresh_token) is None  # spent, presented again: family revoked
    assert not tokens.still_valid(replayed)
    assert tokens.still_valid(other)  # another login of the same user is untouched
