"""Helpers other test packages import: `from tests.helpers import fetch_token, Peer`."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import socketio

from chat_console.protocol import EmitEvent, ListenEvent, User, emits

if TYPE_CHECKING:  # Textual only where a test drives the console
    from textual.pilot import Pilot

    from chat_console.tui.app import ConsoleApp

WAIT = 5.0  # bound on every wait for a condition; never a fixed sleep


async def fetch_token(url: str, username: str, password: str) -> str:
    """An access token for a built-in (or file) account, by the password grant."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{url}/oauth/token",
            data={"grant_type": "password", "username": username, "password": password},
        ) as response,
    ):
        response.raise_for_status()
        body = await response.json()
    token = body["access_token"]
    assert isinstance(token, str)
    return token


async def whoami(url: str, token: str) -> str:
    """The userId a token belongs to (GET /api/me)."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"}) as response,
    ):
        response.raise_for_status()
        body = await response.json()
    return str(body["userId"])


class Peer:
    """A raw Socket.IO client that records every event it receives, for asserting on the wire.

    `await peer.next("ticketCreated")` waits (bounded) for the next such event and returns its
    positional arguments; `peer.seen("typing")` lists what arrived so far without waiting.
    """

    def __init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._cursor: dict[str, int] = {}
        self._arrived = asyncio.Condition()
        self.sio.on("*", self._record)

    async def _record(self, event: str, *args: Any) -> None:
        async with self._arrived:
            self.events.append((event, args))
            self._arrived.notify_all()

    def seen(self, event: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.events if name == event]

    async def next(self, event: str, within: float = WAIT) -> tuple[Any, ...]:
        """The next `event` not yet returned by `next`, waiting up to `within` seconds."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.seen(event)) > self._cursor.get(event, 0)),
                within,
            )
            index = self._cursor.get(event, 0)
            self._cursor[event] = index + 1
            return self.seen(event)[index]

    async def connect(self, url: str) -> None:
        await self.sio.connect(url, transports=["websocket"])

    async def login(self, url: str, username: str, password: str, *, operator: bool) -> str:
        """Connect, authenticate, subscribe (and subscribeOperator); returns the token."""
        token = await fetch_token(url, username, password)
        await self.connect(url)
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
        await self.next(ListenEvent.AUTHENTICATED)
        user_id = await whoami(url, token)
        await self.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(User(user_id=user_id)))
        if operator:
            await self.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
        await self.roundtrip()
        return token

    async def roundtrip(self) -> None:
        """An acked no-op. The server handles a socket's events in order and sends in order, so
        once this returns, every earlier emit was handled and every event it caused for this
        socket has arrived: the way to assert that something did NOT arrive, without sleeping."""
        await self.call(EmitEvent.UPDATE_MESSAGE_STATUS, "no-such-message", 2, "", "", True)

    async def call(self, event: str, *args: Any, within: float = WAIT) -> Any:
        """Emit with an ack and return the ack's first argument (None on success)."""
        return await self.sio.call(event, args, timeout=within)

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


Pause = Callable[[float], Awaitable[None]]


async def eventually(
    condition: Callable[[], object],
    within: float = WAIT,
    *,
    pause: Pause = asyncio.sleep,
    every: float = 0.01,
) -> None:
    """Wait (bounded) until `condition()` holds, for state that has no event to wait on (the
    server's, another process's, a console's reached through its own event loop).

    `pause` is what runs between looks: `asyncio.sleep`, or a Pilot's `pause` so that the app
    under test handles its messages and timers meanwhile."""
    async with asyncio.timeout(within):
        while not condition():
            await pause(every)


def console(pilot: "Pilot[Any]") -> "ConsoleApp":
    """The console a Pilot drives, with its type: `Pilot.app` is typed as a plain `App`."""
    from chat_console.tui.app import ConsoleApp

    app = pilot.app
    assert isinstance(app, ConsoleApp)
    return app
