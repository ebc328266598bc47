"""Issue 10, item 1: one hostile message must not make what the server stored unreadable.

A lone surrogate (not Unicode text; `json.dumps` writes it, pydantic's JSON parser refuses it) is
stored as the visible text `\\ud800`; arguments nested deeper than the server takes are refused at
the door. Rows an older server wrote with either still load, and every HTTP extra answers 200,
across a restart. Payloads are sent as raw JSON, not built from the protocol models (which would
repair them before they left).
"""

import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from chat_console.protocol import EmitEvent, ListenEvent, Message, emits
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer, fetch_token
from tests.server.conftest import open_ticket

LONE = "hello \ud800 there"
SHOWN = "hello \\ud800 there"
JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"deeper": value}
    return value


async def _get(url: str, path: str, token: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as http, http.get(url + path, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def _login(url: str, username: str, operator: bool) -> Peer:
    peer = Peer()
    await peer.login(url, username, f"{username}pass", operator=operator)
    return peer


async def _write_object(peer: Peer, ticket_id: str, message_id: str, **extra: Any) -> Any:
    message = Message(ticket_id=ticket_id, message_id=message_id, content="x")
    args = list(emits.update_message(message, ""))
    args[2] = {**args[2], **extra}
    return await peer.call(EmitEvent.UPDATE_MESSAGE, *args)


async def _assert_everything_serves(server: RunningServer) -> None:
    operator = await fetch_token(server.url, "op2", "op2pass")
    status, tickets = await _get(server.url, "/api/tickets", operator)
    assert status == 200, tickets
    for ticket in tickets:
        status, body = await _get(
            server.url, f"/api/tickets/{ticket['ticketId']}/messages", operator
        )
        assert status == 200, body
    peer = await _login(server.url, "op2", operator=True)
    try:  # the bulk read walks every stored message of the customer
        assert (
            await peer.call(EmitEvent.UPDATE_MESSAGE_STATUS, "all", 3, "op-2", "cu-1", True) is None
        )
    finally:
        await peer.close()


async def test_a_lone_surrogate_is_stored_as_visible_text_and_serves_after_restart(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "server.sqlite3")
    async with running_server(db_path=db) as first:
        customer = await _login(first.url, "cu1", operator=False)
        operator = await _login(first.url, "op1", operator=True)
        try:
            ticket = {"ticketId": "t-1", "ticketNm": "Cliff \ud800"}
            assert await customer.call(EmitEvent.CREATE_TICKET, "t-1", ticket) is None
            (created,) = await operator.next(ListenEvent.TICKET_CREATED)
            assert created["ticketNm"] == "Cliff \\ud800"
            message = {"ticketId": "t-1", "messageId": "m-1", "content": LONE}
            assert await customer.call(EmitEvent.UPDATE_MESSAGE, "t-1", "m-1", message, "") is None
            (relayed,) = await operator.next(ListenEvent.MESSAGE_UPDATED)
            assert relayed["content"] == SHOWN
        finally:
            await customer.close()
            await operator.close()
        await _assert_everything_serves(first)

    async with running_server(db_path=db) as second:
        await _assert_everything_serves(second)
        token = await fetch_token(second.url, "op1", "op1pass")
        _, (ticket,) = await _get(second.url, "/api/tickets", token)
        assert ticket["ticketNm"] == "Cliff \\ud800"
        _, (message,) = await _get(second.url, "/api/tickets/t-1/messages", token)
        assert message["content"] == SHOWN


async def test_an_object_nested_too_deeply_is_refused_naming_the_problem(
    server: RunningServer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    ack = await _write_object(cu1, "t-1", "m-deep", extra=nested(250))
    assert isinstance(ack, str) and "nested" in ack, ack
    assert server.store.messages("t-1") == []
    # a few levels of extra data are the customer's to keep
    assert await _write_object(cu1, "t-1", "m-ok", extra=nested(5)) is None
    (kept,) = server.store.messages("t-1")
    assert kept.model_extra == {"extra": nested(5)}
    await _assert_everything_serves(server)


async def test_a_deep_ticket_object_is_refused_too(cu1: Peer) -> None:
    ticket = {"ticketId": "t-deep", "ticketNm": "deep", "extra": nested(250)}
    ack = await cu1.call(EmitEvent.CREATE_TICKET, "t-deep", ticket)
    assert isinstance(ack, str) and "nested" in ack, ack


async def test_an_id_holding_a_lone_surrogate_is_refused(cu1: Peer) -> None:
    ack = await cu1.call(EmitEvent.CREATE_TICKET, "t-\ud800", {"ticketId": "t-\ud800"})
    assert isinstance(ack, str) and "surrogate" in ack, ack


def _poison(db: str) -> None:
    """Rows as the server before this fix wrote them (json.dumps of what the peer sent)."""
    ticket = {"ticketId": "t-bad", "ticketNm": "Cliff \ud800", "ownerId": "cu-1", "statusId": 100}
    lone = {"ticketId": "t-bad", "messageId": "m-lone", "content": LONE, "senderId": "cu-1"}
    deep = {"ticketId": "t-bad", "messageId": "m-deep", "senderId": "cu-1", "x": nested(250)}
    with sqlite3.connect(db) as connection:
        connection.execute(
            "INSERT INTO tickets (ticket_id, owner_id, body) VALUES (?, ?, ?)",
            ("t-bad", "cu-1", json.dumps(ticket)),
        )
        for message in (lone, deep):
            connection.execute(
                "INSERT INTO messages (message_id, ticket_id, sender_id, status, body)"
                " VALUES (?, 't-bad', 'cu-1', 1, ?)",
                (message["messageId"], json.dumps(message)),
            )
        connection.execute(  # and one that no reader could make sense of
            "INSERT INTO messages (message_id, ticket_id, sender_id, status, body)"
            " VALUES ('m-junk', 't-bad', 'cu-1', 1, '{not json')"
        )
    connection.close()


async def test_rows_an_older_server_stored_load_and_serve_after_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = str(tmp_path / "server.sqlite3")
    async with running_server(db_path=db):
        pass  # creates the schema
    _poison(db)
    async with running_server(db_path=db) as server:
        await _assert_everything_serves(server)
        token = await fetch_token(server.url, "op1", "op1pass")
        _, (ticket,) = await _get(server.url, "/api/tickets", token)
        assert ticket["ticketNm"] == "Cliff \\ud800"
        status, messages = await _get(server.url, "/api/tickets/t-bad/messages", token)
        assert status == 200
        assert [m["messageId"] for m in messages] == ["m-lone", "m-deep"]
        assert messages[0]["content"] == SHOWN
        # what the bulk read confirmed was written back, and loads again
        assert {m.status_id for m in server.store.messages("t-bad")} == {3}
    assert "skipped unreadable message row 3" in caplog.text


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "username": "op1", "password": "\ud800"},
        {"grant_type": "client_credentials", "client_id": "console", "client_secret": "\ud800"},
        {"grant_type": "refresh_token", "refresh_token": "v1.\ud800.x"},
    ],
    ids=["password", "client-secret", "refresh-token"],
)
async def test_the_token_endpoint_refuses_lone_surrogates_without_an_error(
    server: RunningServer, form: dict[str, str]
) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/oauth/token", data=json.dumps(form), headers=JSON) as response,
    ):
        assert response.status in (400, 401), await response.text()
        assert "error" in await response.json()
