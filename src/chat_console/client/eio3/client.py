"""`SocketIO2Client`: one Engine.IO v3 link carrying Socket.IO revision 4 packets.

The link opens with a long-polling handshake and upgrades to a websocket when the server offers
one (probe `2probe`, answer `3probe`, then `5`), or stays on polling when it does not (a server
started with `transports: ['polling']`, or a load balancer that refuses websockets); allowed only
websocket, it opens a websocket directly. In v3 the CLIENT pings: it sends `2` every
pingInterval and treats the link as dead if no `3` arrives within pingTimeout (the server, for
its part, drops a client that has not pinged for pingInterval + pingTimeout). The default
namespace `/` is joined implicitly: the server sends `40` on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
from socketio import exceptions

from chat_console.client.eio3.codec import (
    EIO_CLOSE,
    EIO_MESSAGE,
    EIO_NOOP,
    EIO_OPEN,
    EIO_PING,
    EIO_PONG,
    EIO_UPGRADE,
    SIO_ACK,
    SIO_CONNECT,
    SIO_DISCONNECT,
    SIO_ERROR,
    SIO_EVENT,
    EnginePacket,
    decode_payload,
    decode_socket_packet,
    encode_socket_packet,
    polling_url,
    websocket_url,
)
from chat_console.client.eio3.links import (
    Link,
    LinkClosed,
    PollingLink,
    SSLOption,
    WebSocketLink,
    connect_failure,
    dial_websocket,
    http_exchange,
)
from chat_console.client.proxy import ProxyError, TunnellingConnector, proxy_for

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]
TRANSPORTS = ("polling", "websocket")  # Engine.IO's names, as python-socketio takes them

# Same strings as python-engineio's `Client.reason`, so disconnect handlers read alike.
CLIENT_DISCONNECT = "client disconnect"
SERVER_DISCONNECT = "server disconnect"
TRANSPORT_ERROR = "transport error"

# Events whose handlers receive framework arguments rather than a server's event.
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect"})

# How long the websocket upgrade may take before the link stays on polling: a balancer that
# swallows websockets silently must not cost the whole connect.
UPGRADE_TIMEOUT_SECONDS = 3.0


def _as_args(data: Any) -> list[Any]:
    """python-socketio's rule: a tuple is several arguments, None is none, anything else is one."""
    if isinstance(data, tuple):
        return list(data)
    return [] if data is None else [data]


def _accepts_one_argument(handler: Handler) -> bool:
    try:
        inspect.signature(handler).bind(None)
    except TypeError:
        return False
    except ValueError:  # builtins without a signature: assume the modern form
        return True
    return True


class SocketIO2Client:
    """Socket.IO client for 2.x servers (Engine.IO v3), default namespace only.

    Use it like python-socketio's `AsyncClient`: register handlers with `on()`, `await connect()`,
    `emit()` (with an ack `callback`), `await disconnect()`. Handlers may be plain functions or
    coroutines; each server event runs in its own task (so a handler may itself await), started in
    arrival order. The `disconnect` handler receives the reason (`client disconnect`,
    `server disconnect` or `transport error`) if it accepts an argument.
    """

    def __init__(self, *, http_session: aiohttp.ClientSession | None = None) -> None:
        self.connected = False
        self.sid: str | None = None
        self.ping_interval = 0.0
        self.ping_timeout = 0.0
        self.pongs = 0  # heartbeats answered on the current link: a liveness figure for diagnostics
        self._handlers: dict[str, Handler] = {}
        self._given_session = http_session
        self._session: aiohttp.ClientSession | None = None
        self._link: Link | None = None
        self._backlog: list[EnginePacket] = []  # what came with the handshake, not yet handled
        self._ack_ids = itertools.count(1)
        self._callbacks: dict[int, Handler] = {}
        self._pong = asyncio.Event()
        self._closed = asyncio.Event()
        self._closed.set()
        self._reader: asyncio.Task[None] | None = None
        self._pinger: asyncio.Task[None] | None = None
        self._handler_tasks: set[asyncio.Task[Any]] = set()
        self._dropping = False

    # -- the AsyncClient surface -------------------------------------------------------------

    def transport(self) -> str | None:
        """The Engine.IO transport in use ("websocket" or "polling"), None when not connected."""
        return self._link.name if self._link is not None and self.connected else None

    def on(self, event: str, handler: Handler | None = None, namespace: str | None = None) -> Any:
        """Register `handler` for `event` (`"*"` catches every server event); or decorate."""
        self._check_namespace(namespace)

        def register(function: Handler) -> Handler:
            self._handlers[event] = function
            return function

        return register if handler is None else register(handler)

    async def connect(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        auth: Any = None,
        *,
        transports: list[str] | None = None,
        namespaces: list[str] | None = None,
        socketio_path: str = "socket.io",
        wait_timeout: float = 5.0,
        ssl: SSLOption = True,
    ) -> None:
        """Open the link and wait for the server's CONNECT to `/`; raise ConnectionError if not.

        The first three parameters keep python-socketio's positions; `wait_timeout` bounds the
        whole opening (TCP, TLS, websocket upgrade, Engine.IO open and the server's CONNECT).
        """
        if self.connected or not self._closed.is_set():
            raise exceptions.ConnectionError("Already connected")
        if auth is not None:
            raise ValueError(
                "Socket.IO 2.x has no CONNECT auth field: authenticate with an emit instead"
            )
        allowed = list(TRANSPORTS) if transports is None else transports
        if not allowed or not set(allowed) <= set(TRANSPORTS):
            raise ValueError('transports must be "websocket" and/or "polling"')
        if namespaces not in (None, ["/"]):
            raise ValueError("the Engine.IO v3 adapter serves the default namespace only")
        self._session = self._given_session or _own_session(url)
        try:
            opening = self._open(url, socketio_path, headers, ssl, allowed)
            await asyncio.wait_for(opening, wait_timeout)
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as error:
            await self._release_transport()
            self.sid = None
            raise exceptions.ConnectionError(connect_failure(error)) from None
        except BaseException:
            await self._release_transport()
            self.sid = None
            raise
        self._closed.clear()
        self.pongs = 0
        self.connected = True
        self._reader = asyncio.create_task(self._read_loop(), name="eio3-reader")
        self._pinger = asyncio.create_task(self._ping_loop(), name="eio3-pinger")
        await self._trigger("connect")

    async def emit(
        self,
        event: str,
        data: Any = None,
        namespace: str | None = None,
        callback: Handler | None = None,
    ) -> None:
        """Send an event; a tuple `data` is several arguments; `callback` gets the ack's args."""
        self._check_namespace(namespace)
        if not self.connected:
            raise exceptions.BadNamespaceError("/ is not a connected namespace.")
        ack_id = None
        if callback is not None:
            ack_id = next(self._ack_ids)
            self._callbacks[ack_id] = callback
        logger.debug("emitting %s", event)  # never the data: it may hold a token
        try:
            await self._send_socket_packet(SIO_EVENT, [event, *_as_args(data)], ack_id)
        except BaseException:
            if ack_id is not None:
                self._callbacks.pop(ack_id, None)
            raise

    async def disconnect(self) -> None:
        """Leave `/` and close the link; the `disconnect` handler runs with `client disconnect`."""
        if self.connected and self._link is not None:
            # Best effort: the link is closed next whether or not the goodbye gets out.
            with contextlib.suppress(exceptions.SocketIOError, aiohttp.ClientError, OSError):
                await self._send_socket_packet(SIO_DISCONNECT)
        await self._drop(CLIENT_DISCONNECT)

    # -- Engine.IO v3 ------------------------------------------------------------------------

    async def _open(
        self,
        url: str,
        socketio_path: str,
        headers: Mapping[str, str] | None,
        ssl: SSLOption,
        allowed: list[str],
    ) -> None:
        """Engine.IO open (and upgrade), then wait for the server's CONNECT to `/`."""
        assert self._session is not None
        if "polling" in allowed:
            upgrades = await self._open_polling(url, socketio_path, headers, ssl)
            if "websocket" in allowed and "websocket" in upgrades:
                await self._upgrade(url, socketio_path, headers, ssl)
        else:
            target = websocket_url(url, socketio_path)
            self._link = WebSocketLink(await dial_websocket(self._session, target, headers, ssl))
            self._read_open(await self._next_handshake_packet())
        await self._await_namespace()
        logger.info("Engine.IO v3 link open over %s", self._link.name if self._link else "?")

    async def _open_polling(
        self, url: str, socketio_path: str, headers: Mapping[str, str] | None, ssl: SSLOption
    ) -> list[str]:
        """The polling handshake: a GET without sid answers the open packet; the upgrades."""
        assert self._session is not None
        status, body = await http_exchange(
            self._session, "GET", polling_url(url, socketio_path), headers, ssl
        )
        if status != 200:
            raise ValueError(
                f"polling handshake refused (HTTP {status}); "
                "the server may not speak Engine.IO v3 (Socket.IO 2.x)"
            )
        packets = decode_payload(body)
        first = packets.pop(0) if packets else ""
        upgrades = self._read_open(first if isinstance(first, str) else "")
        assert self.sid is not None
        session_url = polling_url(url, socketio_path, self.sid)
        self._link = PollingLink(self._session, session_url, headers, ssl)
        self._backlog = packets  # socket.io 2.x may send its `40` in the same response
        return upgrades

    async def _upgrade(
        self, url: str, socketio_path: str, headers: Mapping[str, str] | None, ssl: SSLOption
    ) -> None:
        """Move the session to a websocket; on any failure stay on polling, which works.

        No GET is outstanding meanwhile (the read loop has not started), so nothing the server
        sends can be lost: it flushes what it holds onto the websocket after our `5`.
        """
        assert self._session is not None and self.sid is not None
        polling = self._link
        target = websocket_url(url, socketio_path, self.sid)
        candidate: WebSocketLink | None = None
        try:
            async with asyncio.timeout(UPGRADE_TIMEOUT_SECONDS):
                candidate = WebSocketLink(await dial_websocket(self._session, target, headers, ssl))
                await candidate.send([EIO_PING + "probe"])
                if await candidate.receive() != [EIO_PONG + "probe"]:
                    raise LinkClosed("the server did not answer the upgrade probe")
                await candidate.send([EIO_UPGRADE])
        except (LinkClosed, aiohttp.ClientError, OSError, TimeoutError) as error:
            logger.info(
                "staying on long-polling: websocket upgrade failed (%s)", _short(str(error))
            )
            if candidate is not None:
                await candidate.close()
            return
        if isinstance(polling, PollingLink):
            polling.abandon()
        self._link = candidate

    def _read_open(self, opening: str) -> list[str]:
        """Take sid and heartbeat from the open packet; return the upgrades it offers."""
        if not opening.startswith(EIO_OPEN):
            raise ValueError("OPEN packet not returned by server")
        try:
            params = json.loads(opening[1:])
            self.sid = str(params["sid"])
            self.ping_interval = float(params["pingInterval"]) / 1000
            self.ping_timeout = float(params["pingTimeout"]) / 1000
            upgrades = params.get("upgrades") or []
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ValueError("malformed Engine.IO OPEN packet") from None
        if self.ping_interval <= 0 or self.ping_timeout <= 0 or not isinstance(upgrades, list):
            raise ValueError("malformed Engine.IO OPEN packet")
        return [str(name) for name in upgrades]

    async def _await_namespace(self) -> None:
        """Wait for the server's CONNECT to the default namespace (or its refusal)."""
        while True:
            text = await self._next_handshake_packet()
            if text.startswith(EIO_CLOSE):
                raise ValueError("server closed the link during the handshake")
            if not text.startswith(EIO_MESSAGE):
                continue  # noop, or a pong we never asked for
            packet = decode_socket_packet(text[1:])
            if packet.namespace != "/":
                continue
            if packet.type == SIO_CONNECT:
                return
            if packet.type == SIO_ERROR:
                raise ValueError(f"server refused the connection: {_short(packet.data)}")

    async def _next_handshake_packet(self) -> str:
        assert self._link is not None
        while True:
            while self._backlog:
                packet = self._backlog.pop(0)
                if isinstance(packet, str):
                    return packet
            try:
                self._backlog = await self._link.receive()
            except LinkClosed:
                raise ValueError(
                    "the link closed before the Socket.IO handshake finished"
                ) from None

    async def _read_loop(self) -> None:
        reason = SERVER_DISCONNECT
        try:
            assert self._link is not None
            pending, self._backlog = self._backlog, []
            ended = await self._on_engine_packets(pending)
            while not ended:
                ended = await self._on_engine_packets(await self._link.receive())
        except asyncio.CancelledError:
            raise
        except (LinkClosed, aiohttp.ClientError, OSError) as error:
            logger.info(
                "the Engine.IO v3 link ended: %s", _short(str(error) or type(error).__name__)
            )
            reason = TRANSPORT_ERROR  # it ended without a close packet
        except Exception:
            logger.exception("Engine.IO v3 read loop failed")
            reason = TRANSPORT_ERROR
        self._reader = None  # we are ending: _drop must not cancel us
        await self._drop(reason)

    async def _on_engine_packets(self, packets: list[EnginePacket]) -> bool:
        """Handle packets in order; True means the server ended the session."""
        for packet in packets:
            if isinstance(packet, bytes):
                logger.debug("ignored a binary Engine.IO packet")  # no binary events here
            elif await self._on_engine_packet(packet):
                return True
        return False

    async def _on_engine_packet(self, text: str) -> bool:
        """Handle one Engine.IO packet; True means the server ended the session."""
        kind, payload = text[:1], text[1:]
        if kind == EIO_PONG:
            self.pongs += 1
            self._pong.set()
        elif kind == EIO_PING:  # not sent by v3 servers, but answering costs nothing
            await self._send_engine_packet(EIO_PONG + payload)
        elif kind == EIO_MESSAGE:
            return await self._on_socket_packet(payload)
        elif kind == EIO_CLOSE:
            return True
        elif kind != EIO_NOOP:
            logger.warning("ignored an unknown Engine.IO packet type")
        return False

    async def _ping_loop(self) -> None:
        """The v3 heartbeat is ours to drive: ping, then insist on a pong within pingTimeout."""
        while self.connected:
            await asyncio.sleep(self.ping_interval)
            self._pong.clear()
            try:
                # The send counts too: a frozen server may hold a polling POST forever.
                await asyncio.wait_for(self._ping_once(), self.ping_timeout)
            except (TimeoutError, exceptions.SocketIOError, aiohttp.ClientError, OSError):
                logger.warning("no pong within %.1f s: the link is dead", self.ping_timeout)
                self._pinger = None  # we are ending: _drop must not cancel us
                await self._drop(TRANSPORT_ERROR)
                return

    async def _ping_once(self) -> None:
        await self._send_engine_packet(EIO_PING)
        await self._pong.wait()

    async def _send_engine_packet(self, text: str) -> None:
        """Send one packet; a link that is gone or breaks is not connected, as python-socketio
        says of a namespace it no longer has."""
        if self._link is None:
            raise exceptions.BadNamespaceError("/ is not a connected namespace.")
        try:
            await self._link.send([text])
        except (LinkClosed, aiohttp.ClientError, OSError):
            raise exceptions.BadNamespaceError("/ is not a connected namespace.") from None

    # -- Socket.IO revision 4 ----------------------------------------------------------------

    async def _send_socket_packet(
        self, packet_type: int, data: Any = None, ack_id: int | None = None
    ) -> None:
        await self._send_engine_packet(
            EIO_MESSAGE + encode_socket_packet(packet_type, data, ack_id)
        )

    async def _on_socket_packet(self, text: str) -> bool:
        """Handle one Socket.IO packet; True means the server disconnected us from `/`."""
        try:
            packet = decode_socket_packet(text)
        except ValueError as error:
            logger.warning("dropped an unreadable socket.io packet: %s", error)
            return False
        if packet.namespace != "/":
            return False
        if packet.type == SIO_EVENT:
            event, args = packet.data[0], packet.data[1:]
            self._spawn(self._dispatch_event(event, args, packet.ack_id, self._link))
        elif packet.type == SIO_ACK and packet.ack_id is not None:
            self._resolve_ack(packet.ack_id, tuple(packet.data))
        elif packet.type == SIO_DISCONNECT:
            return True
        elif packet.type == SIO_ERROR:
            self._spawn(self._trigger("connect_error", packet.data))
        return False

    def _resolve_ack(self, ack_id: int, args: tuple[Any, ...]) -> None:
        callback = self._callbacks.pop(ack_id, None)
        if callback is None:
            logger.debug("ignored an ack nobody waits for")
            return
        self._spawn(self._run_handler(callback, args))

    async def _dispatch_event(
        self,
        event: str,
        args: list[Any],
        ack_id: int | None,
        link: Link | None,
    ) -> None:
        handler = self._handlers.get(event)
        call_args: tuple[Any, ...] = tuple(args)
        if handler is None and event not in RESERVED_EVENTS:
            handler = self._handlers.get("*")
            call_args = (event, *args)
        if handler is None:
            return
        result = await self._run_handler(handler, call_args)
        # An ack id means nothing on any other link than the one that asked (we may have
        # reconnected while the handler ran).
        if ack_id is not None and self.connected and self._link is link:
            # As in python-socketio, the handler's return value is the ack's arguments.
            with contextlib.suppress(exceptions.SocketIOError, aiohttp.ClientError, OSError):
                await self._send_socket_packet(SIO_ACK, _as_args(result), ack_id)

    # -- handlers, tasks and teardown --------------------------------------------------------

    async def _trigger(self, event: str, *args: Any) -> None:
        handler = self._handlers.get(event)
        if handler is None:
            return
        if event == "disconnect" and not _accepts_one_argument(handler):
            args = ()
        await self._run_handler(handler, args)

    async def _run_handler(self, handler: Handler, args: tuple[Any, ...]) -> Any:
        try:
            result = handler(*args)
            if inspect.isawaitable(result):
                result = await result
            return result
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("a Socket.IO event handler failed")
            return None

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._handler_tasks.add(task)
        task.add_done_callback(self._handler_tasks.discard)

    async def _drop(self, reason: str) -> None:
        """Tear the link down once, fail what waits on it, then tell the `disconnect` handler."""
        if self._closed.is_set():
            return
        if self._dropping:  # another task is tearing down: let it finish, then return
            await self._closed.wait()
            return
        self._dropping = True
        was_connected, self.connected = self.connected, False
        try:
            await self._teardown()
        finally:
            # Even if we were cancelled half-way, the link is over and a new one may start.
            self.sid = None
            self._dropping = False
            self._closed.set()
        # Outside the guard: the handler may well connect again (and that link may drop too).
        if was_connected:
            await self._trigger("disconnect", reason)

    async def _teardown(self) -> None:
        for task in (self._reader, self._pinger):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._reader = self._pinger = None
        self._callbacks.clear()  # like python-socketio: pending callbacks are never called
        await self._release_transport()

    async def _release_transport(self) -> None:
        link, self._link = self._link, None
        self._backlog = []
        if link is not None:
            await link.close()
        session, self._session = self._session, None
        if session is not None and session is not self._given_session:
            await session.close()

    def _check_namespace(self, namespace: str | None) -> None:
        if namespace not in (None, "/"):
            raise exceptions.BadNamespaceError(f"{namespace} is not a connected namespace.")


def _short(value: Any) -> str:
    """A server's words for an error message: bounded, printable, never markup-bearing raw JSON."""
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        value = value["message"]
    text = value if isinstance(value, str) else json.dumps(value)
    return "".join(ch if ch.isprintable() else "?" for ch in text[:200])


def _own_session(url: str) -> aiohttp.ClientSession:
    """The session of a client given none: through the environment's proxy, as the console's."""
    try:
        proxy = proxy_for(url)
    except ProxyError as error:
        raise exceptions.ConnectionError(str(error)) from None
    return aiohttp.ClientSession(connector=TunnellingConnector(), proxy=proxy)
