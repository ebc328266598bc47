"""Reading 10: read-only HTTP endpoints behind a bearer token."""

from typing import Any

import aiohttp
import pytest

from chat_console.server.runner import RunningServer
from tests.helpers import Peer, fetch_token
from tests.server.conftest import open_ticket, write


async def _get(url: str, path: str, token: str | None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.get(url + path, headers=headers) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize(
    "path", ["/api/tickets", "/api/tickets/t-1/messages", "/api/operators", "/api/me"]
)
@pytest.mark.parametrize("token", [None, "made-up"], ids=["no-bearer", "bad-bearer"])
async def test_extras_need_a_valid_bearer_token(
    server: RunningServer, path: str, token: str | None
) -> None:
    status, body = await _get(server.url, path, token)
    assert status == 401 and body == {"error": "invalid_token"}


async def test_operators_see_every_ticket_customers_their_own(
    server: RunningServer, cu1: Peer, cu2: Peer
) -> None:
    await open_ticket(cu1, "t-a")
    await open_ticket(cu2, "t-b")
    await open_ticket(cu1, "t-c")
    operator = await fetch_token(server.url, "op2", "op2pass")
    customer = await fetch_token(server.url, "cu1", "cu1pass")
    _, everything = await _get(server.url, "/api/tickets", operator)
    assert [t["ticketId"] for t in everything] == ["t-a", "t-b", "t-c"]
    _, own = await _get(server.url, "/api/tickets", customer)
    assert [t["ticketId"] for t in own] == ["t-a", "t-c"]
    assert own[0]["ownerId"] == "cu-1" and own[0]["statusId"] == 100


async def test_messages_oldest_first_and_only_for_who_may_see(
    server: RunningServer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    for n in range(3):
        assert await write(cu1, "t-1", f"m-{n}", f"line {n}") is None
    operator = await fetch_token(server.url, "op1", "op1pass")
    status, messages = await _get(server.url, "/api/tickets/t-1/messages", operator)
    assert status == 200
    assert [m["messageId"] for m in messages] == ["m-0", "m-1", "m-2"]
    assert messages[0]["content"] == "line 0" and messages[0]["senderId"] == "cu-1"
    stranger = await fetch_token(server.url, "cu2", "cu2pass")
    assert (await _get(server.url, "/api/tickets/t-1/messages", stranger))[0] == 403
    assert (await _get(server.url, "/api/tickets/nope/messages", operator))[0] == 404


async def test_operators_list(server: RunningServer) -> None:
    token = await fetch_token(server.url, "cu3", "cu3pass")
    status, operators = await _get(server.url, "/api/operators", token)
    assert status == 200
    assert operators == [
        {"userId": "op-1", "fullNm": "Olivia Operator"},
        {"userId": "op-2", "fullNm": "Oscar Other"},
    ]
