"""The two `Transport`s: one Socket.IO connection, from connect to loss, for either generation.

`SocketIOConnection` runs python-socketio's AsyncClient (Engine.IO 4 servers);
`SocketIO2Connection` runs our `SocketIO2Client` (Engine.IO 3, Socket.IO 2.x servers), which has
the same surface. Everything else is shared: neither reconnects (the supervisor in `supervisor.py`
owns that) nor knows the protocol's meaning; each hands every inbound event to `on_event` in
arrival order, turns acks into awaited results with a timeout, and fails pending acks at once when
the connection drops (python-socketio would silently forget them).
"""

import asyncio
import ssl as ssl_module
from collections.abc import Callable
from typing import Any

import aiohttp
import socketio
import socketio.exceptions

from chat_console.client.errors import AckTimeout, NotConnected, fit_to_show
from chat_console.client.proxy import ENVIRONMENT, Proxies, ProxyError, TunnellingConnector
from chat_console.client.transport import EventSink, Generation


class Connection:
    """What both generations share; a subclass makes the client and connects it."""

    generation: Generation

    def __init__(
        self,
        *,
        url: str,
        socketio_path: str,
        ssl: ssl_module.SSLContext | bool,
        on_event: EventSink,
        connect_timeout: float = 10.0,
        proxies: Proxies = ENVIRONMENT,
        engineio_transports: list[str] | None = None,
    ) -> None:
        try:
            proxy = proxies.for_url(url)
        except ProxyError as error:
            raise NotConnected(str(error)) from None
        # We own the HTTP session (engineio leaves one it was given alone) so that it is closed
        # even when connecting fails, and so that a custom CA (an SSLContext) can be used at all.
        # Its default proxy carries every request of the link through the proxy: the polling
        # requests, and the websocket (in a CONNECT tunnel, whether ws or wss).
        connector = TunnellingConnector(ssl=ssl if isinstance(ssl, ssl_module.SSLContext) else True)
        self._http = aiohttp.ClientSession(connector=connector, proxy=proxy)
        self._ssl = ssl
        self._sio = self._make_client()
        self._url = url
        self._path = socketio_path
        self._connect_timeout = connect_timeout
        self._engineio_transports = engineio_transports  # None: polling, upgraded when offered
        self._on_event = on_event
        self._pending: set[asyncio.Future[tuple[Any, ...]]] = set()
        self.lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        # Synchronous handlers run without yielding, so events reach on_event in arrival order.
        self._sio.on("*", self._on_any)
        self._sio.on("disconnect", self._on_disconnect)

    @property
    def connected(self) -> bool:
        return self._sio.connected and not self.lost.done()

    @property
    def engineio_transport(self) -> str | None:
        """ "websocket" or "polling" while connected (after any upgrade), else None."""
        return str(self._sio.transport()) if self.connected and self._sio.transport() else None

    async def open(self) -> None:
        """Connect the transport and the default namespace; raise NotConnected on failure."""
        try:
            await asyncio.wait_for(self._connect(), self._connect_timeout + 1)
        except (socketio.exceptions.ConnectionError, ValueError, TimeoutError) as error:
            self._mark_lost("connect failed")
            raise NotConnected(_connect_failure(error)) from None

    async def emit(self, event: str, args: tuple[Any, ...]) -> None:
        """Fire and forget (the protocol's events without an ack)."""
        if not self.connected:
            raise NotConnected("not connected")
        try:
            await self._sio.emit(event, args)
        except socketio.exceptions.SocketIOError:
            raise NotConnected("not connected") from None

    async def call(self, event: str, args: tuple[Any, ...], within: float) -> tuple[Any, ...]:
        """Emit with an ack and return the ack's arguments."""
        return await (await self.request(event, args, within))

    async def request(
        self, event: str, args: tuple[Any, ...], within: float
    ) -> asyncio.Future[tuple[Any, ...]]:
        """Emit with an ack now; return the ack's arguments to come, which fail with AckTimeout
        after `within` seconds or NotConnected when the link drops. Emits leave in call order,
        so a caller may have many answers pending (the outbox pipelines its messages)."""
        if not self.connected:
            raise NotConnected("not connected")
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[Any, ...]] = loop.create_future()

        def acknowledge(*ack: Any) -> None:
            if not answer.done():
                answer.set_result(ack)

        def too_late() -> None:
            if not answer.done():
                answer.set_exception(AckTimeout(f"no answer from the server within {within:g} s"))

        self._pending.add(answer)
        answer.add_done_callback(self._pending.discard)
        timer = loop.call_later(within, too_late)
        answer.add_done_callback(lambda _: timer.cancel())
        try:
            await self._sio.emit(event, args, callback=acknowledge)
        except socketio.exceptions.SocketIOError:
            answer.cancel()
            raise NotConnected("not connected") from None
        except BaseException:  # cancelled while emitting: nobody will wait for this answer
            answer.cancel()
            raise
        return answer

    async def emit_answered(
        self, event: str, args: tuple[Any, ...], on_answer: Callable[..., None]
    ) -> None:
        """Emit with an ack that nothing awaits: `on_answer` gets the ack's arguments if it
        comes. One per message received (the receipts): a future and a timer each, as
        `request` makes, cost more than the emit (benchmarks/FINDINGS.md, Ingest)."""
        if not self.connected:
            raise NotConnected("not connected")
        try:
            await self._sio.emit(event, args, callback=on_answer)
        except socketio.exceptions.SocketIOError:
            raise NotConnected("not connected") from None

    async def close(self, reason: str = "closed by the console") -> None:
        self._mark_lost(reason)
        try:
            if self._sio.connected:
                await self._sio.disconnect()
            else:
                await self._abandon_half_open()
        except (socketio.exceptions.SocketIOError, aiohttp.ClientError, OSError):
            pass  # the socket is being abandoned either way
        await self._http.close()

    def _make_client(self) -> Any:
        raise NotImplementedError

    async def _connect(self) -> None:
        raise NotImplementedError

    async def _abandon_half_open(self) -> None:
        """Release a transport that is open below Socket.IO (connect failed half-way)."""

    def _on_any(self, event: str, *args: Any) -> None:
        if not self.lost.done():
            self._on_event(event, args)

    def _on_disconnect(self, reason: Any = None) -> None:
        self._mark_lost(_loss_reason(reason))

    def _mark_lost(self, reason: str) -> None:
        if not self.lost.done():
            self.lost.set_result(reason)
        for answer in self._pending:
            if not answer.done():
                answer.set_exception(NotConnected("connection lost before the server answered"))


class SocketIOConnection(Connection):
    """Socket.IO 3.x/4.x servers, through python-socketio 5."""

    generation = Generation.V4

    def _make_client(self) -> Any:
        return socketio.AsyncClient(
            reconnection=False,
            handle_sigint=False,
            http_session=self._http,
            ssl_verify=self._ssl is not False,
        )

    async def _connect(self) -> None:
        await self._sio.connect(
            self._url,
            socketio_path=self._path,
            wait_timeout=self._connect_timeout,
            transports=self._engineio_transports,
        )

    async def _abandon_half_open(self) -> None:
        # Engine.IO may be open although the namespace connect failed.
        if self._sio.eio.state != "disconnected":
            await self._sio.eio.disconnect()


class SocketIO2Connection(Connection):
    """Socket.IO 2.x servers, through the Engine.IO 3 adapter (which cleans up a failed connect)."""

    generation = Generation.V2

    def _make_client(self) -> Any:
        # Here, not at the top: only a console of a 2.x server pays for the adapter's code.
        from chat_console.client.eio3.client import SocketIO2Client

        return SocketIO2Client(http_session=self._http)

    async def _connect(self) -> None:
        await self._sio.connect(
            self._url,
            socketio_path=self._path,
            wait_timeout=self._connect_timeout,
            ssl=self._ssl,
            transports=self._engineio_transports,
        )


def _loss_reason(reason: Any) -> str:
    reasons = socketio.AsyncClient.reason
    if reason == reasons.SERVER_DISCONNECT:
        return "the server closed the connection"
    if reason == reasons.TRANSPORT_ERROR:
        return "the connection broke"
    if reason == reasons.CLIENT_DISCONNECT:
        return "closed by the console"
    return "connection lost"


def _connect_failure(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "the server did not answer the connection"
    detail = fit_to_show(error.args[0] if error.args else type(error).__name__, 160)
    if "OPEN packet not returned" in detail:
        # A Socket.IO 2.x (Engine.IO v3) server: python-socketio 5 speaks only Engine.IO v4.
        return 'the server speaks Socket.IO 2.x: set [server] protocol = "auto" or "v2"'
    return f"cannot connect: {detail}"
