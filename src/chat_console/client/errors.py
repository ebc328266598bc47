"""What the client raises. Every message is safe to show the operator: no tokens, no payloads."""

from typing import Any

from chat_console.protocol.limits import RATE_LIMITED
from chat_console.redaction import redact
from chat_console.store.safe_text import one_line

_MAX_SHOWN = 300


class ClientError(Exception):
    """An action failed; `str(error)` is the server's words (or ours), fit to show."""


class TemporarilyRefused(ClientError):
    """The server refused for now, not on the merits (a rate limit): the same action later may
    succeed, so the outbox waits and sends it again instead of failing it."""


# How the server says "not now" (events a second, bytes a minute): any refusal starting so.
TEMPORARY_REFUSALS = (RATE_LIMITED,)


def refusal(words: str) -> ClientError:
    """The error for a refusal in the server's words: temporary or final."""
    if words.lower().startswith(TEMPORARY_REFUSALS):
        return TemporarilyRefused(words)
    return ClientError(words)


class AckTimeout(ClientError):
    """The server did not acknowledge in time; the action may or may not have happened."""


class NotConnected(ClientError):
    """The client is not online (or the connection dropped before the server answered)."""


class AuthenticationFailed(ClientError):
    """The credentials were rejected: the client goes OFFLINE with this reason until retried."""


class TokenUnavailable(ClientError):
    """A token could not be had for a passing reason (network, server error): worth retrying."""


def fit_to_show(value: Any, limit: int = _MAX_SHOWN) -> str:
    """Peer-supplied text made fit for a log line or a status bar: on one line, with the same
    visible stand-ins as everything else a server sends (control, bidi and width-disagreeing
    characters), short, and no secret (a server that echoes our token back must not get it
    shown or logged)."""
    text = one_line(redact(str(value)))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_ack_error(err: Any) -> str:
    """The server's words from an ack's `err` (a string, or an object with a message)."""
    if isinstance(err, dict):
        for key in ("message", "error", "reason"):
            if isinstance(err.get(key), str) and err[key]:
                return fit_to_show(err[key])
    return fit_to_show(err)


def is_error(err: Any) -> bool:
    """Acks mean success with `err` absent, None, '' or false; anything else is an error."""
    return not (err is None or err is False or err == "")
