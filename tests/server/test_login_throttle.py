"""Issue 10, item 6: POST /oauth/token throttles failed attempts per account and per address."""

from typing import Any

import aiohttp

from chat_console.server.login_throttle import LoginLimit
from chat_console.server.runner import RunningServer

LIMIT = LoginLimit()


async def _token(http: aiohttp.ClientSession, url: str, form: dict[str, str]) -> tuple[int, Any]:
    async with http.post(f"{url}/oauth/token", data=form) as response:
        return response.status, response.headers.get("Retry-After")


def _password(username: str, password: str) -> dict[str, str]:
    return {"grant_type": "password", "username": username, "password": password}


async def test_wrong_passwords_for_one_account_are_throttled_with_429(
    server: RunningServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        answers = [await _token(http, server.url, _password("op1", f"guess{n}")) for n in range(40)]
        statuses = [status for status, _ in answers]
        assert statuses[: int(LIMIT.account_burst)] == [400] * int(LIMIT.account_burst)
        assert statuses.count(429) >= 40 - LIMIT.account_burst - 1  # a refill during the run
        retry_after = next(after for status, after in answers if status == 429)
        assert retry_after is not None and 1 <= int(retry_after) <= 60
        # the right password waits too (the guesser may have found it), another account does not
        assert (await _token(http, server.url, _password("op1", "op1pass")))[0] == 429
        assert (await _token(http, server.url, _password("op2", "op2pass")))[0] == 200


async def test_many_accounts_tried_from_one_address_are_throttled(server: RunningServer) -> None:
    async with aiohttp.ClientSession() as http:
        tried = int(LIMIT.address_burst) + 5
        statuses = [
            (await _token(http, server.url, _password(f"user{n}", "guess")))[0]
            for n in range(tried)
        ]
        assert statuses.count(429) >= 4
        assert (await _token(http, server.url, _password("op2", "op2pass")))[0] == 429
        secret = {"grant_type": "client_credentials", "client_id": "x", "client_secret": "y"}
        assert (await _token(http, server.url, secret))[0] == 429
