"""POST /oauth/token: the three grants, form and JSON bodies, RFC 6749 errors, expiry, refresh."""

import asyncio
import base64
from typing import Any

import aiohttp
import pytest

from chat_console.protocol import EmitEvent, ListenEvent, emits
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import WAIT, Peer, whoami


async def _post(url: str, body: dict[str, str], *, as_json: bool = False, **kw: Any) -> Any:
    async with aiohttp.ClientSession() as http:
        sent = {"json": body} if as_json else {"data": body}
        async with http.post(f"{url}/oauth/token", **sent, **kw) as response:
            return response.status, await response.json(), response.headers


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_password_grant(server: RunningServer, as_json: bool) -> None:
    form = {"grant_type": "password", "username": "op2", "password": "op2pass"}
    status, body, headers = await _post(server.url, form, as_json=as_json)
    assert status == 200
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["access_token"] != body["refresh_token"]
    assert headers["Cache-Control"] == "no-store"
    assert await whoami(server.url, body["access_token"]) == "op-2"


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_client_credentials_grant_acts_as_op1(server: RunningServer, as_json: bool) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "console",
        "client_secret": "console-secret",
    }
    status, body, _ = await _post(server.url, form, as_json=as_json)
    assert status == 200
    assert await whoami(server.url, body["access_token"]) == "op-1"


async def test_client_credentials_by_http_basic(server: RunningServer) -> None:
    basic = base64.b64encode(b"console:console-secret").decode()
    status, body, _ = await _post(
        server.url,
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert status == 200 and await whoami(server.url, body["access_token"]) == "op-1"


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
async def test_refresh_token_grant_is_single_use(server: RunningServer, as_json: bool) -> None:
    login = {"grant_type": "password", "username": "cu1", "password": "cu1pass"}
    _, first, _ = await _post(server.url, login)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    status, second, _ = await _post(server.url, refresh, as_json=as_json)
    assert status == 200 and second["access_token"] != first["access_token"]
    assert await whoami(server.url, second["access_token"]) == "cu-1"
    status, again, _ = await _post(server.url, refresh, as_json=as_json)
    assert (status, again["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"grant_type": "password", "username": "op1", "password": "wrong"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": "nobody", "password": "x"}, 400, "invalid_grant"),
        ({"grant_type": "password", "username": "op1"}, 400, "invalid_request"),
        ({"grant_type": "client_credentials", "client_id": "console", "client_secret": "no"},
         401, "invalid_client"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 400, "invalid_grant"),
        ({"grant_type": "refresh_token"}, 400, "invalid_request"),
        ({"grant_type": "implicit"}, 400, "unsupported_grant_type"),
        ({}, 400, "invalid_request"),
    ],
    ids=[
        "bad-password", "unknown-user", "no-password", "bad-secret", "no-client", "bad-refresh",
        "no-refresh", "unsupported", "no-grant-type",
    ],
)  # fmt: skip
async def test_token_errors_follow_rfc_6749(
    server: RunningServer, form: dict[str, str], status: int, error: str
) -> None:
    got_status, body, headers = await _post(server.url, form)
    assert (got_status, body["error"]) == (status, error)
    assert "access_token" not in body
    if status == 401:
        assert headers["WWW-Authenticate"].startswith("Basic")


async def test_tokens_expire_after_the_ttl() -> None:
    async with running_server(token_ttl=0.2) as server:
        login = {"grant_type": "password", "username": "op1", "password": "op1pass"}
        _, body, _ = await _post(server.url, login)
        assert body["expires_in"] == 1  # whole seconds, rounded up
        assert await whoami(server.url, body["access_token"]) == "op-1"

        async def expired() -> bool:
            try:
                await whoami(server.url, body["access_token"])
            except aiohttp.ClientResponseError as error:
                return error.status == 401
            return False

        async with asyncio.timeout(WAIT):
            while not await expired():  # noqa: ASYNC110 - polling the server's clock, bounded
                await asyncio.sleep(0.05)
        # the refresh token still works after the access token expired
        refresh = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
        status, fresh, _ = await _post(server.url, refresh)
        assert status == 200 and await whoami(server.url, fresh["access_token"]) == "op-1"


async def test_a_reused_refresh_token_ends_the_sessions_of_its_family(
    server: RunningServer,
) -> None:
    login = {"grant_type": "password", "username": "op1", "password": "op1pass"}
    _, first, _ = await _post(server.url, login)
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    _, second, _ = await _post(server.url, refresh)
    peer = Peer()
    try:
        await peer.connect(server.url)
        await peer.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(second["access_token"]))
        await peer.next(ListenEvent.AUTHENTICATED)

        status, _, _ = await _post(server.url, refresh)  # the spent one, presented again
        assert status == 400
        await peer.next(ListenEvent.UNAUTHENTICATED)  # the sweeper ends the family's socket
        later = {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
        assert (await _post(server.url, later))[0] == 400
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {second['access_token']}"}
            async with http.get(f"{server.url}/api/me", headers=headers) as response:
                assert response.status == 401
    finally:
        await peer.close()
