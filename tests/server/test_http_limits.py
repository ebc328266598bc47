"""Issue 10, item 6: half-sent HTTP requests and idle connections are closed after a timeout, and
the server caps how many connections are open at once; sockets in use are not disturbed."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from chat_console.server.runner import RunningServer, running_server
from tests.helpers import WAIT, Peer

TIMEOUT = 0.5  # tiny, so a test waits a moment; each closing is awaited within WAIT (5 s)


@asynccontextmanager
async def raw(server: RunningServer, sent: bytes = b"") -> AsyncIterator[asyncio.StreamReader]:
    """A plain TCP connection to the server that has sent `sent` and nothing more."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(sent)
    await writer.drain()
    try:
        yield reader
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True once the server closed the connection (within WAIT); False if it stayed open."""
    try:
        async with asyncio.timeout(WAIT):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


async def test_a_half_sent_header_is_closed_after_the_timeout_a_socket_in_use_is_not() -> None:
    async with running_server(http_timeout=TIMEOUT) as server:
        peer = Peer()
        try:
            await peer.login(server.url, "op1", "op1pass", operator=True)
            async with raw(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1") as reader:
                assert await closed_by_server(reader)
            await peer.roundtrip()  # idle longer than the timeout, and still served
            assert peer.sio.connected
        finally:
            await peer.close()


async def test_a_connection_idle_after_a_request_is_closed_after_the_timeout() -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
    async with running_server(http_timeout=TIMEOUT) as server, raw(server, request) as reader:
        assert (await reader.readline()).startswith(b"HTTP/1.1 200")
        assert await closed_by_server(reader)


async def test_connections_past_the_cap_are_closed_and_the_open_ones_keep_working() -> None:
    async with running_server(max_connections=4) as server:
        peer = Peer()
        try:
            await peer.login(server.url, "op1", "op1pass", operator=True)
            async with (
                raw(server, b"GET / HTTP/1.1\r\n"),
                raw(server, b"GET / HTTP/1.1\r\n"),
                raw(server, b"GET / HTTP/1.1\r\n"),
                raw(server, b"GET / HTTP/1.1\r\n") as over,
            ):
                assert await closed_by_server(over)
                await peer.roundtrip()  # the websocket already open is not disturbed
        finally:
            await peer.close()


async def test_a_body_sent_slowly_is_cut_off_after_the_timeout_with_408() -> None:
    head = b"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
    head += b"Content-Type: application/x-www-form-urlencoded\r\n\r\ngrant_type"
    async with running_server(http_timeout=TIMEOUT) as server, raw(server, head) as reader:
        async with asyncio.timeout(WAIT):
            assert (await reader.readline()).startswith(b"HTTP/1.1 408")
        assert await closed_by_server(reader)


async def test_a_long_poll_outlives_the_timeout_and_a_whole_body_is_served() -> None:
    """Engine.IO's polling by hand: a GET waits for packets longer than the timeout (it is being
    handled, not idle), and the POST that gives it one carries a whole body."""
    async with running_server(http_timeout=TIMEOUT) as server, aiohttp.ClientSession() as http:
        url = f"{server.url}/socket.io/?EIO=4&transport=polling"
        async with http.get(url) as opened:
            sid = json.loads((await opened.text())[1:])["sid"]
        url += f"&sid={sid}"

        async def long_poll() -> str:
            async with http.get(url) as polled:
                return await polled.text()

        waiting = asyncio.create_task(long_poll())
        await asyncio.sleep(TIMEOUT * 3)
        assert not waiting.done()
        async with http.post(url, data=b"40") as posted:  # Socket.IO's connect
            assert posted.status == 200
        async with asyncio.timeout(WAIT):
            assert (await waiting).startswith("40{")


async def test_the_server_stops_promptly_though_a_polling_client_stopped_polling() -> None:
    """Engine.IO waits for a polling client to collect its close packet; one that never polls
    again held the server's shutdown until its ping timed out (45 s)."""
    serving = running_server()
    server = await serving.__aenter__()
    try:
        async with aiohttp.ClientSession() as http:
            url = f"{server.url}/socket.io/?EIO=4&transport=polling"
            async with http.get(url) as opened:
                url += f"&sid={json.loads((await opened.text())[1:])['sid']}"
            async with http.post(url, data=b"40") as posted:
                assert posted.status == 200
            assert server.chat.sio.eio.sockets
    finally:
        async with asyncio.timeout(WAIT):
            await serving.__aexit__(None, None, None)
