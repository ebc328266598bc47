"""The two server generations behind one face, so that one scenario runs against both.

`ReferenceBackend` is our python-socketio server (Socket.IO 5 / Engine.IO 4); `NodeV2Backend` is
the socket.io 2.5.1 server in tests/node_v2 (Engine.IO 3). Each can stop and start again on the
same port (a restart the console must ride out) and revoke the operator's tokens (a
re-authentication the console must ride out). Customers are raw Socket.IO peers: python-socketio
for the reference server, the Engine.IO v3 adapter for the 2.x server; both share one surface.
"""

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import socketio

from chat_console.client import OAuthTokens, TokenProvider
from chat_console.client.eio3.client import SocketIO2Client
from chat_console.client.transport import Generation
from chat_console.protocol import EmitEvent, ListenEvent, User, emits
from chat_console.server.runner import RunningServer, running_server
from tests.eio3.conftest import NodeServer, call, started_node_server
from tests.helpers import WAIT, fetch_token


class Customer:
    """A customer on a raw Socket.IO client (either generation) that records what arrives."""

    def __init__(self, sio: Any) -> None:
        self.sio = sio
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._arrived = asyncio.Event()
        sio.on("*", self._record)

    def _record(self, event: str, *args: Any) -> None:
        self.events.append((event, args))
        self._arrived.set()

    async def login(
        self, url: str, token: str, user_id: str, transports: tuple[str, ...] = ("websocket",)
    ) -> None:
        await self.sio.connect(url, transports=list(transports))
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        await self.next(ListenEvent.AUTHENTICATED)
        await self.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(User(user_id=user_id)))
        # Packets of one socket are handled in order: once this is answered, we are subscribed.
        await self.call(EmitEvent.UPDATE_MESSAGE_STATUS, ("no-such-message", 2, "", "", True))

    async def call(self, event: str, args: tuple[Any, ...]) -> Any:
        """Emit with an ack; the ack's first argument (None on success)."""
        return await call(self.sio, event, args, within=WAIT)

    async def emit(self, event: str, args: tuple[Any, ...]) -> None:
        await self.sio.emit(event, args)

    async def next(
        self, event: str, where: Callable[[tuple[Any, ...]], bool] = lambda _: True
    ) -> tuple[Any, ...]:
        """The first `event` received whose arguments satisfy `where`, waiting up to WAIT s."""
        async with asyncio.timeout(WAIT):
            while True:
                for name, args in self.events:
                    if name == event and where(args):
                        return args
                self._arrived.clear()
                await self._arrived.wait()

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


class Backend(Protocol):
    generation: Generation
    operator_name: str  # op-1's full name on this server (typing events carry it)

    @property
    def url(self) -> str: ...
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def operator_tokens(self) -> TokenProvider: ...
    async def customer(self) -> Customer: ...
    async def revoke_operator(self) -> None: ...


class _Restartable:
    """Start/stop an async context manager by hand, keeping the port across restarts."""

    port = 0

    def __init__(self) -> None:
        self._running: contextlib.AsyncExitStack | None = None

    async def _enter(self, manager: contextlib.AbstractAsyncContextManager[Any]) -> Any:
        self._running = contextlib.AsyncExitStack()
        return await self._running.enter_async_context(manager)

    async def stop(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            await running.aclose()


class ReferenceBackend(_Restartable):
    generation = Generation.V4
    operator_name = "Olivia Operator"

    def __init__(self) -> None:
        super().__init__()
        self.server: RunningServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.server = await self._enter(running_server(port=self.port))
        self.port = self.server.port

    def operator_tokens(self) -> TokenProvider:
        return OAuthTokens(
            f"{self.url}/oauth/token", "password", "console", username="op1", password="op1pass"
        )

    async def customer(self) -> Customer:
        peer = Customer(socketio.AsyncClient(reconnection=False))
        await peer.login(self.url, await fetch_token(self.url, "cu1", "cu1pass"), "cu-1")
        return peer

    async def revoke_operator(self) -> None:
        assert self.server is not None
        self.server.revoke_tokens("op-1")


class AdminTokens:
    """Tokens for op-1 from the 2.x server's `/admin/token`: a fresh one after each invalidate."""

    def __init__(self, backend: "NodeV2Backend") -> None:
        self._backend = backend
        self._token: str | None = None
        self.issued = 0

    async def get(self) -> str:
        if self._token is None:
            async with (
                aiohttp.ClientSession() as http,
                http.post(f"{self._backend.url}/admin/token", params={"user": "op-1"}) as answer,
            ):
                answer.raise_for_status()
                self._token = str((await answer.json())["accessToken"])
            self.issued += 1
        return self._token

    def invalidate(self) -> None:
        self._token = None


class NodeV2Backend(_Restartable):
    generation = Generation.V2
    operator_name = "Olga Operator"

    def __init__(self, node_v2_dir: Path, **settings: str) -> None:
        super().__init__()
        self._dir = node_v2_dir
        self._settings = settings  # the server's environment, e.g. TRANSPORTS="polling"
        self.node: NodeServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.node = await self._enter(
            started_node_server(self._dir, port=self.port, **self._settings)
        )
        self.port = self.node.port

    def operator_tokens(self) -> TokenProvider:
        return AdminTokens(self)

    async def customer(self) -> Customer:
        peer = Customer(SocketIO2Client())
        transports = tuple(self._settings.get("TRANSPORTS", "websocket").split(","))
        await peer.login(self.url, "cu1-token", "cu-1", transports)
        return peer

    async def revoke_operator(self) -> None:
        assert self.node is not None
        await self.node.admin("revoke", "op-1")
