"""The two HTTP calls the simulated peers make: a password grant and "who am I"."""

from typing import Any

import aiohttp


class TokenRefused(RuntimeError):
    """The token endpoint said no (the text names the user, never the password)."""


async def password_grant(url: str, username: str, password: str) -> str:
    """An access token by the password grant."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/oauth/token",
            data={"grant_type": "password", "username": username, "password": password},
        ) as response,
    ):
        try:
            body = await response.json(content_type=None)
        except ValueError:  # a proxy's HTML error page, not the token endpoint
            body = None
        if response.status != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise TokenRefused(f"token refused for {username}: HTTP {response.status}")
        return str(body["access_token"])


async def who_am_i(url: str, token: str) -> dict[str, Any]:
    """`{userId, fullNm, role}` of the token's user."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        response.raise_for_status()
        body = await response.json()
        assert isinstance(body, dict)
        return body


async def list_tickets(url: str, token: str) -> list[dict[str, Any]]:
    """GET /api/tickets: the wire tickets the token's user may see."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/tickets", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        response.raise_for_status()
        body = await response.json()
        assert isinstance(body, list)
        return body
