"""The Engine.IO v3 link itself against a real socket.io 2.5.1 server: handshake, heartbeat,
server-side disconnect, dead-link detection, and the AsyncClient-like failure modes."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from socketio import exceptions

from chat_console.client.connection import SocketIO2Connection
from chat_console.client.eio3.client import (
    CLIENT_DISCONNECT,
    SERVER_DISCONNECT,
    SocketIO2Client,
)
from chat_console.client.errors import AckTimeout, NotConnected
from chat_console.protocol import EmitEvent, ListenEvent, emits
from tests.eio3.conftest import PING_INTERVAL_MS, PING_TIMEOUT_MS, NodeServer, Recorder, call
from tests.helpers import eventually

MakeClient = Callable[[], tuple[SocketIO2Client, Recorder]]
# The longest a dead link may go unnoticed, plus room for a busy 2-core machine.
DEAD_LINK_BOUND = (PING_INTERVAL_MS + PING_TIMEOUT_MS) / 1000 + 2.0


async def authenticated(client: SocketIO2Client, recorder: Recorder, token: str) -> None:
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
    await recorder.expect(ListenEvent.AUTHENTICATED)


async def test_handshake_reads_the_servers_heartbeat_and_runs_connect(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    assert client.connected
    assert client.sid
    assert client.ping_interval == PING_INTERVAL_MS / 1000
    assert client.ping_timeout == PING_TIMEOUT_MS / 1000
    assert recorder.of("connect") == [()]  # ran before connect() returned, as in AsyncClient


async def test_client_pings_keep_the_link_up_across_several_intervals(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    await authenticated(client, recorder, "op1-token")
    # The server drops a client that has not pinged for interval + timeout (0.9 s); six answered
    # pings take at least 6 intervals (1.8 s), so the link outlived that only because we pinged.
    await eventually(lambda: client.pongs >= 6, within=15)
    assert client.connected
    assert recorder.of("disconnect") == []
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("no-such-ticket", {}, "cu-1")) == (
        "no such ticket"
    )


async def test_bad_token_is_answered_then_the_socket_is_dropped_by_the_server(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate("wrong-token"))
    (payload,) = await recorder.expect(ListenEvent.UNAUTHENTICATED)
    assert payload == {"message": "invalid access token"}
    # Not authenticated within the server's one second: it disconnects us.
    assert await recorder.expect("disconnect") == (SERVER_DISCONNECT,)
    assert not client.connected


async def test_server_side_disconnect_reaches_the_disconnect_handler(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server.admin("disconnect", "op-1") == {"disconnected": 1}
    assert await recorder.expect("disconnect") == (SERVER_DISCONNECT,)
    assert not client.connected
    with pytest.raises(exceptions.BadNamespaceError):
        await client.emit(EmitEvent.SUBSCRIBE_OPERATOR)
    # The same client object connects again, as a supervisor would have it do.
    await client.connect(node_server.url)
    await authenticated(client, recorder, "op1-token")
    assert recorder.of("connect") == [(), ()]


@asynccontextmanager
async def v2_connection(url: str) -> AsyncIterator[tuple[SocketIO2Connection, Recorder]]:
    """The console's own transport over this adapter, opened and authenticated as op-1."""
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


async def test_a_silent_server_is_detected_dead_and_pending_acks_fail_at_once(
    node_server: NodeServer,
) -> None:
    async with v2_connection(node_server.url) as (connection, _):
        node_server.freeze()  # the TCP connection stays open; only the pongs stop
        async with asyncio.timeout(DEAD_LINK_BOUND):
            with pytest.raises(NotConnected, match="connection lost before the server answered"):
                await connection.call(EmitEvent.ACCEPT_TICKET, ("t", {}, "cu-1"), within=60)
        assert connection.lost.result() == "the connection broke"  # a transport error
        assert not connection.connected


async def test_an_ack_that_never_comes_times_out_and_the_link_stays(
    node_server: NodeServer,
) -> None:
    async with v2_connection(node_server.url) as (connection, _):
        with pytest.raises(AckTimeout):  # subscribeOperator is never acknowledged
            await connection.call(EmitEvent.SUBSCRIBE_OPERATOR, (), within=0.5)
        assert connection.connected


async def test_client_disconnect_is_orderly_and_idempotent(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    await client.connect(node_server.url)
    await client.disconnect()
    await client.disconnect()
    assert recorder.of("disconnect") == [(CLIENT_DISCONNECT,)]
    assert not client.connected
    assert client.sid is None


async def test_emit_before_connect_raises_like_python_socketio() -> None:
    client = SocketIO2Client()
    with pytest.raises(exceptions.BadNamespaceError):
        await client.emit(EmitEvent.SUBSCRIBE_OPERATOR)


async def test_connecting_twice_is_refused(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, _ = make_client()
    await client.connect(node_server.url)
    with pytest.raises(exceptions.ConnectionError, match="Already connected"):
        await client.connect(node_server.url)


async def test_a_closed_port_is_a_connection_error(free_port: int) -> None:
    client = SocketIO2Client()
    with pytest.raises(exceptions.ConnectionError):
        await client.connect(f"http://127.0.0.1:{free_port}")
    assert not client.connected


async def test_a_handlers_return_value_is_the_ack_the_server_asked_for(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    client, recorder = make_client()
    questions: list[str] = []

    async def answer(question: str) -> tuple[str, int]:
        questions.append(question)
        return "yes", 2  # a tuple is several ack arguments, as in python-socketio

    client.on("ask", answer)
    await client.connect(node_server.url)
    await authenticated(client, recorder, "op1-token")
    assert await node_server.admin("ask", "op-1") == {"answer": ["yes", 2]}
    assert questions == ["are you there?"]


async def test_a_disconnect_handler_may_connect_again_and_that_link_is_watched_too(
    node_server: NodeServer,
) -> None:
    client = SocketIO2Client()
    reasons: list[str] = []
    relinked = asyncio.Event()

    async def on_disconnect(reason: str) -> None:
        reasons.append(reason)
        if len(reasons) == 1:  # reconnect once, from inside the handler, as a supervisor might
            await client.connect(node_server.url)
            await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
            relinked.set()

    client.on("disconnect", on_disconnect)
    await client.connect(node_server.url)
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("no-such-ticket", {}, "cu-1")) == (
        "no such ticket"
    )
    assert (await node_server.admin("disconnect", "op-1"))["disconnected"] == 1
    await asyncio.wait_for(relinked.wait(), 5)
    # Packets are handled in order: this answer means the new socket is authenticated.
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("no-such-ticket", {}, "cu-1")) == (
        "no such ticket"
    )
    assert (await node_server.admin("disconnect", "op-1"))["disconnected"] == 1
    await eventually(lambda: len(reasons) == 2)
    assert reasons == [SERVER_DISCONNECT, SERVER_DISCONNECT]
    assert not client.connected


async def test_the_connect_auth_field_of_socketio_3_is_refused_by_name() -> None:
    client = SocketIO2Client()
    with pytest.raises(ValueError, match="no CONNECT auth field"):
        await client.connect("http://127.0.0.1:9", auth={"token": "x"})
