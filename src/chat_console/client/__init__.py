"""The operator's connection to the chat server. No Textual here.

`OperatorClient` owns the Socket.IO connection (connect, authenticate, subscribe, reconnect) and
turns operator actions into acked emits; everything the server says reaches one listener as a typed
event. `client_from_settings` builds one from the config.
"""

import importlib
from typing import TYPE_CHECKING, Any

from chat_console.client.backoff import Backoff
from chat_console.client.errors import (
    AckTimeout,
    AuthenticationFailed,
    ClientError,
    NotConnected,
    TokenUnavailable,
)
from chat_console.client.events import (
    ClientEvent,
    ConnectionState,
    ConnectionStateChanged,
    EventDropped,
    Listener,
)

if TYPE_CHECKING:
    from chat_console.client.factory import client_from_settings
    from chat_console.client.operator import OperatorClient
    from chat_console.client.tokens import CommandToken, OAuthTokens, StaticToken, TokenProvider

# The connection's modules (Socket.IO, both transports, tokens, the settings glue) load when one
# of these is first used, not when `chat_console.client.events` is: the console draws its first
# frame before it builds a client.
_LAZY = {
    "client_from_settings": "chat_console.client.factory",
    "OperatorClient": "chat_console.client.operator",
    "CommandToken": "chat_console.client.tokens",
    "OAuthTokens": "chat_console.client.tokens",
    "StaticToken": "chat_console.client.tokens",
    "TokenProvider": "chat_console.client.tokens",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AckTimeout",
    "AuthenticationFailed",
    "Backoff",
    "ClientError",
    "ClientEvent",
    "CommandToken",
    "ConnectionState",
    "ConnectionStateChanged",
    "EventDropped",
    "Listener",
    "NotConnected",
    "OAuthTokens",
    "OperatorClient",
    "StaticToken",
    "TokenProvider",
    "TokenUnavailable",
    "client_from_settings",
]
