"""The admin surface: off by default, bearer-token gated, revokes tokens and drops sockets."""

import aiohttp

from chat_console.protocol import ListenEvent
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer, eventually

SECRET = "admin-s3cret"


async def post(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.post(url, headers=headers) as response:
        return response.status


async def test_without_an_admin_token_there_is_no_admin_surface(server: RunningServer) -> None:
    assert await post(f"{server.url}/admin/revoke?user=op-1", SECRET) == 404


async def test_the_admin_token_is_required_and_revoke_and_drop_work() -> None:
    async with running_server(admin_token=SECRET) as server:
        operator = Peer()
        await operator.login(server.url, "op1", "op1pass", operator=True)
        assert await post(f"{server.url}/admin/revoke?user=op-1") == 401
        assert await post(f"{server.url}/admin/revoke?user=op-1", "wrong") == 401
        assert await post(f"{server.url}/admin/revoke", SECRET) == 400

        assert await post(f"{server.url}/admin/revoke?user=op-1", SECRET) == 200
        await operator.next(ListenEvent.UNAUTHENTICATED)
        assert await post(f"{server.url}/admin/drop", SECRET) == 200  # every socket
        await eventually(lambda: not operator.sio.connected)
        await operator.close()
