"""TokenStore with a hand-driven clock: expiry, single-use refresh, revocation."""

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
