"""The console as the benchmarks run it: the real app, client and store, with a FrameDriver."""

import asyncio
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import socketio

from benchmarks.frames import FrameDriver, FrameWatch, watch_frames
from chat_console.client import OAuthTokens, OperatorClient
from chat_console.protocol import EmitEvent, ListenEvent, User, emits
from chat_console.simulate.http_client import password_grant
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig

OP1 = User(user_id="op-1", full_nm="Olivia Operator")
SIZE = (120, 40)
WAIT = 30.0


async def until(
    condition: Callable[[], object], within: float = WAIT, every: float = 0.005
) -> None:
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - state owned by another task
            await asyncio.sleep(every)


@asynccontextmanager
async def running_console(url: str) -> AsyncIterator[tuple[ConsoleApp, FrameWatch]]:
    """The console online as op1 against `url`, drawing real frames into nowhere. Its store is a
    file, as an operator's is: commits cost what they cost on this disk."""
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder:
        store = Store(Path(folder) / "console.sqlite3", operator_id=OP1.user_id)
        config = ConsoleConfig(user=OP1, server_host=url.removeprefix("http://"))
        app = ConsoleApp(
            config,
            store=store,
            client_factory=lambda listener: OperatorClient(
                url=url,
                user=OP1,
                tokens=OAuthTokens(
                    f"{url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"
                ),
                listener=listener,
            ),
        )
        app.driver_class = FrameDriver
        watch = watch_frames(app)
        try:
            async with app.run_test(headless=False, size=SIZE):
                await until(lambda: app.main.connection[0] == "online")
                yield app, watch
                await app.action_quit()  # stops the client before the store closes
        finally:
            store.close()


class BareOperator:
    """A python-socketio AsyncClient that logs in as op1 and counts `messageUpdated`; with
    `receipts`, it also confirms each one as the protocol asks (`updateMessageStatus`, status 2,
    with an ack), as the console does: the fair peer for the console's CPU per message."""

    def __init__(self, *, receipts: bool = False) -> None:
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.received = 0
        self.confirmed = 0  # receipts the server acked
        self.last_at = 0.0
        self._authenticated = asyncio.Event()
        handler = self._count_and_confirm if receipts else self._count
        self.sio.on(ListenEvent.MESSAGE_UPDATED, handler)
        self.sio.on(ListenEvent.AUTHENTICATED, self._on_authenticated)

    def _count(self, *args: Any) -> None:
        self.received += 1
        self.last_at = time.perf_counter()

    async def _count_and_confirm(self, message: dict[str, Any], *args: Any) -> None:
        self._count()
        receipt = (message["messageId"], 2, message["recipientId"], message["senderId"], True)
        await self.sio.emit(EmitEvent.UPDATE_MESSAGE_STATUS, receipt, callback=self._acked)

    def _acked(self, *args: Any) -> None:
        self.confirmed += 1

    def _on_authenticated(self, *args: Any) -> None:
        self._authenticated.set()

    async def login(self, url: str) -> None:
        token = await password_grant(url, "op1", "op1pass")
        await self.sio.connect(url, transports=["websocket"])
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        await asyncio.wait_for(self._authenticated.wait(), WAIT)
        await self.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(OP1))
        await self.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
        # An acked no-op: once answered, the subscriptions above are in effect.
        await self.sio.call(
            EmitEvent.UPDATE_MESSAGE_STATUS, ("none", 2, "", "", True), timeout=WAIT
        )

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()
