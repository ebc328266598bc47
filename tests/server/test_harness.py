"""The harness others rely on: running_server, the `server` fixture, fetch_token and Peer."""

import asyncio

import aiohttp

from chat_console.protocol import EmitEvent, ListenEvent, Ticket, emits
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer, eventually, fetch_token, whoami


async def test_running_server_picks_a_free_port_and_answers_http() -> None:
    async with running_server() as first, running_server() as second:
        assert first.port != 0 and second.port != 0
        assert first.port != second.port
        assert first.url == f"http://127.0.0.1:{first.port}"
        async with aiohttp.ClientSession() as http, http.get(f"{first.url}/healthz") as response:
            assert response.status == 200


async def test_running_server_stops_listening_on_exit() -> None:
    async with running_server() as running:
        url = running.url
    async with aiohttp.ClientSession() as http:
        try:
            async with http.get(f"{url}/healthz") as response:
                raise AssertionError(f"still answering: {response.status}")
        except aiohttp.ClientConnectionError:
            pass


async def test_fetch_token_gives_a_token_for_the_right_user(server: RunningServer) -> None:
    token = await fetch_token(server.url, "op1", "op1pass")
    assert await whoami(server.url, token) == "op-1"


async def test_peer_login_subscribes_an_operator_to_new_tickets(server: RunningServer) -> None:
    operator, customer = Peer(), Peer()
    try:
        await operator.login(server.url, "op1", "op1pass", operator=True)
        await customer.login(server.url, "cu1", "cu1pass", operator=False)
        ack = await customer.call(
            EmitEvent.CREATE_TICKET, *emits.create_ticket(Ticket(ticket_id="t-1", ticket_nm="x"))
        )
        assert ack is None
        (ticket,) = await operator.next(ListenEvent.TICKET_CREATED)
        assert ticket["ticketId"] == "t-1"
        assert server.store.get_ticket("t-1") is not None
        assert sorted(server.connected_users()) == ["cu-1", "op-1"]
    finally:
        await operator.close()
        await customer.close()


async def test_drop_connections_disconnects_only_that_users_sockets(
    server: RunningServer,
) -> None:
    operator, customer = Peer(), Peer()
    try:
        await operator.login(server.url, "op1", "op1pass", operator=True)
        await customer.login(server.url, "cu1", "cu1pass", operator=False)
        assert await server.drop_connections("op-1") == 1
        await eventually(lambda: not operator.sio.connected)
        await customer.roundtrip()
        assert customer.sio.connected
        assert server.connected_users() == ["cu-1"]
        assert await server.drop_connections() == 1
        await eventually(lambda: not customer.sio.connected)
    finally:
        await operator.close()
        await customer.close()


async def test_running_server_leaves_no_task_behind() -> None:
    before = asyncio.all_tasks()
    async with running_server() as running:
        for username, operator in (("op1", True), ("cu1", False)):
            peer = Peer()
            await peer.login(running.url, username, f"{username}pass", operator=operator)
            await peer.close()
        still_open = Peer()
        await still_open.login(running.url, "op2", "op2pass", operator=True)
    await still_open.close()
    leftovers = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert leftovers == []
