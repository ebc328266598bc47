"""A reopened store reads a ticket's messages from SQLite when something first asks for them, not
at start: a console with 1,000 closed tickets in its history held every one's messages as models
nobody opened (benchmarks/FINDINGS.md, Jump host). What the queue shows comes from each ticket's
own row, so it must be right before any conversation is opened, and stay right across restarts.
"""

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chat_console.protocol import Message, MessageStatus, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageStatusUpdated, MessageUpdated, TicketCreated
from chat_console.store import MessageRecord, Store, Tick, View

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ME = "op-1"


def said(ticket_id: str, n: int, *, own: bool = False) -> Message:
    customer = f"cu-{ticket_id}"
    return Message(
        ticket_id=ticket_id,
        message_id=f"{ticket_id}-m{n}",
        content=f"line {n}",
        sender_id=ME if own else customer,
        recipient_id=customer if own else ME,
        created_at=T0 + timedelta(minutes=int(ticket_id[1:]), seconds=n),
    )


def history(path: Path) -> None:
    """t1 closed and read; t2 open, ours, two customer lines unread after our reply; t3 new."""
    store = Store(path, operator_id=ME)
    store.apply_batch(
        [
            TicketCreated(Ticket(ticket_id="t1", owner_id="cu-t1", status_id=TicketStatus.CLOSED)),
            TicketCreated(Ticket(ticket_id="t2", owner_id="cu-t2", handle_by_id=ME)),
            TicketCreated(Ticket(ticket_id="t3", owner_id="cu-t3")),
        ]
    )
    store.apply_batch(MessageUpdated(said("t1", n, own=n == 1)) for n in range(3))
    store.mark_ticket_read("t1")
    store.apply_batch(MessageUpdated(said("t2", n, own=n == 0)) for n in range(3))
    store.apply_batch([MessageUpdated(said("t3", 0))])
    store.close()


def records_alive() -> int:
    gc.collect()
    return sum(isinstance(o, MessageRecord) for o in gc.get_objects())


def test_a_tickets_messages_are_read_when_it_is_first_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    history(path)
    before = records_alive()
    store = Store(path, operator_id=ME)
    assert records_alive() == before  # three tickets in the queue, none of their messages
    assert list(store.message_ids("t1")) == ["t1-m0", "t1-m1", "t1-m2"]
    assert records_alive() == before + 3  # t1's, and only t1's
    assert store.message("t2-m1") is not None  # by id, as a notice about a new message asks
    assert records_alive() == before + 3  # that one row was read, not t2 with it


def test_the_queue_is_right_before_any_conversation_is_opened_and_after_restarts(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    history(path)
    store = Store(path, operator_id=ME)
    assert store.queue(View.ALL) == ["t2", "t3", "t1"] and store.queue(View.CLOSED) == ["t1"]
    assert [store.ticket(t).unread for t in ("t1", "t2", "t3")] == [0, 2, 1]  # type: ignore[union-attr]
    assert store.ticket("t2").waiting_since == T0 + timedelta(minutes=2, seconds=1)  # type: ignore[union-attr]
    # A customer line on t2 (not yet opened) goes after its history and counts as unread.
    store.apply_batch([MessageUpdated(said("t2", 3))])
    assert list(store.message_ids("t2")) == [f"t2-m{n}" for n in range(4)]
    assert store.ticket("t2").unread == 3  # type: ignore[union-attr]
    # A receipt for our line on t1, which nobody opened since the restart.
    store.close()
    store = Store(path, operator_id=ME)
    change = store.apply(MessageStatusUpdated("t1-m1", MessageStatus.READ))
    assert change is not None and change.ticket_id == "t1"
    assert store.unread_messages("t3") == [said("t3", 0)]
    assert store.mark_ticket_read("t2") == 3
    store.close()
    store = Store(path, operator_id=ME)
    assert [store.ticket(t).unread for t in ("t1", "t2", "t3")] == [0, 0, 1]  # type: ignore[union-attr]
    assert store.message("t1-m1").tick == Tick.READ  # type: ignore[union-attr]
    assert all(r.read_locally for r in store.messages("t2") if not r.own)
    assert store.unread_tickets() == 1


def test_unreadable_rows_of_an_unopened_ticket_are_counted_at_start_and_once(
    tmp_path: Path,
) -> None:
    import sqlite3

    path = tmp_path / "s.sqlite3"
    history(path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO messages (message_id, ticket_id, seq, body, own, tick, read_locally)"
            " VALUES ('bad', 't1', 100, '{\"ticketId\": \"t1\"', 0, 1, 0)"
        )
    store = Store(path, operator_id=ME)
    assert store.skipped == 1  # said in the status bar from the first frame
    assert list(store.message_ids("t1")) == ["t1-m0", "t1-m1", "t1-m2"]
    assert store.skipped == 1
