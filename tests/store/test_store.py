from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chat_console.protocol import (
    AssignmentChange,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
)
from chat_console.protocol.inbound import (
    AssignmentNotified,
    MessageStatusUpdated,
    MessageUpdated,
    TicketAccepted,
    TicketCreated,
    TicketResponded,
    TicketStatusUpdated,
    Typing,
)
from chat_console.store import MARKER_PREFIX, ChangeKind, Store, Tick, View

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ME = "op-1"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> Store:
    return Store(":memory:", operator_id=ME, clock=clock)


def ticket(tid: str, minutes: int = 0, **fields: object) -> Ticket:
    return Ticket(
        ticket_id=tid,
        display_nm=f"Cust {tid}",
        ticket_nm=f"Issue {tid}",
        owner_id=f"cu-{tid}",
        created_at=T0 + timedelta(minutes=minutes),
        **fields,
    )


def customer_says(tid: str, mid: str, minutes: int = 0, text: str = "hi") -> MessageUpdated:
    return MessageUpdated(
        Message(
            ticket_id=tid,
            message_id=mid,
            content=text,
            sender_id=f"cu-{tid}",
            sender_nm=f"Cust {tid}",
            recipient_id=ME,
            created_at=T0 + timedelta(minutes=minutes),
        )
    )


def mine(tid: str, mid: str, minutes: int = 0) -> Message:
    return Message(
        ticket_id=tid,
        message_id=mid,
        content="hello",
        sender_id=ME,
        recipient_id=f"cu-{tid}",
        created_at=T0 + timedelta(minutes=minutes),
    )


def test_the_same_message_id_twice_shows_once(store: Store) -> None:
    store.apply(TicketCreated(ticket("a")))
    assert store.apply(customer_says("a", "m1")) is not None
    assert store.apply(customer_says("a", "m1")) is None
    assert [r.message_id for r in store.messages("a")] == ["m1"]
    assert store.ticket("a").unread == 1  # type: ignore[union-attr]


def test_queue_puts_new_and_unread_first_then_longest_waiting(store: Store) -> None:
    store.apply_batch(
        [
            TicketCreated(ticket("open-old", 0, status_id=TicketStatus.OPEN)),
            TicketCreated(ticket("new-late", 10)),
            TicketCreated(ticket("new-early", 5)),
            TicketCreated(ticket("closed", -5, status_id=TicketStatus.CLOSED)),
            TicketCreated(ticket("open-unread", 20, status_id=TicketStatus.OPEN)),
        ]
    )
    store.apply(customer_says("open-unread", "m", 30))
    assert store.queue() == ["new-early", "new-late", "open-unread", "open-old", "closed"]


def test_an_answer_stops_the_waiting_clock_and_the_next_customer_message_restarts_it(
    store: Store,
) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN)))
    store.apply(customer_says("a", "m1", 3))
    store.apply(customer_says("a", "m2", 4))
    assert store.ticket("a").waiting_since == T0  # type: ignore[union-attr]
    store.record_outgoing(mine("a", "o1", 5))
    assert store.ticket("a").waiting_since == T0  # type: ignore[union-attr]  # not sent yet
    store.mark_sent("o1")
    assert store.ticket("a").waiting_since is None  # type: ignore[union-attr]
    store.apply(customer_says("a", "m3", 7))
    assert store.ticket("a").waiting_since == T0 + timedelta(minutes=7)  # type: ignore[union-attr]


def test_a_reply_that_fails_leaves_waiting_time_and_queue_order_as_they_were(
    store: Store,
) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN)))
    store.apply(TicketCreated(ticket("b", status_id=TicketStatus.OPEN)))
    store.apply(customer_says("b", "m1", 3))
    store.apply(customer_says("a", "m2", 4))
    order, waiting = store.queue(), store.ticket("b").waiting_since  # type: ignore[union-attr]
    assert waiting is not None
    store.record_outgoing(mine("b", "o1", 5))
    store.mark_failed("o1", "not yours: only the ticket's owner or handler may write")
    assert store.ticket("b").waiting_since == waiting  # type: ignore[union-attr]
    assert store.queue() == order


def test_counts_per_view_and_status_bar_numbers(store: Store) -> None:
    store.apply_batch(
        [
            TicketCreated(ticket("n1")),
            TicketCreated(ticket("n2")),
            TicketCreated(ticket("m", status_id=TicketStatus.OPEN, handle_by_id=ME)),
            TicketCreated(ticket("o", status_id=TicketStatus.OPEN, handle_by_id="op-2")),
            TicketCreated(ticket("c", status_id=TicketStatus.CLOSED, handle_by_id=ME)),
        ]
    )
    store.apply(customer_says("m", "x"))
    counts = store.counts()
    assert counts == {View.ALL: 5, View.NEW: 2, View.MINE: 1, View.CLOSED: 1}
    assert store.unread_tickets() == 1
    assert store.queue(View.MINE) == ["m"]
    assert store.queue(text="cust N2") == ["n2"]


def test_status_and_accept_events_move_tickets_between_views(store: Store) -> None:
    store.apply(TicketCreated(ticket("a")))
    accepted = ticket("a", status_id=TicketStatus.OPEN, handle_by_id=ME, handle_by_nm="Olivia")
    change = store.apply(TicketAccepted(accepted))
    assert change is not None and change.kind == ChangeKind.TICKET_UPDATED
    assert store.queue(View.MINE) == ["a"] and store.queue(View.NEW) == []
    store.apply(TicketStatusUpdated("a", TicketStatus.CLOSED))
    assert store.queue(View.CLOSED) == ["a"] and store.queue(View.MINE) == []
    assert store.apply(TicketStatusUpdated("a", TicketStatus.CLOSED)) is None


def test_assignment_to_me_and_away(store: Store) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN, handle_by_id="op-2")))
    change = store.apply(AssignmentNotified("a", AssignmentChange.ASSIGNED, "Cust a"))
    assert change is not None and change.kind == ChangeKind.ASSIGNED_TO_ME
    assert store.queue(View.MINE) == ["a"]
    change = store.apply(AssignmentNotified("a", AssignmentChange.TAKEN_AWAY, "Cust a"))
    assert change is not None and change.kind == ChangeKind.TAKEN_AWAY
    assert store.queue(View.MINE) == []


def test_the_oldest_new_ticket_is_found_among_unread_open_and_closed_ones(store: Store) -> None:
    store.apply_batch(
        [
            *(TicketCreated(ticket(f"c{i}", -i, status_id=TicketStatus.CLOSED)) for i in range(5)),
            TicketCreated(ticket("open-unread", -30, status_id=TicketStatus.OPEN)),
            customer_says("open-unread", "m1", -30),
            customer_says("c3", "m2", -40),  # a closed ticket written on again: unread
            TicketCreated(ticket("new-late", 10)),
            TicketCreated(ticket("new-early", 5)),
        ]
    )
    assert store.oldest_new() == "new-early"
    store.apply(TicketStatusUpdated("new-early", TicketStatus.OPEN))
    assert store.oldest_new() == "new-late"
    store.apply(TicketStatusUpdated("new-late", TicketStatus.CLOSED))
    assert store.oldest_new() is None


def test_typing_expires_at_the_soonest_indicators_end(store: Store, clock: Clock) -> None:
    assert store.typing_expires() is None
    store.apply_batch([TicketCreated(ticket("a")), TicketCreated(ticket("b"))])
    store.apply(Typing("a", "Carl"))
    clock.now += timedelta(seconds=2)
    store.apply(Typing("b", "Bea"))
    assert store.typing_expires() == T0 + timedelta(seconds=5)
    clock.now += timedelta(seconds=3)
    store.expire_typing()
    assert store.typing_expires() == T0 + timedelta(seconds=7)


def test_typing_shows_for_five_seconds_and_a_message_ends_it(store: Store, clock: Clock) -> None:
    store.apply(TicketCreated(ticket("a")))
    store.apply(Typing("a", "Carl"))
    clock.now += timedelta(seconds=4.9)
    assert store.typing("a") == "Carl"
    clock.now += timedelta(seconds=0.2)
    assert store.typing("a") is None
    assert store.expire_typing() == ["a"]
    store.apply(Typing("a", "Carl"))
    store.apply(customer_says("a", "m"))
    assert store.typing("a") is None


def test_own_message_ticks_advance_and_never_go_back(store: Store) -> None:
    store.apply(TicketCreated(ticket("a")))
    store.record_outgoing(mine("a", "o1"))
    assert store.message("o1").tick == Tick.PENDING  # type: ignore[union-attr]
    assert store.outbox() == [("o1", "a", "pending", None)]
    store.apply(MessageStatusUpdated("o1", MessageStatus.DELIVERED))
    store.mark_sent("o1")  # a late ack after the delivery receipt
    assert store.message("o1").tick == Tick.DELIVERED  # type: ignore[union-attr]
    assert store.outbox() == []
    store.apply(MessageStatusUpdated("o1", MessageStatus.READ))
    assert store.message("o1").tick == Tick.READ  # type: ignore[union-attr]
    assert store.apply(MessageStatusUpdated("o1", MessageStatus.DELIVERED)) is None


def test_failed_send_keeps_the_servers_words_and_stays_in_the_outbox(store: Store) -> None:
    store.apply(TicketCreated(ticket("a")))
    store.record_outgoing(mine("a", "o1"))
    store.mark_failed("o1", "ticket is closed")
    record = store.message("o1")
    assert record is not None and record.tick == Tick.FAILED and record.error == "ticket is closed"
    assert store.outbox() == [("o1", "a", "failed", "ticket is closed")]


def test_receipts_for_customer_messages_do_not_make_ticks(store: Store) -> None:
    store.apply(customer_says("a", "m"))
    assert store.apply(MessageStatusUpdated("m", MessageStatus.READ)) is None


def test_mark_read_and_ticket_responded_clear_unread(store: Store) -> None:
    store.apply(TicketCreated(ticket("a")))
    store.apply(customer_says("a", "m1"))
    store.apply(customer_says("a", "m2"))
    assert store.mark_ticket_read("a") == 2
    assert store.mark_ticket_read("a") == 0
    store.apply(customer_says("a", "m3"))
    change = store.apply(TicketResponded("a"))
    assert change is not None and store.ticket("a").unread == 0  # type: ignore[union-attr]


def test_next_unread_wraps_around(store: Store) -> None:
    for tid, minute in (("a", 1), ("b", 2), ("c", 3)):
        store.apply(TicketCreated(ticket(tid, minute, status_id=TicketStatus.OPEN)))
    store.apply(customer_says("a", "ma", 1))
    store.apply(customer_says("c", "mc", 3))
    assert store.next_unread(None) == "a"
    assert store.next_unread("a") == "c"
    assert store.next_unread("c") == "a"


def test_a_message_for_an_unknown_ticket_makes_a_placeholder(store: Store) -> None:
    store.apply(customer_says("zz", "m"))
    record = store.ticket("zz")
    assert record is not None and record.ticket.display_nm == "Cust zz" and record.unread == 1


def test_file_store_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "s.sqlite3"
    first = Store(path, operator_id=ME, clock=clock)
    first.apply_batch([TicketCreated(ticket("a")), customer_says("a", "m1")])
    first.record_outgoing(mine("a", "o1"))
    first.close()
    second = Store(path, operator_id=ME, clock=clock)
    assert second.queue() == ["a"]
    assert [r.message_id for r in second.messages("a")] == ["m1", "o1"]
    assert second.message("o1").tick == Tick.PENDING  # type: ignore[union-attr]
    assert second.ticket("a").unread == 1  # type: ignore[union-attr]
    assert second.apply(customer_says("a", "m1")) is None


def test_a_partial_ticket_update_keeps_what_it_leaves_out(store: Store) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN, handle_by_id=ME)))
    partial = Ticket.model_validate({"ticketId": "a", "handleByNm": "Olivia"})
    store.apply(TicketAccepted(partial))
    record = store.ticket("a")
    assert record is not None
    assert record.ticket.status_id is TicketStatus.OPEN  # not the model's default NEW
    assert record.ticket.handle_by_id == ME and record.ticket.handle_by_nm == "Olivia"


def test_another_operators_message_is_an_answer_not_unread(store: Store) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN, handle_by_id=ME)))
    store.apply(customer_says("a", "m1", minutes=1))
    store.mark_ticket_read("a")
    colleague = Message(
        ticket_id="a",
        message_id="m2",
        content="Oscar here",
        sender_id="op-2",
        recipient_id="cu-a",
        created_at=T0 + timedelta(minutes=2),
    )
    store.apply(MessageUpdated(colleague))
    record = store.ticket("a")
    assert record is not None and record.unread == 0 and record.waiting_since is None


def test_a_colleagues_ticket_handed_back_is_noted_once_with_their_name(store: Store) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN, handle_by_id=ME)))
    hostile = "Oscar [b]Other[/b]\x1b[2J"
    taken = ticket("a", status_id=TicketStatus.OPEN, handle_by_id="op-2", handle_by_nm=hostile)
    store.apply(TicketAccepted(taken))
    assert store.take_handback("a") is None  # taken away: nothing to catch up on yet
    store.apply(AssignmentNotified("a", AssignmentChange.ASSIGNED, "Issue a"))
    assert store.take_handback("a") == hostile
    assert store.take_handback("a") is None


def test_a_marker_line_survives_a_restart_and_is_neither_unread_nor_waiting(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "s.sqlite3"
    before = Store(path, operator_id=ME, clock=clock)
    before.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN, handle_by_id=ME)))
    before.record_outgoing(mine("a", "o1", 1))
    before.mark_sent("o1")
    text = "— while Oscar [b]Other[/b]\x1b[2J handled this ticket, messages were not shown here —"
    before.add_marker("a", text)
    before.save_draft("a", "half \x1b a reply")
    before.close()

    after = Store(path, operator_id=ME, clock=clock)
    (_, marker) = after.messages("a")
    assert marker.message.content == text and not marker.own and marker.note
    record = after.ticket("a")
    assert record is not None and record.unread == 0 and record.waiting_since is None
    assert after.unread_messages("a") == []
    assert after.draft("a") == "half \x1b a reply"


def test_a_server_message_with_the_markers_id_prefix_is_no_marker_across_a_restart(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "s.sqlite3"
    before = Store(path, operator_id=ME, clock=clock)
    before.apply(TicketCreated(ticket("a")))
    before.apply(customer_says("a", f"{MARKER_PREFIX}forged", text="— not shown here —"))
    assert not before.messages("a")[0].note
    before.close()
    after = Store(path, operator_id=ME, clock=clock)
    (forged,) = after.messages("a")
    assert not forged.note and forged.message.content == "— not shown here —"
    record = after.ticket("a")
    assert record is not None and record.unread == 1  # a customer's message, unread as any


def test_a_reply_seen_delivered_before_its_ack_stops_the_waiting_clock(store: Store) -> None:
    store.apply(TicketCreated(ticket("a", status_id=TicketStatus.OPEN)))
    store.apply(customer_says("a", "m1", 3))
    store.record_outgoing(mine("a", "o1", 5))
    store.apply(MessageStatusUpdated("o1", MessageStatus.DELIVERED))  # the ack was lost
    assert store.ticket("a").waiting_since is None  # type: ignore[union-attr]
    store.mark_sent("o1")
    assert store.ticket("a").waiting_since is None  # type: ignore[union-attr]


SILENCE = "no answer from the server within 10 s (3 tries)"


def test_why_a_message_failed_survives_a_restart(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "s.sqlite3"
    first = Store(path, operator_id=ME, clock=clock)
    first.apply(TicketCreated(ticket("a")))
    first.record_outgoing(mine("a", "refused"))
    first.record_outgoing(mine("a", "silent", 1))
    first.mark_failed("refused", "ticket is closed")
    first.mark_failed("silent", SILENCE, unanswered=True)
    first.close()
    second = Store(path, operator_id=ME, clock=clock)
    assert second.surely_not_on_server("refused")
    assert not second.surely_not_on_server("silent")  # its ack may have been lost on the way
    second.mark_pending("silent")
    assert not second.surely_not_on_server("silent")  # pending: not a failure at all


def test_failures_stored_before_they_said_why_count_as_maybe_on_the_server(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "s.sqlite3"
    first = Store(path, operator_id=ME, clock=clock)
    first.apply(TicketCreated(ticket("a")))
    for n, mid in enumerate(("refused", "silent", "wordless")):
        first.record_outgoing(mine("a", mid, n))
    first.mark_failed("refused", "not yours: only the ticket's owner or handler may write")
    first.mark_failed("silent", SILENCE)
    first.mark_failed("wordless", "")
    first._db.execute("UPDATE outbox SET error = NULL WHERE message_id = 'wordless'")
    first._db.execute("ALTER TABLE outbox DROP COLUMN unanswered")  # as older versions wrote it
    first.close()
    second = Store(path, operator_id=ME, clock=clock)
    assert second.surely_not_on_server("refused")
    assert not second.surely_not_on_server("silent")
    assert not second.surely_not_on_server("wordless")
    second.close()
    assert Store(path, operator_id=ME, clock=clock).surely_not_on_server("refused")


@pytest.mark.parametrize("status", [MessageStatus.SENT, MessageStatus.DELIVERED])
def test_the_servers_copy_of_a_failed_message_lifts_the_failure(
    tmp_path: Path, clock: Clock, status: MessageStatus
) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path, operator_id=ME, clock=clock)
    store.apply(TicketCreated(ticket("a")))
    store.record_outgoing(mine("a", "o1"))
    store.mark_failed("o1", SILENCE, unanswered=True)
    copy = mine("a", "o1").model_copy(update={"status_id": status})
    change = store.apply(MessageUpdated(copy))
    assert change is not None and change.kind == ChangeKind.MESSAGE_STATUS
    record = store.message("o1")
    assert record is not None and (record.tick, record.error) == (Tick(int(status)), None)
    assert store.outbox() == [] and store.failed_outgoing("a") == []
    store.close()
    again = Store(path, operator_id=ME, clock=clock).message("o1")
    assert again is not None and (again.tick, again.error) == (Tick(int(status)), None)
