"""Server log lines stay one line each, whatever a peer names things.

Ids, event names and reasons in the server's log come from peers. A newline in a `ticketId` would
start a line of the peer's making (`... created by cu-1\\nINFO ... op-1 authenticated`), and ESC,
C1 or bidi controls would rewrite what a terminal shows. A filter on the server's logger escapes
such characters in every argument of every record (`\\n`, `\\x1b`, `\\u202e`) before any handler
formats it; the server's own format strings are left as written.
"""

import logging
import re
from typing import Any

LOGGER_NAME = "chat_console.server"
# The libraries under the server log peer data of their own (session ids, event names, requests).
_LIBRARY_LOGGERS = ("engineio.server", "socketio.server", "aiohttp.server", "aiohttp.web")
# C0 and DEL, C1, lone surrogates, line/paragraph separators, bidi embeddings and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escaped(text: str) -> str:
    """`text` with every character that could break or disguise a log line escaped."""
    return _UNSAFE.sub(_escape_char, text)


def _safe(value: Any) -> Any:
    if value is None or isinstance(value, int | float):
        return value  # keeps %d and %.1f working
    return escaped(value if isinstance(value, str) else str(value))


class EscapingFilter(logging.Filter):
    """Escapes the string arguments of each record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_safe(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _safe(value) for key, value in record.args.items()}
        return True


def install() -> None:
    """Put the filter on the server's logger and its libraries' (a logger's filter sees only the
    records logged on it, not its children's), once each."""
    for name in (LOGGER_NAME, *_LIBRARY_LOGGERS):
        logger = logging.getLogger(name)
        if not any(isinstance(f, EscapingFilter) for f in logger.filters):
            logger.addFilter(EscapingFilter())
