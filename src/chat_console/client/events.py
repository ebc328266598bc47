"""What the client hands its listener besides the server's own events."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from chat_console.client.transport import Generation
from chat_console.protocol.inbound import ServerEvent


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    ONLINE = "online"
    RECONNECTING = "reconnecting"  # waiting `retry_in` seconds before the next attempt
    OFFLINE = "offline"  # stopped, or credentials rejected: nothing happens until retry_now()


@dataclass(frozen=True, slots=True)
class ConnectionStateChanged:
    state: ConnectionState
    reason: str | None = None
    retry_in: float | None = None  # seconds, when RECONNECTING
    protocol: Generation | None = None  # the server generation, once known


@dataclass(frozen=True, slots=True)
class EventDropped:
    """An inbound event that did not decode; `reason` names what was wrong, never the payload."""

    event: str
    reason: str


ClientEvent = ServerEvent | ConnectionStateChanged | EventDropped
Listener = Callable[[ClientEvent], None]
