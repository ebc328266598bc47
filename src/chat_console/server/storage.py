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
import sqlite3
import stat
from collections.abc import Iterable
from typing import TypeVar

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
"""


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
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    # tickets

    def get_ticket(self, ticket_id: str) -> Ticket | None:
        rows = self._db.execute("SELECT seq, body FROM tickets WHERE ticket_id = ?", (ticket_id,))
        return next(iter(_loaded(Ticket, rows)), None)

    def add_ticket(self, ticket: Ticket) -> None:
        with self._db:
            self._db.execute(
                "INSERT INTO tickets (ticket_id, owner_id, body) VALUES (?, ?, ?)",
                (ticket.ticket_id, ticket.owner_id or "", json.dumps(to_wire(ticket))),
            )

    def save_ticket(self, ticket: Ticket) -> None:
        with self._db:
            self._db.execute(
                "UPDATE tickets SET body = ? WHERE ticket_id = ?",
                (json.dumps(to_wire(ticket)), ticket.ticket_id),
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
        with self._db:
            self._db.execute(
                "INSERT INTO messages (message_id, ticket_id, sender_id, status, body)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    message.message_id,
                    message.ticket_id,
                    message.sender_id or "",
                    int(message.status_id),
                    json.dumps(to_wire(message)),
                ),
            )

    def save_message_statuses(self, messages: Iterable[Message]) -> None:
        with self._db:
            self._db.executemany(
                "UPDATE messages SET status = ?, body = ? WHERE message_id = ?",
                [(int(m.status_id), json.dumps(to_wire(m)), m.message_id) for m in messages],
            )

    def messages(self, ticket_id: str) -> list[Message]:
        """A ticket's messages, oldest first."""
        rows = self._db.execute(
            "SELECT seq, body FROM messages WHERE ticket_id = ? ORDER BY seq", (ticket_id,)
        )
        return _loaded(Message, rows)

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
