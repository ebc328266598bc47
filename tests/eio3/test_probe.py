"""`probe_server` against real servers of both generations and against non-servers."""

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import socketio
from aiohttp import web
from socketio import exceptions

from chat_console.client.eio3 import EngineIOProbeError, probe_server
from chat_console.client.eio3.client import SocketIO2Client
from tests.eio3.conftest import started_node_server


@dataclass
class PlainServer:
    url: str
    sio: socketio.AsyncServer | None


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listener).start()
    return runner, f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
async def v4_server() -> AsyncIterator[PlainServer]:
    """A bare python-socketio 5 server: Engine.IO v4, nothing of our own in it."""
    sio = socketio.AsyncServer(async_mode="aiohttp")
    app = web.Application()
    sio.attach(app)
    runner, url = await _serve(app)
    yield PlainServer(url, sio)
    await runner.cleanup()


@pytest.fixture
async def not_socketio() -> AsyncIterator[PlainServer]:
    """An HTTP server that has never heard of Socket.IO."""
    runner, url = await _serve(web.Application())
    yield PlainServer(url, None)
    await runner.cleanup()


async def test_a_socketio_2x_server_is_engineio_3_and_the_probe_leaves_no_session(
    node_v2_dir: Path,
) -> None:
    # A long auth timeout: only the probe's own close packet can end the session it opened.
    async with started_node_server(node_v2_dir, AUTH_TIMEOUT_MS="60000") as node_server:
        assert (await probe_server(node_server.url)).version == 3
        async with asyncio.timeout(5):
            while await node_server.socket_count() != 0:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.05)


async def test_a_python_socketio_5_server_is_engineio_4(v4_server: PlainServer) -> None:
    assert (await probe_server(v4_server.url)).version == 4
    assert v4_server.sio is not None
    # The probe closed the session it opened (the server forgets closed sessions lazily).
    sessions = list(v4_server.sio.eio.sockets.values())
    assert len(sessions) == 1
    assert sessions[0].closed


async def test_the_reference_server_is_engineio_4() -> None:
    runner = pytest.importorskip(
        "chat_console.server.runner", reason="the reference server is not built yet"
    )
    if not hasattr(runner, "running_server"):
        pytest.skip("chat_console.server.runner.running_server is not built yet")
    async with runner.running_server() as server:
        assert (await probe_server(server.url)).version == 4


async def test_an_http_server_without_socketio_is_named_as_such(
    not_socketio: PlainServer,
) -> None:
    with pytest.raises(EngineIOProbeError) as caught:
        await probe_server(not_socketio.url + "/?token=secret-value")
    message = str(caught.value)
    assert "no Engine.IO v3 or v4 handshake" in message
    assert "HTTP 404" in message
    assert "secret-value" not in message  # a query may carry credentials


async def test_a_closed_port_is_named_as_unreachable(free_port: int) -> None:
    with pytest.raises(EngineIOProbeError, match="cannot connect to"):
        await probe_server(f"http://127.0.0.1:{free_port}")


async def test_probe_errors_are_connection_errors_for_callers_of_either_client() -> None:
    assert issubclass(EngineIOProbeError, exceptions.ConnectionError)
    with pytest.raises(EngineIOProbeError, match="must be http"):
        await probe_server("gopher://example.invalid")


async def test_the_v3_adapter_refuses_a_v4_server_with_a_clear_error(
    v4_server: PlainServer,
) -> None:
    client = SocketIO2Client()
    with pytest.raises(exceptions.ConnectionError, match=r"HTTP 400.*Engine\.IO v3"):
        await client.connect(v4_server.url)
    assert not client.connected
