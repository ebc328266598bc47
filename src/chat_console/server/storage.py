"""Tickets and messages in SQLite: a file (WAL) to survive restarts, or `:memory:` for tests.

Each row keeps the wire object as JSON beside the few columns the server queries by. The server
runs on one event loop, so plain sqlite3 calls (fast, local) are made directly from handlers.

Rows are read with pydantic's JSON parser, which is stricter than the `json.dumps` that wrote them:
a row an older server stored with a lone surrogate or deep nesting is read again with `json` and
validated from Python objects, where the protocol models repair both (a surrogate becomes the
visible `\\ud800`, a deep unknown field is dropped); a row that still cannot be read is skipped
with a warning, so one bad row never fails a listing.
"""

import json
import logging
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import ValidationError

from chat_console.protocol import Message, MessageStatus, Ticket, TicketStatus, to_wire

log = logging.getLogger("chat_console.server")

Row = TypeVar("Row", Ticket, Message)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    ticket_id TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_ticket ON messages (ticket_id, seq);
CREATE INDEX IF NOT EXISTS messages_by_sender ON messages (sender_id, status);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# Every write takes the next number of one counter (`changed`); a ticket also takes the number of
# each change to its messages, so "tickets changed after N" names the conversations that moved.
# Files written before the counter existed get the column, and numbers for their rows, at open.
_CHANGE_COLUMNS = """
ALTER TABLE tickets ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
"""
_CHANGE_INDEXES = """
CREATE INDEX IF NOT EXISTS tickets_by_change ON tickets (changed);
CREATE INDEX IF NOT EXISTS messages_by_change ON messages (ticket_id, changed);
"""
MAX_PAGE = 1000  # rows in one page of the HTTP extras, whatever the caller asks


def whole_number(text: str) -> int | None:
    """A caller's digits as a number; None for anything else (other scripts' digits, a sign, more
    digits than any count here needs, which `int` would refuse or take long over)."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


@dataclass(frozen=True)
class Page(Generic[Row]):
    """Rows of one answer; `last` is the change number of its last row (a cursor), `more` says
    the limit cut the answer short."""

    rows: list[Row]
    last: int
    more: bool


def _load(model: type[Row], body: str) -> Row | None:
    try:
        return model.model_validate_json(body)
    except ValidationError:
        pass  # a lone surrogate or deep nesting stored before the door refused or repaired them
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, RecursionError, TypeError):  # ValidationError is a ValueError
        return None


def _loaded(model: type[Row], rows: Iterable[tuple[int, str]]) -> list[Row]:
    """The rows that can be read; each one that cannot is logged (by its row number) and skipped."""
    found = []
    for seq, body in rows:
        item = _load(model, body)
        if item is None:
            log.warning("skipped unreadable %s row %d", model.__name__.lower(), seq)
        else:
            found.append(item)
    return found


def _private_file(path: str) -> None:
    """Create the database file readable by its owner only, or make an existing one so: it holds
    every conversation. SQLite gives the -wal and -shm files the database file's permissions."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = stat.S_IMODE(os.fstat(descriptor).st_mode)
        if mode & 0o077:
            os.fchmod(descriptor, mode & 0o700)
            log.info("made %s private (was %o)", path, mode)
    finally:
        os.close(descriptor)


class ServerStore:
    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        if path != ":memory:":
            _private_file(path)
        self._db = sqlite3.connect(path, check_same_thread=False)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._number_changes()
        self._db.commit()

    def _number_changes(self) -> None:
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(tickets)")}
        if "changed" not in columns:
            self._db.executescript(_CHANGE_COLUMNS)
        self._db.executescript(_CHANGE_INDEXES)
        # A random name for this database: a cursor from another server (or from this one before
        # its database was replaced) names another epoch and reads as "from the start".
        self._db.execute("INSERT OR IGNORE INTO meta VALUES ('epoch', ?)", (secrets.token_hex(6),))
        (self.epoch,) = self._db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()
        for table in ("messages", "tickets"):  # rows without a number yet (an older file)
            self._db.execute(
                f"UPDATE {table} SET changed = ? + seq WHERE changed = 0", (self._last_change(),)
            )
        self.change = self._last_change()

    def _last_change(self) -> int:
        (last,) = self._db.execute(
            "SELECT MAX((SELECT COALESCE(MAX(changed), 0) FROM tickets),"
            " (SELECT COALESCE(MAX(changed), 0) FROM messages))"
        ).fetchone()
        return int(last)

    def _next_change(self) -> int:
        self.change += 1
        return self.change

    @property
    def cursor(self) -> str:
        """Where the store is now, as a caller passes it back in `since=`."""
        return self.cursor_at(self.change)

    def cursor_at(self, change: int) -> str:
        return f"{self.epoch}.{change}"

    def change_after(self, cursor: str) -> int | None:
        """The change number a cursor names; None for one of another database (or none)."""
        epoch, _, number = cursor.partition(".")
        found = whole_number(number)
        if epoch != self.epoch or found is None:
            return None
        return min(found, self.change)

    def close(self) -> None:
        self._db.close()

    # tickets

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        rows = self._db.execute("SELECT seq, body FROM tickets WHERE ticket_id = ?", (ticket_id,))
        return next(iter(_loaded(Ticket, rows)), None)

    def add_ticket(self, ticket: Ticket) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO tickets (ticket_id, owner_id, body, changed) VALUES (?, ?, ?, ?)",
                (
                    ticket.ticket_id,
                    ticket.owner_id or "",
                    json.dumps(to_wire(ticket)),
                    self._next_change(),
                ),
            )

    def save_ticket(self, ticket: Ticket) -> None:
        with self._db:
            self._db.execute(
                "UPDATE tickets SET body = ?, changed = ? WHERE ticket_id = ?",
                (json.dumps(to_wire(ticket)), self._next_change(), ticket.ticket_id),
            )

    def tickets(self, owner_id: str | None = None) -> list[Ticket]:
        """Every ticket, oldest first, or only those `owner_id` opened."""
        if owner_id is None:
            rows = self._db.execute("SELECT seq, body FROM tickets ORDER BY seq")
        else:
            rows = self._db.execute(
                "SELECT seq, body FROM tickets WHERE owner_id = ? ORDER BY seq", (owner_id,)
            )
        return _loaded(Ticket, rows)

    def tickets_changed(self, after: int, limit: int, owner_id: str | None = None) -> Page[Ticket]:
        """Tickets changed (or whose messages changed) after change `after`, in change order."""
        mine = "" if owner_id is None else " AND owner_id = ?"
        return self._page(
            Ticket,
            f"SELECT seq, body, changed FROM tickets WHERE changed > ?{mine}"
            " ORDER BY changed LIMIT ?",
            (after, *([] if owner_id is None else [owner_id]), limit + 1),
            limit,
        )

    def _page(
        self, model: type[Row], query: str, arguments: tuple[object, ...], limit: int
    ) -> Page[Row]:
        rows = self._db.execute(query, arguments).fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1][2] if rows else self.change
        if not more:
            last = self.change  # nothing later was left out: the caller is up to date
        return Page(_loaded(model, ((seq, body) for seq, body, _ in rows)), last, more)

    def count_open_tickets(self, owner_id: str) -> int:
        """Tickets of `owner_id` that are not closed (rows no reader can parse are not counted)."""
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM tickets WHERE owner_id = ? AND json_valid(body)"
            " AND json_extract(body, '$.statusId') IS NOT ?",
            (owner_id, int(TicketStatus.CLOSED)),
        ).fetchone()
        return int(count)

    # messages

    def get_message(self, message_id: str) -> Message | None:
        rows = self._db.execute(
            "SELECT seq, body FROM messages WHERE message_id = ?", (message_id,)
        )
        return next(iter(_loaded(Message, rows)), None)

    def add_message(self, message: Message) -> None:
        change = self._next_change()
        with self._db:
            self._db.execute(
                "INSERT INTO messages (message_id, ticket_id, sender_id, status, body, changed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    message.message_id,
                    message.ticket_id,
                    message.sender_id or "",
                    int(message.status_id),
                    json.dumps(to_wire(message)),
                    change,
                ),
            )
            self._ticket_moved(message.ticket_id, change)

    def save_message_statuses(self, messages: Iterable[Message]) -> None:
        with self._db:
            for m in messages:
                change = self._next_change()
                self._db.execute(
                    "UPDATE messages SET status = ?, body = ?, changed = ? WHERE message_id = ?",
                    (int(m.status_id), json.dumps(to_wire(m)), change, m.message_id),
                )
                self._ticket_moved(m.ticket_id, change)

    def _ticket_moved(self, ticket_id: str, change: int) -> None:
        self._db.execute("UPDATE tickets SET changed = ? WHERE ticket_id = ?", (change, ticket_id))

    def messages(self, ticket_id: str) -> list[Message]:
        """A ticket's messages, oldest first."""
        rows = self._db.execute(
            "SELECT seq, body FROM messages WHERE ticket_id = ? ORDER BY seq", (ticket_id,)
        )
        return _loaded(Message, rows)

    def messages_changed(self, ticket_id: str, after: int, limit: int) -> Page[Message]:
        """The ticket's messages added or changed after change `after`, in change order."""
        return self._page(
            Message,
            "SELECT seq, body, changed FROM messages WHERE ticket_id = ? AND changed > ?"
            " ORDER BY changed LIMIT ?",
            (ticket_id, after, limit + 1),
            limit,
        )

    def messages_before(self, ticket_id: str, before: str | None, limit: int) -> Page[Message]:
        """The ticket's newest `limit` messages older than message `before` (or than none),
        oldest first; `more` says older ones exist. An unknown `before` gives an empty page."""
        below = None
        if before is not None:
            found = self._db.execute(
                "SELECT seq FROM messages WHERE ticket_id = ? AND message_id = ?",
                (ticket_id, before),
            ).fetchone()
            if found is None:
                return Page([], self.change, False)
            below = found[0]
        rows = self._db.execute(
            "SELECT seq, body FROM messages WHERE ticket_id = ? AND seq < ?"
            " ORDER BY seq DESC LIMIT ?",
            (ticket_id, below if below is not None else 2**62, limit + 1),
        ).fetchall()
        more = len(rows) > limit
        return Page(_loaded(Message, reversed(rows[:limit])), self.change, more)

    def messages_from(self, sender_id: str, below: MessageStatus) -> list[Message]:
        """Messages `sender_id` sent whose status is still below `below`, oldest first."""
        rows = self._db.execute(
            "SELECT seq, body FROM messages WHERE sender_id = ? AND status < ? ORDER BY seq",
            (sender_id, int(below)),
        )
        return _loaded(Message, rows)

    def count_below(self, ticket_id: str, sender_id: str, below: MessageStatus) -> int:
        (count,) = self._db.execute(
            "SELECT COUNT(*) FROM messages WHERE ticket_id = ? AND sender_id = ? AND status < ?",
            (ticket_id, sender_id, int(below)),
        ).fetchone()
        return int(count)
