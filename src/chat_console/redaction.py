"""Keep secrets out of every log: one filter on every handler, rewriting records before they are
written.

Two nets, because neither alone is enough. Patterns catch secrets by their shape wherever a library
logs them (an `Authorization:` header, a `Bearer` credential, `access_token=` in a query or form,
an `accessToken`/`password`/`client_secret` field in JSON or a dict repr). Known values catch
what has no telltale shape: the configured token, password and client secret, and every token the
console obtains, are remembered (`remember_secret`) and replaced wherever they appear, exception
texts included.
"""

import logging
import logging.handlers
import re
import threading
from pathlib import Path

MASK = "***"
# One record is cut to this: a record that quotes what a server sent must not carry all of it.
MAX_RECORD_CHARS = 2000
# The log file rotates at this size, keeping this many old ones: 40 MB at most, whatever happens.
LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUPS = 3
_MIN_SECRET_LEN = 6  # shorter values would blot out ordinary words, and are no secret anyway

_KEYS = (
    r"access_?token|refresh_?token|id_?token|accessToken|refreshToken|client_?secret|clientSecret"
    r"|password|passwd|secret|token|api_?key"
)
_PATTERNS = (
    # Authorization: Bearer abc / "Authorization": "Basic abc" / authorization=abc
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?(?:bearer\s+|basic\s+)?)[^\s'\",;}]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]+"),
    # access_token=abc&... in a query string or a form body
    re.compile(rf"(?i)(\b(?:{_KEYS})=)[^&\s'\",;]+"),
    # "accessToken": "abc" / 'password': 'abc' (JSON, a dict's repr)
    re.compile(rf"(?i)(['\"](?:{_KEYS})['\"]\s*:\s*['\"])[^'\"]*"),
    # accessToken: abc / password: abc (a line a person wrote; not bare "token:", which is prose)
    re.compile(r"(?i)(\b(?:access_?token|refresh_?token|password|client_?secret)\s*:\s+)[^\s'\"]+"),
    # http://user:password@proxy:3128 (a proxy URL's credentials): the user info goes
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^\s/@'\"]+(?=@)"),
)

_known: set[str] = set()
_lock = threading.Lock()


def remember_secret(value: str | None) -> None:
    """From now on, `value` is replaced by the mask wherever a log record holds it."""
    if value and len(value) >= _MIN_SECRET_LEN:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    """`text` with every known secret and everything shaped like a credential masked."""
    for secret in sorted(_known, key=len, reverse=True):  # longest first: one may contain another
        if secret in text:
            text = text.replace(secret, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{MASK}", text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, exception text and stack with `redact`; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: logging would report it, with the raw arguments
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg, record.args = redact(_bounded(message)), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _bounded(message: str) -> str:
    if len(message) <= MAX_RECORD_CHARS:
        return message
    return f"{message[:MAX_RECORD_CHARS]}… ({len(message) - MAX_RECORD_CHARS:,} characters cut)"


def install(logger: logging.Logger | None = None) -> None:
    """Put the filter on every handler of `logger` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


_LIBRARY_LOGGERS = ("socketio.client", "socketio.server")
# Engine.IO logs every packet with its data at INFO: payloads, whatever their size, so one
# customer could fill the disk through the debug log. Warnings only, at any level.
_PACKET_LOGGERS = ("engineio.client", "engineio.server")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(path: Path | None = None, level: int = logging.INFO) -> None:
    """Log to `path` (or stderr) through the redacting filter: the one way the programs log."""
    handler: logging.Handler
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler()
    logging.basicConfig(handlers=[handler], level=level, format=LOG_FORMAT, force=True)
    install()
    # python-socketio gives these loggers a stderr handler of their own unless a level is set:
    # that would scribble over the console and bypass the filter. With a level, records reach
    # the root handlers (filtered); event names (never data) only at DEBUG.
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(
            logging.DEBUG if level <= logging.DEBUG else logging.WARNING
        )
    for name in _PACKET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
