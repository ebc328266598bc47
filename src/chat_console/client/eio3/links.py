"""The two Engine.IO v3 transports under one surface: a websocket, and HTTP long-polling.

A `Link` moves Engine.IO packets (text `str`, binary `bytes`) and nothing more: the open
handshake, the upgrade and the heartbeat are the client's. Every connection this package makes
to the server goes through `dial_websocket` or `http_exchange`, so that how the console reaches
the server (TLS, and later proxies) is decided in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl as ssl_module
from collections.abc import Awaitable, Mapping
from typing import Protocol

import aiohttp
from yarl import URL

from chat_console.client.eio3.codec import (
    EIO_CLOSE,
    EnginePacket,
    decode_payload,
    encode_payload,
)

logger = logging.getLogger(__name__)

SSLOption = ssl_module.SSLContext | bool

# Socket.IO 2.x accepts messages up to 100 MB (maxHttpBufferSize); images travel as base64 text,
# so aiohttp's 4 MiB default is too small, while no limit at all would let a peer exhaust memory.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

# How long a close handshake may take before the connection is simply dropped: a peer that has
# stopped answering would otherwise hold `disconnect()` for aiohttp's default of ten seconds.
CLOSE_GRACE_SECONDS = 0.5

# A long-poll GET is held by the server until it has something to say, at the latest until our
# next ping's pong; the client's heartbeat notices a dead server, so no total limit here.
_LONG_POLL = aiohttp.ClientTimeout(total=None, sock_connect=30)


Exchange = tuple[int, bytes]  # an HTTP answer: status and body


class LinkClosed(Exception):
    """The transport ended (closed by the peer, refused, or broken); the reason is in args."""


class Link(Protocol):
    name: str  # "websocket" or "polling", as Engine.IO names them

    async def send(self, packets: list[EnginePacket]) -> None:
        """Send packets in order; raise LinkClosed, aiohttp.ClientError or OSError on failure."""

    async def receive(self) -> list[EnginePacket]:
        """The next packets from the server (maybe none); LinkClosed when the link has ended."""

    async def close(self) -> None:
        """Release the transport; best effort, bounded in time, idempotent."""


async def dial_websocket(
    session: aiohttp.ClientSession,
    url: URL,
    headers: Mapping[str, str] | None,
    ssl: SSLOption,
) -> aiohttp.ClientWebSocketResponse:
    """Open a websocket to the server."""
    return await session.ws_connect(
        url, headers=headers, ssl=ssl, autoping=True, max_msg_size=MAX_MESSAGE_BYTES
    )


async def http_exchange(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    headers: Mapping[str, str] | None,
    ssl: SSLOption,
    *,
    body: str | None = None,
    limits: aiohttp.ClientTimeout = _LONG_POLL,
) -> Exchange:
    """One HTTP request to the server: its status and body."""
    if body is not None:
        headers = {**(headers or {}), "Content-Type": "text/plain;charset=UTF-8"}
    async with session.request(
        method, url, headers=headers, ssl=ssl, data=body, timeout=limits
    ) as response:
        return response.status, await response.read()


class WebSocketLink:
    """One Engine.IO packet per websocket message."""

    name = "websocket"

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws

    async def send(self, packets: list[EnginePacket]) -> None:
        if self._ws.closed:
            raise LinkClosed("the websocket is closed")
        for packet in packets:
            if isinstance(packet, bytes):
                await self._ws.send_bytes(packet)
            else:
                await self._ws.send_str(packet)

    async def receive(self) -> list[EnginePacket]:
        message = await self._ws.receive()
        if message.type is aiohttp.WSMsgType.TEXT:
            return [str(message.data)]
        if message.type is aiohttp.WSMsgType.BINARY:
            return [bytes(message.data)]
        raise LinkClosed(f"the websocket ended ({message.type.name.lower()})")

    async def close(self) -> None:
        # Cancelling close() aborts the connection, which is what a dead peer deserves.
        with contextlib.suppress(TimeoutError, aiohttp.ClientError, OSError):
            async with asyncio.timeout(CLOSE_GRACE_SECONDS):
                await self._ws.close()


class PollingLink:
    """HTTP long-polling: a GET waits for the server's packets, a POST carries ours.

    `send` only queues, as a websocket send only buffers: a writer task POSTs what is queued, one
    POST at a time (the server closes a session whose POSTs overlap), so packets that queue up
    meanwhile go out together, in order. A failed POST ends the link, and so does `close()`:
    every request still in flight is abandoned (a frozen server would hold it forever), and the
    pending GET raises LinkClosed, which is how the reader learns of it.
    """

    name = "polling"

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: URL,
        headers: Mapping[str, str] | None,
        ssl: SSLOption,
    ) -> None:
        self._session = session
        self._url = url
        self._headers = headers
        self._ssl = ssl
        self._queued: list[EnginePacket] = []
        self._queued_more = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._closed = False
        self._ended = asyncio.Event()

    async def send(self, packets: list[EnginePacket]) -> None:
        if self._closed:
            raise LinkClosed("the polling session is closed")
        self._queued.extend(packets)
        self._queued_more.set()
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_loop(), name="eio3-polling-writer")

    async def receive(self) -> list[EnginePacket]:
        if self._closed:
            raise LinkClosed("the polling session is closed")
        status, body = await self._unless_closed(self._exchange("GET"))
        if status != 200:  # 400 "Session ID unknown" once the server has closed the session
            self.abandon()
            raise LinkClosed(f"the server ended the polling session (HTTP {status})")
        try:
            return decode_payload(body)
        except ValueError as error:
            self.abandon()
            raise LinkClosed(f"unreadable polling payload: {error}") from None

    async def close(self) -> None:
        """Send what is still queued and a close packet, so the server forgets the session now."""
        if self._closed:
            return
        last = [*self._queued, EIO_CLOSE]
        self.abandon()
        with contextlib.suppress(TimeoutError, aiohttp.ClientError, OSError):
            await self._exchange(
                "POST", encode_payload(last), aiohttp.ClientTimeout(total=CLOSE_GRACE_SECONDS)
            )

    def abandon(self) -> None:
        """End the link without a word (also once upgraded: the server discards the session)."""
        self._closed = True
        self._queued = []
        self._ended.set()
        writer, self._writer = self._writer, None
        if writer is not None and writer is not asyncio.current_task():
            writer.cancel()

    async def _write_loop(self) -> None:
        try:
            while not self._closed:
                await self._queued_more.wait()
                self._queued_more.clear()
                while self._queued and not self._closed:
                    batch, self._queued = self._queued, []
                    status, _ = await self._unless_closed(
                        self._exchange("POST", encode_payload(batch))
                    )
                    if status != 200:
                        raise LinkClosed(f"the server refused a polling POST (HTTP {status})")
        except (LinkClosed, aiohttp.ClientError, OSError, TimeoutError) as error:
            logger.info("polling POST failed: %s", str(error) or type(error).__name__)
        finally:
            self.abandon()

    async def _exchange(
        self, method: str, body: str | None = None, limits: aiohttp.ClientTimeout = _LONG_POLL
    ) -> Exchange:
        return await http_exchange(
            self._session, method, self._url, self._headers, self._ssl, body=body, limits=limits
        )

    async def _unless_closed(self, request: Awaitable[Exchange]) -> Exchange:
        """`request`'s answer, or LinkClosed as soon as the link is closed meanwhile."""
        answer = asyncio.ensure_future(request)
        ended = asyncio.ensure_future(self._ended.wait())
        try:
            await asyncio.wait({answer, ended}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            if not answer.done():
                answer.cancel()  # aiohttp releases the connection as the task unwinds
                # It may still end in an error of its own (the proxy or server gone meanwhile):
                # nobody waits for it any more, so read it here rather than leave it unretrieved.
                answer.add_done_callback(_read_outcome)
        if not answer.done() or answer.cancelled():
            raise LinkClosed("the polling session is closed")
        return answer.result()


def _read_outcome(task: asyncio.Future[Exchange]) -> None:
    if not task.cancelled():
        task.exception()


def connect_failure(error: BaseException) -> str:
    if isinstance(error, aiohttp.WSServerHandshakeError):
        return (
            f"websocket handshake refused (HTTP {error.status}); "
            "the server may not speak Engine.IO v3 (Socket.IO 2.x)"
        )
    if isinstance(error, TimeoutError):
        return "no Socket.IO handshake from the server in time"
    return str(error) or type(error).__name__
