"""What a batch of received events costs the history file: one transaction, and each ticket's row
written once, however many of the batch's messages changed it (a flood on a few tickets wrote
each ticket's row once per message). What was applied is all there after a restart."""

from pathlib import Path

from chat_console.protocol import Message, Ticket
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import Store

ME = "op-1"


def _from_customer(ticket_id: str, n: int) -> MessageUpdated:
    message = Message(
        ticket_id=ticket_id, message_id=f"{ticket_id}-m{n}", sender_id="cu-1", content=f"hi {n}"
    )
    return MessageUpdated(message)


def test_a_batch_is_one_transaction_that_writes_each_ticket_once(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id=ME)
    tickets = [Ticket(ticket_id=t, owner_id="cu-1", display_nm="Carl") for t in ("t-1", "t-2")]
    store.apply_batch([TicketCreated(t) for t in tickets])
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.apply_batch([_from_customer(t, n) for n in range(10) for t in ("t-1", "t-2")])
    store._db.set_trace_callback(None)
    ticket_rows = [s for s in statements if s.startswith("INSERT OR REPLACE INTO tickets")]
    assert sorted(s.split("'")[1] for s in ticket_rows) == ["t-1", "t-2"]  # each once
    assert statements.count("COMMIT") == 1
    store.close()

    again = Store(path, operator_id=ME)
    for ticket_id in ("t-1", "t-2"):
        record = again.ticket(ticket_id)
        assert record is not None and record.unread == 10 and record.waiting_since is not None
        assert [again.message(i).message.content for i in again.message_ids(ticket_id)] == [
            f"hi {n}" for n in range(10)
        ]
    again.close()


def test_a_ticket_changed_outside_a_batch_is_written_by_the_next_commit(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t-1", owner_id="cu-1"))])
    store.apply_batch([_from_customer("t-1", 0)])
    assert store.mark_ticket_read("t-1") == 1
    store._db.close()  # no orderly close: as if the process had died right after
    again = Store(path, operator_id=ME)
    record = again.ticket("t-1")
    assert record is not None and record.unread == 0
    again.close()


def _levels_at_commits(statements: list[str], start: str) -> list[str]:
    """The synchronous level each COMMIT ran at, replaying the PRAGMAs the trace shows."""
    level, levels = start, []
    for statement in statements:
        if statement.upper().startswith("PRAGMA SYNCHRONOUS ="):
            level = statement.split("=")[1].strip().upper()
        elif statement == "COMMIT":
            levels.append(level)
    return levels


def test_what_the_server_sent_is_committed_without_waiting_for_the_disk_the_outbox_is_synced(
    tmp_path: Path,
) -> None:
    """The server keeps what it sent (a resync reads it again after the machine failed); the
    outbox and the drafts exist only here, so their commits wait for the disk as before."""
    store = Store(tmp_path / "console.sqlite3", operator_id=ME)
    (start,) = store._db.execute("PRAGMA synchronous").fetchone()
    assert start in (2, 3)  # FULL or EXTRA: the build's level for everything else
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t-1", owner_id="cu-1"))])
    store.apply_batch([_from_customer("t-1", 0)])
    reply = Message(ticket_id="t-1", message_id="r-1", sender_id=ME, recipient_id="cu-1")
    store.record_outgoing(reply)
    store.save_draft("t-1", "half a thought")
    store.mark_sent("r-1")
    store._db.set_trace_callback(None)
    assert _levels_at_commits(statements, str(start)) == ["NORMAL", "NORMAL"] + [str(start)] * 3
    assert store._db.execute("PRAGMA synchronous").fetchone() == (start,)
    store.close()
