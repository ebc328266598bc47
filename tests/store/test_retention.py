"""Retention: closed tickets last seen more than keep_days ago leave the history file, with their
messages, the console's markers and drafts; a ticket with anything in the outbox never does."""

from datetime import timedelta
from pathlib import Path

from chat_console.protocol import Message, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import Purged, Store
from chat_console.tui.sample_data import fixed_clock

NOW = fixed_clock()
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=5)
SECRET = "my card number is 4929-SECRET-7781"


def ticket(tid: str, status: TicketStatus, at: object) -> TicketCreated:
    return TicketCreated(
        Ticket(ticket_id=tid, status_id=status, created_at=at, owner_id="cu-1", owner_nm="Carl")
    )


def said(tid: str, n: int, content: str, at: object) -> MessageUpdated:
    return MessageUpdated(
        Message(
            ticket_id=tid, message_id=f"{tid}-{n}", sender_id="cu-1", content=content, created_at=at
        )
    )


def history(path: Path) -> Store:
    store = Store(path, operator_id="op-1", clock=lambda: OLD)
    closed, open_ = TicketStatus.CLOSED, TicketStatus.OPEN
    store.apply_batch(
        [
            ticket("old", closed, OLD),
            said("old", 1, SECRET, OLD),
            ticket("old-failed", closed, OLD),
            ticket("old-pending", closed, OLD),
            ticket("recent", closed, OLD),
            said("recent", 1, "still fresh", RECENT),  # closed, but it moved 5 days ago
            ticket("old-open", open_, OLD),
        ]
    )
    store.add_marker("old", "— 3 messages the server did not keep —")
    store.save_draft("old", "a reply never sent")
    for tid in ("old-failed", "old-pending"):
        store.record_outgoing(
            Message(ticket_id=tid, message_id=f"{tid}-mine", sender_id="op-1", created_at=OLD)
        )
    store.mark_failed("old-failed-mine", "refused")
    return store


def test_old_closed_tickets_go_with_their_messages_markers_and_drafts_and_stay_gone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console.sqlite3"
    store = history(path)
    assert store.purge(NOW - timedelta(days=30)) == Purged(tickets=1, messages=2, drafts=1)
    assert store.ticket("old") is None and store.messages("old") == []
    assert store.queue() and "old" not in store.queue()
    store.close()

    again = Store(path, operator_id="op-1")
    assert sorted(again.queue()) == ["old-failed", "old-open", "old-pending", "recent"]
    assert again.messages("old") == [] and again.draft("old") == ""
    assert [m for (m, *_) in again.outbox()] == ["old-failed-mine", "old-pending-mine"]
    assert again.purge(NOW - timedelta(days=30)) == Purged()  # nothing more to take
    again.close()


def test_what_was_purged_is_not_left_readable_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = history(path)
    store.commit()
    store.purge(NOW - timedelta(days=30))
    store.close()
    on_disk = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert SECRET.encode() not in on_disk and b"a reply never sent" not in on_disk


def on_disk(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir())


def test_vacuum_gives_the_space_back(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1", clock=lambda: OLD)
    store.apply_batch([ticket("old", TicketStatus.CLOSED, OLD)])
    store.apply_batch([said("old", n, "x" * 4000, OLD) for n in range(500)])
    store.commit()
    full = on_disk(tmp_path)
    store.purge(NOW - timedelta(days=30))
    store.vacuum()
    assert on_disk(tmp_path) < full / 10
    store.close()


def test_a_copy_only_store_never_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    history(path).close()
    before = path.read_bytes()
    copy = Store(path, operator_id="op-1", copy_only=True)
    assert sorted(copy.queue()) == ["old", "old-failed", "old-open", "old-pending", "recent"]
    copy.apply_batch([said("recent", 2, "live, shown, not kept", NOW)])
    copy.save_draft("recent", "typed in the second console")
    copy.purge(NOW)
    copy.close()
    assert path.read_bytes() == before
    wal = Path(f"{path}-wal")  # a reader of a WAL file makes it (and the -shm index), empty
    assert not wal.exists() or wal.read_bytes() == b""
