"""The operator's connection to the chat server. No Textual here.

`OperatorClient` owns the Socket.IO connection (connect, authenticate, subscribe, reconnect) and
turns operator actions into acked emits; everything the server says reaches one listener as a typed
event. `client_from_settings` builds one from the config.
"""

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
    ConnectionChanged,
    ConnectionState,
    EventDropped,
    Listener,
)
from chat_console.client.factory import client_from_settings
from chat_console.client.operator import OperatorClient
from chat_console.client.tokens import CommandToken, OAuthTokens, StaticToken, TokenProvider

__all__ = [
    "AckTimeout",
    "AuthenticationFailed",
    "Backoff",
    "ClientError",
    "ClientEvent",
    "CommandToken",
    "ConnectionChanged",
    "ConnectionState",
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
