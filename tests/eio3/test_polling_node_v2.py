"""Engine.IO v3 long-polling against a real socket.io 2.5.1 server: staying on polling when the
server refuses websockets (as behind a balancer that does not pass them), and upgrading to a
websocket when it offers one."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from socketio import exceptions

from chat_console.client.connection import SocketIO2Connection
from chat_console.client.eio3.client import CLIENT_DISCONNECT, SERVER_DISCONNECT, SocketIO2Client
from chat_console.client.errors import NotConnected
from chat_console.client.transport_choice import TransportChooser
from chat_console.protocol import EmitEvent, ListenEvent, emits
from tests.eio3.conftest import (
    PING_INTERVAL_MS,
    PING_TIMEOUT_MS,
    POLLING_ONLY,
    NodeServer,
    Recorder,
    call,
    started_node_server,
)
from tests.helpers import eventually

MakeClient = Callable[[], tuple[SocketIO2Client, Recorder]]
DEAD_LINK_BOUND = (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000 + 2.0


async def authenticated(client: SocketIO2Client, recorder: Recorder, token: str) -> None:
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
    await recorder.expect(ListenEvent.AUTHENTICATED, lambda args: args == (True,))


async def until_no_sockets(server: NodeServer) -> None:
    async with asyncio.timeout(5):
        while await server.socket_count() != 0:  # noqa: ASYNC110 - another process
            await asyncio.sleep(0.05)


# -- a polling-only server -----------------------------------------------------------------


async def test_the_link_opens_over_polling_and_pings_keep_it_up(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    assert client.transport() == "polling"
    assert client.sid
    assert (client.ping_interval, client.ping_timeout) == (
        PING_INTERVAL_MS / 1000,
        PING_TIMEOUT_MS / 1000,
    )
    assert recorder.of("connect") == [()]
    await authenticated(client, recorder, "op1-token")
    # The server drops a client that has not pinged for interval + timeout: six pongs over
    # polling outlive that several times.
    await eventually(lambda: client.pongs >= 6, within=15)
    assert client.connected and recorder.of("disconnect") == []
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("no-such-ticket", {}, None)) == (
        "no such ticket"
    )


async def test_many_emits_at_once_share_posts_without_overlap_and_all_are_answered(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    # socket.io 2.x closes a session whose POSTs overlap: concurrent emits must queue up.
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    answers = await asyncio.gather(
        *(call(client, EmitEvent.ACCEPT_TICKET, (f"t-{n}", {}, None)) for n in range(40))
    )
    assert answers == ["no such ticket"] * 40
    assert client.connected and client.transport() == "polling"


async def test_text_needing_utf16_lengths_crosses_in_both_directions(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    # The text framing counts UTF-16 units: an emoji is 2, so a wrong count cuts a packet.
    operator, op_events = make_client()
    customer, cu_events = make_client()
    for client, events, token in (
        (operator, op_events, "op1-token"),
        (customer, cu_events, "cu1-token"),
    ):
        await client.connect(node_server_polling_only.url)
        await authenticated(client, events, token)
    await operator.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
    assert await call(operator, EmitEvent.ACCEPT_TICKET, ("x", {}, None)) is not None
    name = "Drucker brennt 🔥 — 打印机 ✓"
    created = await call(customer, EmitEvent.CREATE_TICKET, ("t-1", {"displayNm": name}))
    assert created is None
    (ticket,) = await op_events.expect(ListenEvent.TICKET_CREATED)
    assert ticket["displayNm"] == name


async def test_a_binary_payload_is_read_and_the_text_after_it_arrives(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server_polling_only.admin("binary", "op-1") == {"sent": 1}
    # The binary event itself is not ours to read (no binary events in this protocol); the link
    # survives it and the text event sent after it in the same binary-framed payload arrives.
    assert await recorder.expect("note") == ("after the binary packet ✓ 🎉",)
    assert client.connected
    assert recorder.of("file") == []


async def test_a_revoked_token_is_replaced_over_polling(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server_polling_only.admin("revoke", "op-1") == {"revoked": 1}
    (payload,) = await recorder.expect(ListenEvent.UNAUTHENTICATED)
    assert payload == {"message": "token revoked"}
    fresh = (await node_server_polling_only.admin("token", "op-1"))["accessToken"]
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate(fresh))
    await eventually(lambda: len(recorder.of(ListenEvent.AUTHENTICATED)) == 2)
    # Past the server's one-second deadline to re-authenticate: still the same session.
    await eventually(lambda: client.pongs >= 6, within=15)
    assert client.connected and recorder.of("disconnect") == []
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("x", {}, None)) == "no such ticket"


async def test_server_side_disconnect_over_polling_then_connect_again(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server_polling_only.admin("disconnect", "op-1") == {"disconnected": 1}
    assert await recorder.expect("disconnect") == (SERVER_DISCONNECT,)
    with pytest.raises(exceptions.BadNamespaceError):
        await client.emit(EmitEvent.SUBSCRIBE_OPERATOR)
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    assert recorder.of("connect") == [(), ()]


async def test_client_disconnect_over_polling_ends_the_servers_session(
    node_server_polling_only: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server_polling_only.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server_polling_only.socket_count() == 1
    await client.disconnect()
    assert recorder.of("disconnect") == [(CLIENT_DISCONNECT,)]
    assert client.transport() is None
    await until_no_sockets(node_server_polling_only)


async def test_websocket_only_is_refused_by_a_polling_only_server(
    node_server_polling_only: NodeServer,
) -> None:
    client = SocketIO2Client()
    with pytest.raises(exceptions.ConnectionError, match="websocket handshake refused"):
        await client.connect(node_server_polling_only.url, transports=["websocket"])
    assert not client.connected


@asynccontextmanager
async def polling_connection(url: str) -> AsyncIterator[tuple[SocketIO2Connection, Recorder]]:
    """The console's own v2 transport, opened and authenticated as op-1."""
    recorder = Recorder()
    connection = SocketIO2Connection(
        url=url, socketio_path="socket.io", ssl=True, on_event=recorder.record
    )
    try:
        await connection.open()
        await connection.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
        await recorder.expect(ListenEvent.AUTHENTICATED)
        yield connection, recorder
    finally:
        await connection.close()


async def test_a_killed_server_is_a_lost_link_and_its_restart_takes_a_new_one(
    node_v2_dir: Path, free_port: int
) -> None:
    async with started_node_server(node_v2_dir, port=free_port, **POLLING_ONLY) as server:
        url = server.url
        async with polling_connection(url) as (connection, _):
            assert connection.engineio_transport == "polling"
            server.process.kill()  # the long-poll GET in flight breaks
            async with asyncio.timeout(DEAD_LINK_BOUND):
                reason = await connection.lost
            assert reason == "the connection broke"
            with pytest.raises(NotConnected):
                await connection.call(EmitEvent.ACCEPT_TICKET, ("t", {}, None), within=5)
    async with (
        started_node_server(node_v2_dir, port=free_port, **POLLING_ONLY),
        polling_connection(url) as (connection, _),
    ):
        assert connection.engineio_transport == "polling"
        assert await connection.call(EmitEvent.ACCEPT_TICKET, ("t", {}, None), within=5) == (
            "no such ticket",
        )


async def test_a_frozen_server_is_detected_dead_over_polling(
    node_server_polling_only: NodeServer,
) -> None:
    async with polling_connection(node_server_polling_only.url) as (connection, _):
        node_server_polling_only.freeze()  # GETs and POSTs hang: only the pongs can tell
        async with asyncio.timeout(DEAD_LINK_BOUND):
            with pytest.raises(NotConnected, match="connection lost before the server answered"):
                await connection.call(EmitEvent.ACCEPT_TICKET, ("t", {}, None), within=60)
        assert connection.lost.result() == "the connection broke"


# -- a server that offers the upgrade --------------------------------------------------------


async def test_the_link_upgrades_to_a_websocket_when_the_server_offers_one(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    assert client.transport() == "websocket"
    await authenticated(client, recorder, "op1-token")
    await eventually(lambda: client.pongs >= 3, within=15)
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("x", {}, None)) == "no such ticket"
    # One session, upgraded: not a second socket beside a forgotten polling one.
    assert await node_server.socket_count() == 1


@pytest.mark.parametrize("transports", [["polling"], ["websocket"]])
async def test_restricted_transports_are_kept_against_a_server_offering_both(
    node_server: NodeServer, make_client: MakeClient, transports: list[str]
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url, transports=transports)
    assert client.transport() == transports[0]
    await authenticated(client, recorder, "op1-token")
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("x", {}, None)) == "no such ticket"


async def test_unknown_transports_are_refused_by_name() -> None:
    client = SocketIO2Client()
    with pytest.raises(ValueError, match='"websocket" and/or "polling"'):
        await client.connect("http://127.0.0.1:9", transports=["flash"])


@pytest.mark.parametrize(("allowed", "used"), [(["polling"], "polling"), (None, "websocket")])
async def test_the_configured_transports_reach_the_consoles_connection(
    node_server: NodeServer, allowed: list[str] | None, used: str
) -> None:
    chooser = TransportChooser(
        "auto",
        url=node_server.url,
        socketio_path="socket.io",
        ssl=True,
        engineio_transports=allowed,
    )
    connection = await chooser.new(lambda event, args: None)
    try:
        await connection.open()
        assert connection.engineio_transport == used
    finally:
        await connection.close()
    assert connection.engineio_transport is None
