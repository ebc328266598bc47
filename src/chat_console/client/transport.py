"""The transport seam: what the supervisor needs from one Socket.IO connection, and which one.

Two server generations are real targets (see PROTOCOL.md, Transport): Socket.IO 3.x/4.x speaks
Engine.IO 4, which python-socketio 5 handles; Socket.IO 2.x speaks Engine.IO 3, which only our
adapter in `client/eio3` does. Everything above this module (supervisor, outbox, TUI) sees a
`Transport` and, for display, its `Generation`; nothing else differs.
"""

import asyncio
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

EventSink = Callable[[str, tuple[Any, ...]], None]


class Generation(StrEnum):
    """A Socket.IO server generation; the values are those of `[server] protocol`."""

    V4 = "v4"  # Socket.IO 3.x/4.x (Engine.IO 4)
    V2 = "v2"  # Socket.IO 2.x (Engine.IO 3)

    @classmethod
    def of_engineio(cls, version: int) -> "Generation":
        """The generation a server is, from the Engine.IO version its handshake reveals."""
        return cls.V2 if version == 3 else cls.V4

    @property
    def label(self) -> str:
        if self is Generation.V4:
            return "Socket.IO 3.x/4.x (Engine.IO 4)"
        return "Socket.IO 2.x (Engine.IO 3)"


class Transport(Protocol):
    """One connection, from open to loss. It never reconnects: the supervisor does.

    Inbound events reach the `on_event` sink given at construction, in arrival order. `lost`
    resolves (with a reason fit to show) when the connection ends, whoever ended it; pending
    `call()`s then fail at once with NotConnected.
    """

    generation: Generation
    lost: asyncio.Future[str]

    @property
    def connected(self) -> bool: ...

    @property
    def engineio_transport(self) -> str | None:
        """The Engine.IO transport in use ("websocket" or "polling"); None when not connected."""

    async def open(self) -> None:
        """Connect; raise NotConnected with a reason fit to show on failure."""

    async def emit(self, event: str, args: tuple[Any, ...]) -> None:
        """Send an event without an ack; raise NotConnected if not connected."""

    async def call(self, event: str, args: tuple[Any, ...], within: float) -> tuple[Any, ...]:
        """Send an event and return its ack's arguments; AckTimeout after `within` seconds."""

    async def request(
        self, event: str, args: tuple[Any, ...], within: float
    ) -> asyncio.Future[tuple[Any, ...]]:
        """Send an event now and return its ack's arguments to come (they fail with AckTimeout
        after `within` seconds, NotConnected on loss): many may be pending at once."""

    async def emit_answered(
        self, event: str, args: tuple[Any, ...], on_answer: Callable[..., None]
    ) -> None:
        """Send an event with an ack; `on_answer` gets the ack's arguments if it comes, and is
        forgotten on a drop. No timer and no future: for what nothing waits on (receipts)."""

    async def close(self, reason: str = ...) -> None:
        """End the connection (idempotent); `lost` gets `reason` unless it already has one."""
