"""The HTTP extras' pages: `since=` answers what changed (tickets, messages, statuses), `limit=`
and `before=` page a conversation newest first, and a caller passing nothing gets the old list."""

from pathlib import Path
from typing import Any

import aiohttp

from chat_console.protocol import EmitEvent, Message, TicketStatus, emits
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer, fetch_token
from tests.server.conftest import accept, open_ticket, write


async def _get(url: str, path: str, token: str, **params: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        aiohttp.ClientSession() as http,
        http.get(url + path, headers=headers, params=params) as response,
    ):
        if response.content_type != "application/json":
            return response.status, None
        return response.status, await response.json()


def ids(items: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in items]


async def test_since_answers_only_the_tickets_and_messages_that_changed(
    server: RunningServer, cu1: Peer, op1: Peer
) -> None:
    quiet = await open_ticket(cu1, "t-quiet")
    moving = await open_ticket(cu1, "t-moving")
    assert await write(cu1, "t-quiet", "q-0", "nothing new here later") is None
    assert await write(cu1, "t-moving", "m-0", "first") is None
    token = await fetch_token(server.url, "op1", "op1pass")
    _, before = await _get(server.url, "/api/tickets", token, since="")
    assert ids(before["tickets"], "ticketId") == ["t-quiet", "t-moving"]
    cursor = before["next"]

    _, nothing = await _get(server.url, "/api/tickets", token, since=cursor)
    assert nothing["tickets"] == [] and nothing["more"] is False

    await accept(op1, moving)  # a ticket update is new too
    assert await write(cu1, "t-moving", "m-1", "second") is None
    _, changed = await _get(server.url, "/api/tickets", token, since=cursor)
    assert ids(changed["tickets"], "ticketId") == ["t-moving"]
    assert changed["tickets"][0]["statusId"] == int(TicketStatus.OPEN)
    _, messages = await _get(server.url, "/api/tickets/t-moving/messages", token, since=cursor)
    assert ids(messages["messages"], "messageId") == ["m-1"]

    # A read receipt (a message's status) and a status change move only their ticket.
    cursor = changed["next"]
    read = Message(ticket_id="t-moving", message_id="m-0", sender_id="cu-1", recipient_id="op-1")
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(read)) is None
    _, receipt = await _get(server.url, "/api/tickets/t-moving/messages", token, since=cursor)
    assert ids(receipt["messages"], "messageId") == ["m-0"]
    assert receipt["messages"][0]["statusId"] == 3
    waiting = quiet.model_copy(update={"owner_id": "cu-1"})
    status = emits.update_ticket_status(waiting, TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *status) is None
    _, closed = await _get(server.url, "/api/tickets", token, since=receipt["next"])
    assert ids(closed["tickets"], "ticketId") == ["t-quiet"]
    assert closed["tickets"][0]["statusId"] == int(TicketStatus.CLOSED)
    _, none = await _get(server.url, "/api/tickets/t-quiet/messages", token, since=cursor)
    assert none["messages"] == []


async def test_pages_follow_the_cursor_and_a_conversation_pages_newest_first(
    server: RunningServer, cu1: Peer
) -> None:
    for n in range(5):
        await open_ticket(cu1, f"t-{n}")
    for n in range(7):
        assert await write(cu1, "t-0", f"m-{n}", f"line {n}") is None
    token = await fetch_token(server.url, "op1", "op1pass")

    seen: list[str] = []
    cursor = ""
    while True:
        _, page = await _get(server.url, "/api/tickets", token, since=cursor, limit="2")
        assert len(page["tickets"]) <= 2
        seen += ids(page["tickets"], "ticketId")
        cursor = page["next"]
        if not page["more"]:
            break
    assert sorted(seen) == [f"t-{n}" for n in range(5)] and len(seen) == 5

    path = "/api/tickets/t-0/messages"
    _, newest = await _get(server.url, path, token, limit="3")
    assert ids(newest["messages"], "messageId") == ["m-4", "m-5", "m-6"] and newest["more"]
    _, older = await _get(server.url, path, token, limit="3", before="m-4")
    assert ids(older["messages"], "messageId") == ["m-1", "m-2", "m-3"] and older["more"]
    _, oldest = await _get(server.url, path, token, limit="3", before="m-1")
    assert ids(oldest["messages"], "messageId") == ["m-0"] and not oldest["more"]
    _, changed = await _get(server.url, path, token, since="", limit="4")
    assert ids(changed["messages"], "messageId") == ["m-0", "m-1", "m-2", "m-3"]
    _, rest = await _get(server.url, path, token, since=changed["next"], limit="4")
    assert ids(rest["messages"], "messageId") == ["m-4", "m-5", "m-6"] and not rest["more"]

    _, plain = await _get(server.url, path, token)  # a caller passing nothing: the old list
    assert ids(plain, "messageId") == [f"m-{n}" for n in range(7)]
    status, _ = await _get(server.url, path, token, limit="none")
    assert status == 400
    assert (await _get(server.url, path, token, limit="5000"))[0] == 200  # capped, not refused


async def test_a_cursor_of_another_database_reads_from_the_start_and_survives_a_restart(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "server.sqlite3")
    async with running_server(db_path=db) as first:
        customer = Peer()
        await customer.login(first.url, "cu1", "cu1pass", operator=False)
        await open_ticket(customer, "t-1")
        token = await fetch_token(first.url, "op1", "op1pass")
        _, page = await _get(first.url, "/api/tickets", token, since="")
        await customer.close()
    async with running_server(db_path=db) as second:
        customer = Peer()
        await customer.login(second.url, "cu1", "cu1pass", operator=False)
        await open_ticket(customer, "t-2")
        await customer.close()
        token = await fetch_token(second.url, "op1", "op1pass")
        _, after = await _get(second.url, "/api/tickets", token, since=page["next"])
        assert ids(after["tickets"], "ticketId") == ["t-2"]
    async with running_server() as other:  # another database: the cursor means nothing there
        customer = Peer()
        await customer.login(other.url, "cu1", "cu1pass", operator=False)
        await open_ticket(customer, "t-elsewhere")
        await customer.close()
        token = await fetch_token(other.url, "op1", "op1pass")
        _, fresh = await _get(other.url, "/api/tickets", token, since=page["next"])
        assert ids(fresh["tickets"], "ticketId") == ["t-elsewhere"] and fresh["reset"] is True
        _, own = await _get(other.url, "/api/tickets", token, since=fresh["next"])
        assert own["tickets"] == [] and "reset" not in own


async def test_switches_stand_in_for_servers_without_cursors_or_without_extras() -> None:
    async with running_server(http_cursors=False) as pages_only:
        customer = Peer()
        await customer.login(pages_only.url, "cu1", "cu1pass", operator=False)
        await open_ticket(customer)
        for n in range(3):
            assert await write(customer, "t-1", f"m-{n}", "hello") is None
        await customer.close()
        token = await fetch_token(pages_only.url, "op1", "op1pass")
        _, tickets = await _get(pages_only.url, "/api/tickets", token, since="")
        assert ids(tickets, "ticketId") == ["t-1"]  # the plain list: no cursor
        path = "/api/tickets/t-1/messages"
        _, page = await _get(pages_only.url, path, token, since="x", limit="2")
        assert "next" not in page and ids(page["messages"], "messageId") == ["m-1", "m-2"]
    async with running_server(http_extras=False) as bare:
        token = await fetch_token(bare.url, "op1", "op1pass")
        for path in ("/api/tickets", "/api/tickets/t-1/messages", "/api/operators"):
            assert (await _get(bare.url, path, token))[0] == 404


async def test_odd_paging_parameters_are_refused_or_read_as_from_the_start(
    server: RunningServer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    token = await fetch_token(server.url, "op1", "op1pass")
    _, page = await _get(server.url, "/api/tickets", token, since="")
    epoch = page["next"].partition(".")[0]
    for limit in ("²", "-1", "0", "9" * 5000, "1e3"):
        status, body = await _get(server.url, "/api/tickets", token, limit=limit)
        assert (status, body) == (400, {"error": "limit must be a whole number from 1"})
    for since in (f"{epoch}.²", f"{epoch}.{'9' * 5000}", f"{epoch}.-4", "\u202e", "."):
        status, body = await _get(server.url, "/api/tickets", token, since=since)
        assert status == 200 and ids(body["tickets"], "ticketId") == ["t-1"], since
