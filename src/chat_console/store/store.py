"""The console's local record: SQLite for persistence, in-memory indexes for speed.

`apply(event)` is a pure state transition from a decoded server event to a `Change` (or None when
nothing visible changed). Rows are written as events are applied and committed by `commit()`, which
the TUI calls at the end of every batch and before it redraws: the record exists before it is shown.
"""

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from chat_console.protocol import (
    AssignmentChange,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    now_utc,
    parse_timestamp,
    to_wire,
)
from chat_console.protocol.inbound import (
    AssignmentNotified,
    MessageStatusUpdated,
    MessageUpdated,
    ServerEvent,
    TicketAccepted,
    TicketCreated,
    TicketResponded,
    TicketStatusUpdated,
    Typing,
)
from chat_console.protocol.limits import MAX_CONTENT_BYTES, content_size
from chat_console.protocol.models import without_surrogates
from chat_console.store.records import Change, ChangeKind, MessageRecord, Tick, TicketRecord, View
from chat_console.store.search import ensure_index, forget_removed, match_expression

TYPING_TTL = timedelta(seconds=5)
# Messages per ticket read into memory at start; older ones stay in SQLite until asked for
# (`load_older`): a long conversation loaded whole costs memory and start-up time for history
# nobody scrolls to (figures in benchmarks/FINDINGS.md, Scale).
HISTORY_WINDOW = 200
# What is kept of one ticket's history, whatever a server sends ([history] in the config): past
# either bound its oldest messages are deleted, down to nine tenths of it (so not at every message).
# Without a bound one customer grew the file without end (benchmarks/FINDINGS.md, "Burst").
MESSAGES_PER_TICKET = 100_000  # the conversation the scale benchmark shows whole
BYTES_PER_TICKET = 64 * 1024 * 1024
# Closed tickets last seen longer ago than this many days leave the history at start: the file
# holds customers' words, often on a shared jump host ([history] keep_days in the config).
KEEP_DAYS = 30
# Content above the wire's own limit is stored cut to it, with the size it had.
MAX_STORED_CONTENT = MAX_CONTENT_BYTES
MARKER_PREFIX = "console-marker:"  # ids of lines the console itself wrote into a transcript
_UNSENT = (Tick.PENDING, Tick.FAILED)  # own messages that must stay in memory until sent

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY, body TEXT NOT NULL, unread INTEGER NOT NULL,
    waiting_since TEXT, last_activity TEXT
);
CREATE TABLE IF NOT EXISTS messages (
    message_id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    own INTEGER NOT NULL, tick INTEGER NOT NULL, error TEXT, read_locally INTEGER NOT NULL,
    full_size INTEGER, note INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_ticket ON messages (ticket_id, seq);
CREATE TABLE IF NOT EXISTS outbox (
    message_id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL, content TEXT NOT NULL,
    type INTEGER NOT NULL, state TEXT NOT NULL, error TEXT, created_at TEXT NOT NULL,
    unanswered INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS drafts (ticket_id TEXT PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (server TEXT PRIMARY KEY, cursor TEXT NOT NULL);
"""

_FAR_FUTURE = datetime.max.replace(tzinfo=now_utc().tzinfo)


_RECORD_COLUMNS = "body, own, tick, error, read_locally, seq, full_size, note"
_MESSAGE_COLUMNS = (
    "message_id, ticket_id, seq, body, own, tick, error, read_locally, full_size, note"
)
_PLACES = ", ".join("?" * len(_MESSAGE_COLUMNS.split(",")))
# Per ticket, the first seq kept in memory: its HISTORY_WINDOW-th newest message, or its oldest
# message still in the outbox if that is older (an unsent message must be in memory to be sent).
_WINDOWS = """
SELECT ticket_id, MIN(seq) AS first FROM (
    SELECT ticket_id, seq FROM (
        SELECT ticket_id, seq, ROW_NUMBER() OVER (PARTITION BY ticket_id ORDER BY seq DESC) AS n
        FROM messages
    ) WHERE n <= ?1
    UNION ALL
    SELECT m.ticket_id, m.seq FROM outbox o JOIN messages m USING (message_id)
) GROUP BY ticket_id
"""
_WINDOWED = f"""
SELECT {", ".join("m." + c.strip() for c in _RECORD_COLUMNS.split(","))}
FROM messages m JOIN ({_WINDOWS}) w USING (ticket_id)
WHERE m.seq >= w.first ORDER BY m.seq
"""
# The same first seq for one ticket (?1): where its window starts when it is read in.
_FIRST_IN_WINDOW = """
SELECT MIN(seq) FROM (
    SELECT seq FROM (SELECT seq FROM messages WHERE ticket_id = ?1 ORDER BY seq DESC LIMIT ?2)
    UNION ALL
    SELECT m.seq FROM outbox o JOIN messages m USING (message_id) WHERE m.ticket_id = ?1
)
"""


log = logging.getLogger(__name__)
_Row = tuple[str, int, int, str | None, int, int, int | None, int]
# What a stored body that cannot be read again raises (an old file, written before bodies were
# made storable at decode): json's, pydantic's, and a nesting too deep for either.
_UNREADABLE = (ValueError, ValidationError, RecursionError, TypeError)


def _record(row: _Row) -> MessageRecord:
    body, own, tick, error, read_locally, seq, full_size, note = row
    # json.loads, not pydantic's stricter parser: it reads every body json.dumps wrote.
    message = Message.model_validate(json.loads(body))
    return MessageRecord(
        message, bool(own), Tick(tick), error, bool(read_locally), seq, full_size, bool(note)
    )


# The ticket's messages past the newest ?2, or past the newest ?3 body characters (the newest one
# always kept), that are not waiting in the outbox: what `_prune` deletes.
_PRUNABLE = """
SELECT message_id FROM (
    SELECT message_id, ROW_NUMBER() OVER newest AS n, SUM(length(body)) OVER newest AS total
    FROM messages WHERE ticket_id = ?1
    WINDOW newest AS (ORDER BY seq DESC ROWS UNBOUNDED PRECEDING)
) WHERE n > 1 AND (n > ?2 OR total > ?3)
AND message_id NOT IN (SELECT message_id FROM outbox)
"""


def _body(model: Message | Ticket) -> str:
    """The JSON a row stores (the wire's form, as `to_wire` gives it): UTF-8 as it is (escaping
    every non-ASCII character took up to six times the bytes), and never a lone surrogate,
    which SQLite would refuse. pydantic writes it directly: through a dict and `json.dumps` it
    took twice as long, once per message and ticket received."""
    try:
        return without_surrogates(model.model_dump_json(by_alias=True))
    except PydanticSerializationError:  # a lone surrogate set without validation (model_copy)
        return without_surrogates(json.dumps(to_wire(model), ensure_ascii=False))


def _cut_content(message: Message) -> tuple[Message, int | None]:
    """The message with its content cut to MAX_STORED_CONTENT, and the size it had if it was."""
    content = message.content
    if len(content) <= MAX_STORED_CONTENT // 4:  # four bytes a character at most: within
        return message, None
    size = content_size(content)
    if size <= MAX_STORED_CONTENT:
        return message, None
    kept = content.encode("utf-8", "surrogatepass")[:MAX_STORED_CONTENT].decode("utf-8", "ignore")
    return message.model_copy(update={"content": kept}), size


def _note_unanswered_failures(db: sqlite3.Connection) -> None:
    """An outbox written before failures said whether they were answered: its failed rows may
    be on the server (the safe guess) unless their words are a refusal's, that is, anything
    but the silence's "… (N tries)", the only unanswered failure those versions wrote."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(outbox)")}
    if "unanswered" in columns:
        return
    db.execute("ALTER TABLE outbox ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE outbox SET unanswered = 1"
        " WHERE state = 'failed' AND (error IS NULL OR error LIKE '%tries)')"
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _connect(path: Path | None, copy_only: bool) -> sqlite3.Connection:
    if path is None:
        return sqlite3.connect(":memory:")
    if copy_only:
        memory = sqlite3.connect(":memory:")
        if path.exists():  # a consistent snapshot, read while the owner may be writing
            source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
        return memory
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path))
    db.execute("PRAGMA journal_mode=WAL")
    # What is deleted (pruned, purged, discarded) is overwritten, not left in free pages: the
    # file holds customers' words. Many builds default to it; not all.
    db.execute("PRAGMA secure_delete = ON")
    return db


@dataclass(frozen=True)
class Purged:
    """What `Store.purge` removed."""

    tickets: int = 0
    messages: int = 0
    drafts: int = 0


def _last_seen(record: TicketRecord) -> datetime | None:
    """The newest moment the ticket is known to have moved."""
    t = record.ticket
    moments = [
        m if m.tzinfo else m.replace(tzinfo=UTC)
        for m in (record.last_activity, t.created_at, t.last_response_at)
        if m
    ]
    return max(moments) if moments else None


class Store:
    """Tickets and messages as one operator sees them."""

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        operator_id: str = "",
        clock: Callable[[], datetime] = now_utc,
        messages_per_ticket: int = MESSAGES_PER_TICKET,
        bytes_per_ticket: int = BYTES_PER_TICKET,
        copy_only: bool = False,
    ) -> None:
        """`copy_only`: read the file into memory and never write it (another console owns it);
        what this one applies lives and dies with it."""
        self.operator_id = operator_id
        self.clock = clock
        self.messages_per_ticket = max(1, messages_per_ticket)
        self.bytes_per_ticket = max(1, bytes_per_ticket)
        self.path = None if str(path) == ":memory:" else Path(path)
        self.copy_only = copy_only
        self._db = _connect(self.path, copy_only)
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(messages)")}
        if "full_size" not in columns:  # a history written before contents were stored cut
            self._db.execute("ALTER TABLE messages ADD COLUMN full_size INTEGER")
        if "note" not in columns:  # a history written before the console wrote lines of its own
            self._db.execute("ALTER TABLE messages ADD COLUMN note INTEGER NOT NULL DEFAULT 0")
        _note_unanswered_failures(self._db)
        ensure_index(self._db)
        self._sync = int(self._db.execute("PRAGMA synchronous").fetchone()[0])  # the build's
        self._tickets: dict[str, TicketRecord] = {}
        self._unsaved: dict[str, TicketRecord] = {}  # tickets whose rows the next commit writes
        self._messages: dict[str, MessageRecord] = {}
        self._by_ticket: dict[str, list[str]] = {}
        self._typing: dict[str, tuple[str, datetime]] = {}
        self._seq = 0
        self._order: list[str] | None = None  # queue order cache, None when stale
        self._older: dict[str, int] = {}  # ticket -> first seq in memory, where SQLite has older
        self.skipped = 0  # stored records that could not be read back: left out, never fatal
        self._kept: dict[str, list[int]] = {}  # ticket -> [messages, body characters] in SQLite
        # ticket -> the colleague who handled it just before it became ours again
        self._handed_back: dict[str, str] = {}
        # The ticket shown: its messages stay in memory, never trimmed under the operator. Those
        # of every other ticket live in SQLite and are read in when something asks for them
        # (`_read_in`), until the next batch (`_trim_windows`); a ticket is in memory when it has
        # an entry in `_by_ticket`.
        self._on_screen: str | None = None
        self._load()

    # ---- persistence -------------------------------------------------------------------

    def _readable(self, rows: Iterable[_Row]) -> list[MessageRecord]:
        """The rows' records, skipping (and counting) those that cannot be read back."""
        return list(self._read(rows))

    def _read(self, rows: Iterable[_Row], counted: bool = False) -> Iterator[MessageRecord]:
        """As `_readable`, one at a time; `counted`: rows counted at start, skipped silently."""
        for row in rows:
            try:
                yield _record(row)
            except _UNREADABLE as problem:
                if not counted:
                    self._skip("message", row[5], problem)

    def _skip(self, what: str, where: object, problem: BaseException) -> None:
        self.skipped += 1
        # The error's type only: its text would quote the unreadable payload.
        log.warning("skipped an unreadable stored %s (%s): %s", what, where, type(problem).__name__)

    def _load(self) -> None:
        for ticket_id, body, unread, waiting, activity in self._db.execute(
            "SELECT ticket_id, body, unread, waiting_since, last_activity FROM tickets"
        ):
            try:
                ticket = Ticket.model_validate(json.loads(body))
                waiting_since, last_activity = parse_timestamp(waiting), parse_timestamp(activity)
            except _UNREADABLE as problem:
                self._skip("ticket", "its messages are kept", problem)
                continue
            self._tickets[ticket_id] = TicketRecord(
                ticket, unread=unread, waiting_since=waiting_since, last_activity=last_activity
            )
        # Each ticket's newest HISTORY_WINDOW messages (reaching back to its oldest unsent one)
        # are what it holds in memory once read in. They are read here once, one at a time, so
        # that what cannot be read back is counted and said at start as before; kept are only
        # the tickets with messages in the outbox (to be sent). The queue needs none of them: a
        # ticket's unread count, waiting time and last activity are in its own row. 1,000
        # closed tickets of 5 messages held ~10 MB of models nobody opened (FINDINGS, Jump host).
        for _ in self._read(self._db.execute(_WINDOWED, (HISTORY_WINDOW,))):
            pass
        for ticket_id, newest, count, size in self._db.execute(
            "SELECT ticket_id, MAX(seq), COUNT(*), SUM(length(body))"
            " FROM messages GROUP BY ticket_id"
        ):
            self._seq = max(self._seq, newest)
            self._kept[ticket_id] = [count, size]
        for (ticket_id,) in self._db.execute(
            "SELECT DISTINCT m.ticket_id FROM outbox o JOIN messages m USING (message_id)"
        ).fetchall():
            self._read_in(ticket_id)
        # The pass above filled SQLite's page cache (up to its 2 MB) with pages nobody reads
        # again soon: given back, an idle console with 1,000 tickets held ~2 MB less (FINDINGS).
        self._db.execute("PRAGMA shrink_memory")

    def _read_in(self, ticket_id: str) -> None:
        """Read the ticket's window of messages into memory if it is only in SQLite: its newest
        HISTORY_WINDOW, reaching back to its oldest unsent one."""
        if ticket_id in self._by_ticket:
            return
        self._by_ticket[ticket_id] = []
        (first,) = self._db.execute(_FIRST_IN_WINDOW, (ticket_id, HISTORY_WINDOW)).fetchone()
        if first is not None:
            self._hold_from(ticket_id, first)

    def _hold_from(self, ticket_id: str, first: int) -> None:
        """Memory holds every message of the ticket (in memory) from seq `first` on: read in
        those it lacks, in seq order; `_older` says whether SQLite has any below."""
        ids = self._by_ticket[ticket_id]
        held = set(ids)
        rows = self._db.execute(
            f"SELECT message_id, {_RECORD_COLUMNS} FROM messages WHERE ticket_id = ? AND seq >= ?"
            " ORDER BY seq",
            (ticket_id, first),
        ).fetchall()
        for record in self._read((row[1:] for row in rows if row[0] not in held), counted=True):
            self._messages[record.message_id] = record
            ids.append(record.message_id)
        if self._has_below(ticket_id, first):
            self._older[ticket_id] = first
        else:
            self._older.pop(ticket_id, None)

    def _has_below(self, ticket_id: str, seq: int) -> bool:
        """SQLite holds a message of the ticket below this seq."""
        return bool(
            self._db.execute(
                "SELECT 1 FROM messages WHERE ticket_id = ? AND seq < ? LIMIT 1", (ticket_id, seq)
            ).fetchone()
        )

    def has_older(self, ticket_id: str) -> bool:
        """SQLite holds messages of the ticket older than those in memory."""
        self._read_in(ticket_id)
        return ticket_id in self._older

    def load_older(self, ticket_id: str, count: int = HISTORY_WINDOW) -> int:
        """Read up to `count` more of the ticket's older messages into memory; how many."""
        self._read_in(ticket_id)
        first = self._older.get(ticket_id)
        if first is None:
            return 0
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM messages WHERE ticket_id = ? AND seq < ?"
            " ORDER BY seq DESC LIMIT ?",
            (ticket_id, first, count),
        ).fetchall()
        records = [r for r in self._readable(reversed(rows)) if r.message_id not in self._messages]
        for record in records:
            self._messages[record.message_id] = record
        self._by_ticket.setdefault(ticket_id, [])[:0] = [r.message_id for r in records]
        oldest = rows[-1][5] if rows else first  # of the rows read, skipped ones included
        if len(rows) < count or not self._has_below(ticket_id, oldest):
            del self._older[ticket_id]
        else:
            self._older[ticket_id] = oldest
        return len(records)

    def on_screen(self, ticket_id: str | None) -> None:
        """The conversation shown now (None: none). Its messages stay in memory, older pages the
        operator scrolled to included; the one shown before goes back to SQLite."""
        previous, self._on_screen = self._on_screen, ticket_id
        if previous is not None and previous != ticket_id:
            self._trim_windows()

    def _trim_windows(self) -> None:
        """Every ticket in memory but the one on screen goes back to SQLite, but for one with
        unsent messages (the courier sends them from memory): it keeps its window, as `_read_in`
        reads it, and everything from its oldest unsent one on, so that what stays is every
        message from one seq on, `load_older` reads what is below, and opened again it shows
        what it showed, not the unsent reply alone. A long day then holds one conversation's
        messages, not those of every ticket a console has seen: they were ~1.5 KB each, kept
        apart through the day so that the memory under them could not be given back
        (benchmarks/FINDINGS.md, Jump host)."""
        for ticket_id in [t for t in self._by_ticket if t != self._on_screen]:
            ids = self._by_ticket[ticket_id]
            records = [self._messages[i] for i in ids]
            unsent = [r.seq for r in records if r.tick in _UNSENT]
            if not unsent:
                for message_id in self._by_ticket.pop(ticket_id):
                    del self._messages[message_id]
                self._older.pop(ticket_id, None)
                continue
            window = sorted(r.seq for r in records)[-HISTORY_WINDOW:]
            first = min(window[0], *unsent)
            kept = [i for i in ids if self._messages[i].seq >= first]
            if len(kept) < len(ids):
                for message_id in set(ids).difference(kept):
                    del self._messages[message_id]
                ids[:] = kept
                self._older[ticket_id] = first

    def _save_ticket(self, record: TicketRecord) -> None:
        """The ticket's row is written at the next commit, once however often it changed
        before it: a flood of messages on a few tickets wrote each ticket once per message."""
        self._order = None
        self._unsaved[record.ticket_id] = record

    def _write_tickets(self) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO tickets VALUES (?, ?, ?, ?, ?)",
            [
                (
                    record.ticket_id,
                    _body(record.ticket),
                    record.unread,
                    _iso(record.waiting_since),
                    _iso(record.last_activity),
                )
                for record in self._unsaved.values()
            ],
        )
        self._unsaved.clear()

    def _save_message(self, record: MessageRecord) -> int:
        """Write the message's row; the length of its body."""
        body = _body(record.message)
        self._db.execute(
            f"INSERT OR REPLACE INTO messages ({_MESSAGE_COLUMNS}) VALUES ({_PLACES})",
            (
                record.message_id,
                record.message.ticket_id,
                record.seq,
                body,
                int(record.own),
                int(record.tick),
                record.error,
                int(record.read_locally),
                record.full_size,
                int(record.note),
            ),
        )
        return len(body)

    def _stored_new(self, ticket_id: str, size: int) -> None:
        """A new message of the ticket is in SQLite: past the history bounds, prune."""
        kept = self._kept.setdefault(ticket_id, [0, 0])
        kept[0] += 1
        kept[1] += size
        if kept[0] > self.messages_per_ticket or kept[1] > self.bytes_per_ticket:
            self._prune(ticket_id)

    def _prune(self, ticket_id: str) -> None:
        """Delete the ticket's oldest messages down to nine tenths of the bounds, from SQLite and
        from memory."""
        bounds = (max(1, self.messages_per_ticket * 9 // 10), self.bytes_per_ticket * 9 // 10)
        gone = [i for (i,) in self._db.execute(_PRUNABLE, (ticket_id, *bounds))]
        self._db.executemany("DELETE FROM messages WHERE message_id = ?", [(i,) for i in gone])
        dropped = set(gone)
        for message_id in gone:
            self._messages.pop(message_id, None)
        ids = self._by_ticket.get(ticket_id)
        if ids:
            ids[:] = [i for i in ids if i not in dropped]
        self._kept[ticket_id] = list(
            self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(length(body)), 0) FROM messages WHERE ticket_id = ?",
                (ticket_id,),
            ).fetchone()
        )
        log.info("deleted %d old messages of a ticket past the history bounds", len(gone))

    def commit(self) -> None:
        if self._unsaved:
            self._write_tickets()
        self._db.commit()

    def close(self) -> None:
        self.commit()
        self._db.close()

    # ---- retention: closed tickets leave the file after [history] keep_days ------------

    def purge(self, before: datetime) -> Purged:
        """Remove closed tickets last seen before `before`, with their messages (the console's
        markers among them) and drafts; never a ticket with anything in the outbox. Deleted
        content is overwritten (secure_delete, `_connect`) and the WAL emptied, so customers'
        words do not linger on disk; the file keeps its size and SQLite reuses the space
        (`vacuum` gives it back)."""
        waiting = {tid for (tid,) in self._db.execute("SELECT DISTINCT ticket_id FROM outbox")}
        gone = [
            record.ticket_id
            for record in self._tickets.values()
            if record.is_closed
            and record.ticket_id not in waiting
            and (seen := _last_seen(record)) is not None
            and seen < before
        ]
        if not gone:
            return Purged()
        self.commit()
        messages = drafts = 0
        with self._db:  # one transaction: all of it or, after a crash, none of it
            for ticket_id in gone:
                messages += self._db.execute(
                    "DELETE FROM messages WHERE ticket_id = ?", (ticket_id,)
                ).rowcount
                drafts += self._db.execute(
                    "DELETE FROM drafts WHERE ticket_id = ?", (ticket_id,)
                ).rowcount
                self._db.execute("DELETE FROM tickets WHERE ticket_id = ?", (ticket_id,))
            forget_removed(self._db)
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for ticket_id in gone:
            self._forget(ticket_id)
        log.info("purged %d closed tickets and %d messages", len(gone), messages)
        return Purged(len(gone), messages, drafts)

    def _forget(self, ticket_id: str) -> None:
        del self._tickets[ticket_id]
        self._unsaved.pop(ticket_id, None)
        for message_id in self._by_ticket.pop(ticket_id, ()):
            self._messages.pop(message_id, None)
        self._kept.pop(ticket_id, None)
        self._older.pop(ticket_id, None)
        self._typing.pop(ticket_id, None)
        self._handed_back.pop(ticket_id, None)
        self._order = None

    def vacuum(self) -> None:
        """Give the free pages back to the file system: the file shrinks (a rewrite of it)."""
        self.commit()
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # ---- applying server events -------------------------------------------------------

    def apply_batch(self, events: Iterable[ServerEvent]) -> list[Change]:
        """Apply events in order and commit once; the changes of those that changed anything.

        The commit does not wait for the disk (synchronous=NORMAL, in WAL mode): what the
        server sent, the server keeps. A crash of the console loses none of it (the WAL is
        written before the commit returns); only the machine failing can lose the last batches,
        which the resync after the restart reads again from the server. Waiting for the disk
        held the console ~3-6 ms a batch, up to 60 batches a second. What only the console
        has (the outbox, drafts, the resync cursor) is committed by other methods, synced as
        ever, and a synced commit makes every earlier one durable too.

        Windows are trimmed before, not after: what the changes name can be read until then."""
        self._trim_windows()
        relaxed = self._relax_sync()
        try:
            return [change for event in events if (change := self.apply(event)) is not None]
        finally:
            self.commit()
            if relaxed:
                self._db.execute(f"PRAGMA synchronous = {self._sync}")

    def _relax_sync(self) -> bool:
        """synchronous=NORMAL for the transaction about to begin; False if one is open (SQLite
        changes the level only between transactions) or the store is not a file."""
        if self.path is None or self.copy_only or self._db.in_transaction:
            return False
        self._db.execute("PRAGMA synchronous = NORMAL")
        return True

    def apply(self, event: ServerEvent) -> Change | None:
        match event:
            case TicketCreated(ticket) | TicketAccepted(ticket):
                return self._upsert_ticket(ticket)
            case TicketStatusUpdated(ticket_id, status):
                return self._set_status(ticket_id, status)
            case MessageUpdated(message):
                return self._add_message(message)
            case MessageStatusUpdated(message_id, status):
                return self._advance_tick(message_id, Tick.from_status(status))
            case Typing(ticket_id, user_name):
                self._typing[ticket_id] = (user_name, self.clock())
                return Change(ChangeKind.TYPING, ticket_id)
            case AssignmentNotified(ticket_id, change, display_nm):
                return self._assignment(ticket_id, change, display_nm)
            case TicketResponded(ticket_id):
                if self.mark_ticket_read(ticket_id):
                    return Change(ChangeKind.TICKET_UPDATED, ticket_id)
                return None
        return None  # authenticated / unauthenticated change nothing here

    def _upsert_ticket(self, ticket: Ticket) -> Change:
        record = self._tickets.get(ticket.ticket_id)
        if record is None:
            record = TicketRecord(ticket, last_activity=ticket.created_at or self.clock())
            if not record.is_closed and not ticket.last_response_at:
                record.waiting_since = ticket.created_at or self.clock()
            self._tickets[ticket.ticket_id] = record
            self._save_ticket(record)
            return Change(ChangeKind.TICKET_CREATED, ticket.ticket_id)
        # Keep what we knew when the update leaves a field out (peers send partial objects):
        # only the fields the peer actually sent count, not the model's defaults.
        sent = {name: getattr(ticket, name) for name in ticket.model_fields_set}
        self._note_handback(record, sent.get("handle_by_id", record.ticket.handle_by_id))
        record.ticket = record.ticket.model_copy(update=sent)
        self._after_status_change(record)
        answered = record.ticket.last_response_at
        if answered and record.waiting_since and answered > record.waiting_since:
            record.waiting_since = None
        self._save_ticket(record)
        return Change(ChangeKind.TICKET_UPDATED, ticket.ticket_id)

    def _after_status_change(self, record: TicketRecord) -> None:
        if record.is_closed:
            record.waiting_since = None
            self._typing.pop(record.ticket_id, None)

    def _set_status(self, ticket_id: str, status: TicketStatus) -> Change | None:
        record = self._tickets.get(ticket_id)
        if record is None:
            record = self._placeholder(ticket_id)
        if record.status == status:
            return None
        record.ticket = record.ticket.model_copy(update={"status_id": status})
        self._after_status_change(record)
        self._save_ticket(record)
        return Change(ChangeKind.TICKET_UPDATED, ticket_id)

    def _assignment(
        self, ticket_id: str, change: AssignmentChange, display_nm: str
    ) -> Change | None:
        record = self._tickets.get(ticket_id) or self._placeholder(ticket_id, display_nm)
        if change == AssignmentChange.ASSIGNED:
            self._note_handback(record, self.operator_id)
            update: dict[str, object] = {"handle_by_id": self.operator_id}
            if record.is_new:
                update["status_id"] = TicketStatus.OPEN
            if record.ticket.handle_by_id != self.operator_id:
                update["handle_by_nm"] = None  # the TUI shows "you" for its own id
            record.ticket = record.ticket.model_copy(update=update)
            self._save_ticket(record)
            return Change(ChangeKind.ASSIGNED_TO_ME, ticket_id)
        # Taken away: we are not told by whom (reading 4), so claim nobody; it leaves Mine.
        if record.ticket.handle_by_id == self.operator_id:
            record.ticket = record.ticket.model_copy(
                update={"handle_by_id": None, "handle_by_nm": None}
            )
            self._save_ticket(record)
        return Change(ChangeKind.TAKEN_AWAY, ticket_id)

    def _note_handback(self, record: TicketRecord, new_handler: object) -> None:
        """A colleague's ticket becomes ours: remember who had it (their messages never came)."""
        old = record.ticket.handle_by_id
        if self.operator_id and new_handler == self.operator_id and old and old != new_handler:
            self._handed_back[record.ticket_id] = record.ticket.handle_by_nm or old

    def take_handback(self, ticket_id: str) -> str | None:
        """Who handled the ticket before it became ours again, once; None if nobody did."""
        return self._handed_back.pop(ticket_id, None)

    def add_marker(self, ticket_id: str, text: str) -> Change:
        """A line of the console's own in the ticket's transcript (kept across restarts): read,
        never sent, and no part of the waiting time or the unread count."""
        self._seq += 1
        message = Message(
            ticket_id=ticket_id,
            message_id=f"{MARKER_PREFIX}{uuid.uuid4()}",
            content=text,
            created_at=self.clock(),
            status_id=MessageStatus.READ,
        )
        record = MessageRecord(
            message, own=False, tick=Tick.SENT, read_locally=True, seq=self._seq, note=True
        )
        self._index_message(record)
        self._save_message(record)
        self.commit()
        return Change(ChangeKind.MESSAGE_ADDED, ticket_id, message.message_id)

    def _placeholder(self, ticket_id: str, label: str | None = None) -> TicketRecord:
        """A ticket we hear of before we have its object (e.g. after a restart)."""
        record = TicketRecord(
            Ticket(ticket_id=ticket_id, display_nm=label or None, status_id=TicketStatus.OPEN),
            last_activity=self.clock(),
        )
        self._tickets[ticket_id] = record
        self._save_ticket(record)
        return record

    # ---- messages ----------------------------------------------------------------------

    def _index_message(self, record: MessageRecord) -> None:
        """A new message goes after the ticket's window in memory; of a ticket only in SQLite, it
        stays there (the caller writes it) unless it is still to be sent."""
        ticket_id = record.message.ticket_id
        only_on_disk = ticket_id not in self._by_ticket and ticket_id != self._on_screen
        if only_on_disk and record.tick not in _UNSENT:
            return
        self._read_in(ticket_id)
        self._messages[record.message_id] = record
        self._by_ticket[ticket_id].append(record.message_id)

    def _add_message(self, message: Message) -> Change | None:
        existing = self.message(message.message_id)
        if existing is not None:  # the same messageId twice is the same message (reading 6)
            if existing.own and self._raise_tick(existing, Tick.from_status(message.status_id)):
                self._lifted(existing)
                return Change(ChangeKind.MESSAGE_STATUS, message.ticket_id, message.message_id)
            return None
        own = bool(self.operator_id) and message.sender_id == self.operator_id
        if message.created_at is None:
            message = message.model_copy(update={"created_at": self.clock()})
        message, full_size = _cut_content(message)
        self._seq += 1
        record = MessageRecord(
            message,
            own=own,
            tick=Tick.from_status(message.status_id) if own else Tick.SENT,
            read_locally=not own and message.status_id >= 3,
            seq=self._seq,
            full_size=full_size,
        )
        self._index_message(record)
        self._stored_new(message.ticket_id, self._save_message(record))
        ticket = self._tickets.get(message.ticket_id)
        if ticket is None:
            ticket = self._placeholder(message.ticket_id, None if own else message.sender_nm)
            ticket.ticket = ticket.ticket.model_copy(
                update={"owner_id": message.recipient_id if own else message.sender_id}
            )
        self._note_message_on_ticket(ticket, record)
        self._save_ticket(ticket)
        return Change(ChangeKind.MESSAGE_ADDED, message.ticket_id, message.message_id)

    def _note_message_on_ticket(self, ticket: TicketRecord, record: MessageRecord) -> None:
        ticket.message_count += 1
        at = record.message.created_at
        if ticket.last_activity is None or (at and at > ticket.last_activity):
            ticket.last_activity = at
        if record.own or self._from_another_operator(ticket, record):
            if record.tick != Tick.PENDING:  # a reply still to be sent may fail: not answered yet
                ticket.waiting_since = None  # an operator answered: the customer waits no longer
            return
        self._typing.pop(ticket.ticket_id, None)  # the customer stopped typing: they sent it
        if not record.read_locally:
            ticket.unread += 1  # on a closed ticket too: the customer wrote again, it comes back
        # Read is not answered: a colleague may have read it and handed the ticket back. Only an
        # answer the server dates after it (lastResponseAt) means nobody waits; within the same
        # millisecond the order is unknown, and a customer shown waiting is the safer mistake.
        answered = ticket.ticket.last_response_at
        if ticket.waiting_since is None and not (at and answered and answered > at):
            ticket.waiting_since = at

    @staticmethod
    def _from_another_operator(ticket: TicketRecord, record: MessageRecord) -> bool:
        owner, sender = ticket.ticket.owner_id, record.message.sender_id
        return bool(owner and sender and sender != owner)

    def record_outgoing(self, message: Message) -> Change:
        """An own message about to be emitted: shown as pending, and kept in the outbox."""
        self._seq += 1
        record = MessageRecord(message, own=True, tick=Tick.PENDING, seq=self._seq)
        self._index_message(record)
        self._stored_new(message.ticket_id, self._save_message(record))
        self._db.execute(
            "INSERT OR REPLACE INTO outbox"
            " (message_id, ticket_id, content, type, state, error, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                message.message_id,
                message.ticket_id,
                message.content,
                int(message.type),
                "pending",
                None,
                _iso(message.created_at or self.clock()),
            ),
        )
        ticket = self._tickets.get(message.ticket_id) or self._placeholder(message.ticket_id)
        self._note_message_on_ticket(ticket, record)
        self._save_ticket(ticket)
        self.commit()
        return Change(ChangeKind.MESSAGE_ADDED, message.ticket_id, message.message_id)

    def mark_sent(self, message_id: str) -> Change | None:
        """The server acked the message: it leaves the outbox."""
        self._db.execute("DELETE FROM outbox WHERE message_id = ?", (message_id,))
        change = self._advance_tick(message_id, Tick.SENT)
        self.commit()
        return change

    def _answered(self, reply: Message) -> None:
        """An own reply reached the server (a tick beyond pending): the customer waits no longer,
        unless they wrote again after it."""
        ticket = self._tickets.get(reply.ticket_id)
        if ticket is None or ticket.waiting_since is None:
            return
        if reply.created_at is None or reply.created_at >= ticket.waiting_since:
            ticket.waiting_since = None
            self._save_ticket(ticket)

    def mark_failed(
        self, message_id: str, error: str, *, unanswered: bool = False
    ) -> Change | None:
        """`unanswered`: no answer ever came, so the server may have stored it (an ack lost on
        the way); otherwise it was refused, by the server or before it was emitted, and surely
        is not on the server."""
        record = self._messages.get(message_id)
        if record is None or record.tick > Tick.PENDING:
            # The server showed us it has the message (a tick beyond pending): nothing to send.
            self._db.execute("DELETE FROM outbox WHERE message_id = ?", (message_id,))
            self.commit()
            return None
        error = without_surrogates(error)  # the server's words, stored in a TEXT column
        record.tick, record.error = Tick.FAILED, error
        self._save_message(record)
        self._db.execute(
            "UPDATE outbox SET state = 'failed', error = ?, unanswered = ? WHERE message_id = ?",
            (error, int(unanswered), message_id),
        )
        self.commit()
        return Change(ChangeKind.MESSAGE_STATUS, record.message.ticket_id, message_id)

    def pending_outgoing(self) -> list[Message]:
        """Own messages still to be sent (again), in the order the operator wrote them."""
        rows = self._db.execute(
            "SELECT o.message_id FROM outbox o JOIN messages m USING (message_id)"
            " WHERE o.state = 'pending' ORDER BY m.seq"
        )
        return [self._messages[i].message for (i,) in rows if i in self._messages]

    def mark_pending(self, message_id: str) -> Change | None:
        """The operator retries a failed message: it goes back to the outbox as pending."""
        record = self._messages.get(message_id)
        if record is None or record.tick != Tick.FAILED:
            return None
        record.tick, record.error = Tick.PENDING, None
        self._save_message(record)
        self._db.execute(
            "UPDATE outbox SET state = 'pending', error = NULL, unanswered = 0"
            " WHERE message_id = ?",
            (message_id,),
        )
        self.commit()
        return Change(ChangeKind.MESSAGE_STATUS, record.message.ticket_id, message_id)

    def discard(self, message_id: str) -> Change | None:
        """The operator gives up on a failed message, or takes back one never sent (the courier
        knows which): it leaves the outbox and the conversation."""
        record = self._messages.get(message_id)
        if record is None or record.tick not in (Tick.FAILED, Tick.PENDING) or not record.own:
            return None
        ticket_id = record.message.ticket_id
        del self._messages[message_id]
        self._by_ticket[ticket_id].remove(message_id)
        self._db.execute("DELETE FROM outbox WHERE message_id = ?", (message_id,))
        self._db.execute("DELETE FROM messages WHERE message_id = ?", (message_id,))
        ticket = self._tickets.get(ticket_id)
        if ticket is not None:
            ticket.message_count = max(0, ticket.message_count - 1)
        self.commit()
        return Change(ChangeKind.MESSAGE_REMOVED, ticket_id, message_id)

    def surely_not_on_server(self, message_id: str) -> bool:
        """A failed message refused (by the server, or before it was emitted): taking it back
        cannot leave a copy with the customer. One that failed unanswered may be stored."""
        record = self._messages.get(message_id)
        if record is None or record.tick != Tick.FAILED:
            return False
        row = self._db.execute(
            "SELECT unanswered FROM outbox WHERE message_id = ? AND state = 'failed'",
            (message_id,),
        ).fetchone()
        return row is not None and row[0] == 0

    def failed_outgoing(self, ticket_id: str) -> list[str]:
        """Ids of the ticket's own messages that failed, oldest first."""
        self._read_in(ticket_id)
        return [
            i for i in self._by_ticket.get(ticket_id, ()) if self._messages[i].tick == Tick.FAILED
        ]

    def outbox(self) -> list[tuple[str, str, str, str | None]]:
        """(message_id, ticket_id, state, error) of own messages not yet acked, oldest first."""
        return list(
            self._db.execute(
                "SELECT message_id, ticket_id, state, error FROM outbox ORDER BY created_at"
            )
        )

    @staticmethod
    def _raise_tick(record: MessageRecord, tick: Tick) -> bool:
        # Ticks only advance; a late "sent" ack after "delivered" must not step back. A failed
        # message the server shows it has (sent or beyond: its ack was lost) failed no longer.
        if tick <= record.tick or tick < Tick.SENT:
            return False
        record.tick, record.error = tick, None
        return True

    def _lifted(self, record: MessageRecord) -> None:
        """The server has the message: nothing of it is left to send, nor to take back."""
        self._save_message(record)
        self._db.execute("DELETE FROM outbox WHERE message_id = ?", (record.message_id,))
        self._answered(record.message)

    def _advance_tick(self, message_id: str, tick: Tick) -> Change | None:
        record = self.message(message_id)
        if record is None or not record.own or not self._raise_tick(record, tick):
            return None
        self._lifted(record)
        return Change(ChangeKind.MESSAGE_STATUS, record.message.ticket_id, message_id)

    def mark_ticket_read(self, ticket_id: str) -> int:
        """The operator has seen the ticket's customer messages; returns how many were unread."""
        marked = 0
        for message_id in self._by_ticket.get(ticket_id, ()):
            record = self._messages[message_id]
            if not record.own and not record.read_locally:
                record.read_locally = True
                self._save_message(record)
                marked += 1
        # And those only in SQLite: below the window in memory, or all of a ticket not in it.
        if ticket_id in self._older or ticket_id not in self._by_ticket:
            marked += self._db.execute(
                "UPDATE messages SET read_locally = 1 WHERE ticket_id = ?1"
                " AND (?2 IS NULL OR seq < ?2) AND own = 0 AND read_locally = 0",
                (ticket_id, self._older.get(ticket_id)),
            ).rowcount
        ticket = self._tickets.get(ticket_id)
        if ticket is not None and (ticket.unread or marked):
            marked = max(marked, ticket.unread)
            ticket.unread = 0
            self._save_ticket(ticket)
        self.commit()
        return marked

    def unread_messages(self, ticket_id: str) -> list[Message]:
        """The ticket's customer messages in memory that the operator has not read yet (not a
        colleague's: only the recipient of a message may confirm it)."""
        ticket = self._tickets.get(ticket_id)
        if ticket is None:
            return []
        self._read_in(ticket_id)
        records = (self._messages[i] for i in self._by_ticket.get(ticket_id, ()))
        return [
            r.message
            for r in records
            if not r.own and not r.read_locally and not self._from_another_operator(ticket, r)
        ]

    def unread_elsewhere(self, customer_id: str, ticket_id: str) -> bool:
        """The customer has unread messages on another ticket than `ticket_id`."""
        return any(
            r.unread and r.ticket.owner_id == customer_id and r.ticket_id != ticket_id
            for r in self._tickets.values()
        )

    def mark_messages_read(self, ticket_id: str, message_ids: Iterable[str]) -> int:
        """These messages of the ticket were seen (and receipted) one by one; how many."""
        marked = 0
        for message_id in message_ids:
            record = self.message(message_id)
            if record is not None and not record.own and not record.read_locally:
                record.read_locally = True
                self._save_message(record)
                marked += 1
        ticket = self._tickets.get(ticket_id)
        if ticket is not None and marked:
            ticket.unread = max(0, ticket.unread - marked)
            self._save_ticket(ticket)
        self.commit()
        return marked

    # ---- drafts: what the operator is writing, per ticket -----------------------------

    def draft(self, ticket_id: str) -> str:
        row = self._db.execute("SELECT text FROM drafts WHERE ticket_id = ?", (ticket_id,))
        found = row.fetchone()
        return str(found[0]) if found else ""

    def save_draft(self, ticket_id: str, text: str) -> None:
        """Written and committed at once: a draft must survive the console being killed."""
        if text:
            self._db.execute("INSERT OR REPLACE INTO drafts VALUES (?, ?)", (ticket_id, text))
        else:
            self._db.execute("DELETE FROM drafts WHERE ticket_id = ?", (ticket_id,))
        self.commit()

    # ---- bulk loads (HTTP extras) ---------------------------------------------------

    def cursor(self, server: str) -> str | None:
        """The server's cursor after the last resync that completed, if it gave one."""
        row = self._db.execute("SELECT cursor FROM cursors WHERE server = ?", (server,)).fetchone()
        return None if row is None else str(row[0])

    def save_cursor(self, server: str, cursor: str | None) -> None:
        """Committed with what was loaded before it: a cursor never runs ahead of the record."""
        if cursor is None:
            self._db.execute("DELETE FROM cursors WHERE server = ?", (server,))
        else:
            self._db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", (server, cursor))
        self.commit()

    def oldest_from_server(self, ticket_id: str) -> str | None:
        """The ticket's oldest stored message that the server has too (not a marker the console
        wrote, not one unsent or refused): where an older page from the server ends. Of the
        file, not of the window in memory: more than a window's worth may have come live after a
        message the link missed, and the resync must still see that one as the store's to fetch
        (the chaos benchmark lost such messages)."""
        row = self._db.execute(
            "SELECT message_id FROM messages WHERE ticket_id = ? AND note = 0 AND tick <> ?"
            " AND error IS NULL ORDER BY seq LIMIT 1",
            (ticket_id, int(Tick.PENDING)),
        ).fetchone()
        return None if row is None else str(row[0])

    def load_earlier(self, ticket_id: str, messages: Sequence[Message]) -> list[Change]:
        """An older page of the ticket from the server (oldest first), kept before every message
        of the ticket the store has, so it stays older after a restart too."""
        (lowest,) = self._db.execute(
            "SELECT MIN(seq) FROM messages WHERE ticket_id = ?", (ticket_id,)
        ).fetchone()
        newest = self._seq
        if lowest is not None:
            self._seq = lowest - len(messages) - 1  # the page's rows number up to just below
        known = set(self._messages)
        try:
            changes = self.apply_batch(MessageUpdated(m) for m in messages)
        finally:
            self._seq = newest
        self._in_seq_order(ticket_id)
        if ticket_id in self._older:
            # Rows between this page and the memory window wait in SQLite (trimmed since the
            # page was asked for): the page waits there too, and `load_older` reads all of it
            # in order. In memory it would sit above a gap, and be read again below it.
            page = {m.message_id for m in messages} - known
            self._by_ticket[ticket_id] = [i for i in self.message_ids(ticket_id) if i not in page]
            for message_id in page:
                self._messages.pop(message_id, None)
        return changes

    def load_tickets(self, tickets: Sequence[Ticket]) -> list[Change]:
        return self.apply_batch(TicketCreated(t) for t in tickets)

    def load_messages(self, ticket_id: str, messages: Sequence[Message]) -> list[Change]:
        """A page of the ticket from the server: the messages it adds stand where they were
        written, also when newer ones came live before them (`_in_written_order`)."""
        changes = self.apply_batch(MessageUpdated(m) for m in messages)
        added = {c.message_id for c in changes if c.kind is ChangeKind.MESSAGE_ADDED}
        if added:
            self._in_written_order(ticket_id, messages, {i for i in added if i})
            self._in_seq_order(ticket_id)
        return changes

    def _in_seq_order(self, ticket_id: str) -> None:
        """New messages were appended to the ticket's window; an older page's, or a fetched
        one given its place, belong before some of it."""
        ids = self._by_ticket.get(ticket_id)
        if ids:
            ids.sort(key=lambda i: self._messages[i].seq)

    def _in_written_order(self, ticket_id: str, page: Sequence[Message], added: set[str]) -> None:
        """A message the link missed, fetched after newer ones came live, was given the next
        seq and stood below them once read back from SQLite (after leaving the ticket, or a
        restart). Each message the page added goes just before the first stored message of the
        page that the server dated later (within one millisecond: later in the page), not
        counting the operator's own, which a server may date by the operator's clock; every
        other row of the ticket keeps its order (a marker, an unsent reply, a message the page
        did not hold), and the rows from there on take their own seqs in the new order."""
        dated = {
            m.message_id: (m.created_at, n)
            for n, m in enumerate(page)
            if m.ticket_id == ticket_id and m.created_at is not None
        }
        fresh = sorted(added & dated.keys(), key=dated.__getitem__)
        if not fresh:
            return
        rows: list[tuple[str, int, int]] = self._db.execute(
            "SELECT message_id, seq, own FROM messages WHERE ticket_id = ?1 AND seq >= ("
            " SELECT MIN(seq) FROM messages WHERE ticket_id = ?1"
            " AND message_id IN (SELECT value FROM json_each(?2))) ORDER BY seq",
            (ticket_id, json.dumps(list(dated))),
        ).fetchall()
        before: dict[str, list[str]] = {}  # a stored page message -> the fetched ones above it
        stored = [i for i, _, own in rows if i in dated and i not in added and not own]
        for message_id in fresh:
            anchor = next((i for i in stored if dated[i] > dated[message_id]), None)
            if anchor is not None:
                before.setdefault(anchor, []).append(message_id)
        if not before:
            return
        moving = {i for placed in before.values() for i in placed}
        order = [
            placed
            for message_id, _, _ in rows
            if message_id not in moving
            for placed in [*before.get(message_id, ()), message_id]
        ]
        seqs = {message_id: seq for message_id, seq, _ in rows}
        moves = {
            i: seq for i, seq in zip(order, sorted(seqs.values()), strict=True) if seqs[i] != seq
        }
        self._db.executemany(
            "UPDATE messages SET seq = ? WHERE message_id = ?", [(s, i) for i, s in moves.items()]
        )
        self._moved_in_memory(ticket_id, moves)

    def _moved_in_memory(self, ticket_id: str, moves: dict[str, int]) -> None:
        """The ticket's window follows rows given new seqs: it reaches down to any that moved
        below it, and reads in those that moved into it; none leaves it."""
        if ticket_id not in self._by_ticket:
            return  # only in SQLite: read back in order
        window = first = self._older.get(ticket_id)  # memory holds every row from this seq on
        for message_id, seq in moves.items():
            record = self._messages.get(message_id)
            if record is None:
                continue
            if window is not None and first is not None and record.seq >= window:
                first = min(first, seq)
            record.seq = seq
        if first is not None:  # rows that moved into the window come in
            self._hold_from(ticket_id, first)

    # ---- queries -------------------------------------------------------------------

    def whole_conversation(self, ticket_id: str) -> list[MessageRecord]:
        """Every message of the ticket the file holds, oldest first, read from SQLite (older
        history is not pulled into memory for it)."""
        rows = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM messages WHERE ticket_id = ? ORDER BY seq",
            (ticket_id,),
        )
        return self._readable(rows)

    def search(
        self, query: str, ticket_id: str | None = None, limit: int | None = None
    ) -> list[MessageRecord]:
        """Messages whose text holds every word of `query` (the last one as a prefix), newest
        stored first; of one ticket only if given; at most `limit`."""
        expression = match_expression(query, ticket_id)
        if expression is None:
            return []
        columns = ", ".join("m." + c.strip() for c in _RECORD_COLUMNS.split(","))
        sql = (
            f"SELECT {columns} FROM message_text f JOIN messages m ON m.rowid = f.rowid"
            " WHERE message_text MATCH ?1 AND (?2 IS NULL OR m.ticket_id = ?2)"
            " ORDER BY f.rowid DESC LIMIT ?3"
        )
        rows = self._db.execute(sql, (expression, ticket_id, -1 if limit is None else limit))
        return self._readable(rows)

    def ticket(self, ticket_id: str) -> TicketRecord | None:
        return self._tickets.get(ticket_id)

    def __len__(self) -> int:
        return len(self._tickets)

    def message(self, message_id: str) -> MessageRecord | None:
        """The message from memory, else from SQLite (of a ticket not in memory, or older than
        the window memory holds of it: reading it does not read its ticket in)."""
        record = self._messages.get(message_id)
        if record is not None:
            return record
        row = self._db.execute(
            f"SELECT {_RECORD_COLUMNS} FROM messages WHERE message_id = ?", (message_id,)
        ).fetchone()
        return None if row is None else next(self._read([row], counted=True), None)

    def message_ids(self, ticket_id: str) -> Sequence[str]:
        """The ticket's message ids in display order (a live view: do not modify)."""
        self._read_in(ticket_id)
        return self._by_ticket.get(ticket_id, ())

    def messages(self, ticket_id: str) -> list[MessageRecord]:
        self._read_in(ticket_id)
        return [self._messages[i] for i in self._by_ticket.get(ticket_id, ())]

    def is_mine(self, record: TicketRecord) -> bool:
        return bool(self.operator_id) and record.ticket.handle_by_id == self.operator_id

    def _ordered(self) -> list[str]:
        if self._order is None:

            def key(record: TicketRecord) -> tuple[int, datetime, str]:
                group = _queue_group(record)
                return (group, record.waiting_since or _FAR_FUTURE, record.ticket_id)

            self._order = [r.ticket_id for r in sorted(self._tickets.values(), key=key)]
        return self._order

    def in_view(self, record: TicketRecord, view: View) -> bool:
        match view:
            case View.ALL:
                return True
            case View.NEW:
                return record.is_new
            case View.MINE:
                return not record.is_closed and self.is_mine(record)
            case View.CLOSED:
                return record.is_closed
        return False

    def queue(self, view: View = View.ALL, text: str = "") -> list[str]:
        """Ticket ids in queue order: new and unread first, then longest waiting; closed last."""
        needle = text.casefold()
        result = []
        for ticket_id in self._ordered():
            record = self._tickets[ticket_id]
            if not self.in_view(record, view):
                continue
            if needle and needle not in _haystack(record):
                continue
            result.append(ticket_id)
        return result

    def counts(self) -> dict[View, int]:
        counts = dict.fromkeys(View, 0)
        for record in self._tickets.values():
            for view in View:
                if self.in_view(record, view):
                    counts[view] += 1
        return counts

    def unread_tickets(self) -> int:
        return sum(1 for r in self._tickets.values() if r.unread)

    def next_unread(self, after: str | None, view: View = View.ALL) -> str | None:
        """The next ticket in queue order with unread messages, wrapping around."""
        order = [t for t in self.queue(view) if self._tickets[t].unread]
        if not order:
            return None
        if after in order:
            return order[(order.index(after) + 1) % len(order)]
        return order[0]

    def open_tickets_of(self, owner_id: str) -> int:
        """How many tickets of this customer are not closed."""
        return sum(
            1 for r in self._tickets.values() if r.ticket.owner_id == owner_id and not r.is_closed
        )

    def next_waiting(self, after: str | None) -> str | None:
        """The first ticket in queue order, other than `after`, whose customer waits for an
        answer from this operator (or from nobody yet)."""
        for ticket_id in self._ordered():
            record = self._tickets[ticket_id]
            if ticket_id == after or record.is_closed or record.waiting_since is None:
                continue
            if record.ticket.handle_by_id in (None, "", self.operator_id):
                return ticket_id
        return None

    def oldest_new(self) -> str | None:
        """The new ticket whose customer has waited longest. New tickets come first in the
        queue's (cached) order: only those and the unread are looked at, not the whole history,
        since the reminders ask whenever the clock wakes the console."""
        new = []
        for ticket_id in self._ordered():
            record = self._tickets[ticket_id]
            if _queue_group(record) != _NEW_OR_UNREAD:
                break
            if record.is_new:
                new.append(record)
        if not new:
            return None
        oldest = min(new, key=lambda r: r.waiting_since or r.last_activity or _FAR_FUTURE)
        return oldest.ticket_id

    # ---- typing --------------------------------------------------------------------

    def typing(self, ticket_id: str, now: datetime | None = None) -> str | None:
        """Who is typing in the ticket, if the last typing event is younger than TYPING_TTL."""
        entry = self._typing.get(ticket_id)
        if entry is None:
            return None
        name, at = entry
        if (now or self.clock()) - at >= TYPING_TTL:
            return None
        return name

    def typing_expires(self) -> datetime | None:
        """When the soonest typing indicator goes out (None: nobody types)."""
        soonest = min((at for _, at in self._typing.values()), default=None)
        return None if soonest is None else soonest + TYPING_TTL

    def expire_typing(self, now: datetime | None = None) -> list[str]:
        """Forget typing older than TYPING_TTL; the tickets whose indicator just went away."""
        now = now or self.clock()
        gone = [t for t, (_, at) in self._typing.items() if now - at >= TYPING_TTL]
        for ticket_id in gone:
            del self._typing[ticket_id]
        return gone


_NEW_OR_UNREAD = 0


def _queue_group(record: TicketRecord) -> int:
    """The queue's sections in order: new or unread, the rest open, then the closed."""
    if record.is_closed and not record.unread:
        return 2
    return _NEW_OR_UNREAD if record.is_new or record.unread else 1


def _haystack(record: TicketRecord) -> str:
    t = record.ticket
    parts = (t.display_nm, t.ticket_nm, t.owner_nm, t.handle_by_nm)
    return " ".join(filter(None, parts)).casefold()
