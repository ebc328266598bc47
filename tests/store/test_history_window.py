"""A reopened store reads only each ticket's newest messages; older ones come from SQLite on demand.

What must not change with the window: no message is lost or shown twice, duplicates of old
messages are still recognised, ticks and read marks reach messages outside it, and an unsent
message is in memory however old it is.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from chat_console.protocol import Message, MessageStatus, Ticket
from chat_console.protocol.inbound import MessageStatusUpdated, MessageUpdated, TicketCreated
from chat_console.store import Store, Tick
from chat_console.store.store import HISTORY_WINDOW

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ME = "op-1"
COUNT = 2 * HISTORY_WINDOW + 50


def message(n: int, *, own: bool = False) -> Message:
    return Message(
        ticket_id="t1",
        message_id=f"m{n}",
        content=f"line {n}",
        sender_id=ME if own else "cu-1",
        recipient_id="cu-1" if own else ME,
        created_at=T0 + timedelta(seconds=n),
    )


def filled(path: Path) -> None:
    store = Store(path, operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.apply_batch(MessageUpdated(message(n, own=n == 3)) for n in range(COUNT))
    store.close()


def test_a_reopened_store_holds_the_newest_window_and_reads_older_pages_on_demand(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    filled(path)
    store = Store(path, operator_id=ME)
    expected = [f"m{n}" for n in range(COUNT)]
    assert list(store.message_ids("t1")) == expected[-HISTORY_WINDOW:]
    assert store.has_older("t1")
    assert store.load_older("t1") == HISTORY_WINDOW
    assert list(store.message_ids("t1")) == expected[-2 * HISTORY_WINDOW :]
    assert store.load_older("t1") == 50 and not store.has_older("t1")
    assert list(store.message_ids("t1")) == expected
    assert store.load_older("t1") == 0


def test_messages_outside_the_window_are_still_known_ticked_and_marked_read(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.sqlite3"
    filled(path)
    store = Store(path, operator_id=ME)
    assert store.message("m0") is not None  # its ticket not read in: the one row, from SQLite
    assert store.apply(MessageUpdated(message(0))) is None  # not a new message either
    assert len(store.message_ids("t1")) == HISTORY_WINDOW
    assert "m0" not in store.message_ids("t1")  # below the window memory holds: `load_older`
    assert store.message("m0") is not None  # and still what the store has
    change = store.apply(MessageStatusUpdated("m3", MessageStatus.READ))
    assert change is not None and change.message_id == "m3"
    store.mark_ticket_read("t1")
    store.close()
    store = Store(path, operator_id=ME)
    while store.load_older("t1"):
        pass
    assert store.message("m3").tick == Tick.READ  # type: ignore[union-attr]
    customers = [store.message(f"m{n}") for n in range(COUNT) if n != 3]
    assert all(record is not None and record.read_locally for record in customers)
    assert len(store.message_ids("t1")) == COUNT


def test_an_unsent_message_is_in_memory_however_old(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = Store(path, operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.record_outgoing(message(-1, own=True))  # pending, then a long conversation
    store.apply_batch(MessageUpdated(message(n)) for n in range(COUNT))
    store.close()
    store = Store(path, operator_id=ME)
    assert [m.message_id for m in store.pending_outgoing()] == ["m-1"]
    ids = list(store.message_ids("t1"))
    assert ids[0] == "m-1" and len(ids) == COUNT + 1 and not store.has_older("t1")


def test_an_older_page_from_the_server_stays_older_after_a_restart(tmp_path: Path) -> None:
    """Pages come newest first: the older one is stored before the messages it precedes, so the
    window of a reopened store still holds the newest messages, and scrolling reads the rest."""
    path = tmp_path / "s.sqlite3"
    store = Store(path, operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.on_screen("t1")  # pages are asked for the conversation shown
    newest = range(COUNT - HISTORY_WINDOW, COUNT)
    store.load_messages("t1", [message(n) for n in newest])
    assert store.oldest_from_server("t1") == f"m{COUNT - HISTORY_WINDOW}"
    older = range(COUNT - 2 * HISTORY_WINDOW, COUNT - HISTORY_WINDOW)
    store.load_earlier("t1", [message(n) for n in older])
    expected = [f"m{n}" for n in range(COUNT - 2 * HISTORY_WINDOW, COUNT)]
    assert list(store.message_ids("t1")) == expected
    store.save_cursor("http://a", "e.7")
    store.close()

    again = Store(path, operator_id=ME)
    assert list(again.message_ids("t1")) == expected[-HISTORY_WINDOW:]
    assert again.load_older("t1") == HISTORY_WINDOW
    assert list(again.message_ids("t1")) == expected
    assert again.cursor("http://a") == "e.7" and again.cursor("http://b") is None


def _customer_line(ticket_id: str, n: int) -> Message:
    return Message(
        ticket_id=ticket_id,
        message_id=f"{ticket_id}-m{n}",
        content=f"line {n}",
        sender_id="cu-1",
        recipient_id=ME,
        created_at=T0 + timedelta(seconds=n),
    )


def test_messages_arriving_live_are_held_to_the_window_and_read_back_from_sqlite(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "s.sqlite3", operator_id=ME)
    tickets = [f"t{n}" for n in range(5)]
    store.apply_batch(TicketCreated(Ticket(ticket_id=t, owner_id="cu-1")) for t in tickets)
    for start in range(0, COUNT, 10):  # a long day: batches as the app applies them
        store.apply_batch(
            MessageUpdated(_customer_line(t, n)) for t in tickets for n in range(start, start + 10)
        )
    for ticket_id in tickets:
        assert len(store.message_ids(ticket_id)) == HISTORY_WINDOW
        assert store.has_older(ticket_id)
    assert store.apply(MessageUpdated(_customer_line("t0", 0))) is None  # still known: no double
    while store.load_older("t0"):
        pass
    assert list(store.message_ids("t0")) == [f"t0-m{n}" for n in range(COUNT)]
    store.mark_ticket_read("t0")
    assert store.ticket("t0").unread == 0  # type: ignore[union-attr]


def test_the_conversation_on_screen_keeps_what_was_scrolled_to_until_it_is_left() -> None:
    store = Store(operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t0", owner_id="cu-1"))])
    store.on_screen("t0")
    for n in range(COUNT):
        store.apply_batch([MessageUpdated(_customer_line("t0", n))])
    assert len(store.message_ids("t0")) == COUNT
    store.on_screen(None)
    assert len(store.message_ids("t0")) == HISTORY_WINDOW
    assert store.message_ids("t0")[0] == f"t0-m{COUNT - HISTORY_WINDOW}"


def test_a_server_page_landing_after_the_window_was_trimmed_is_read_back_once_in_order(
    tmp_path: Path,
) -> None:
    """Review finding: the operator scrolled to the top (an older page asked of the server),
    switched ticket (the window trimmed back), then the page landed below the gap: the ticket
    held the page twice and out of order once scrolled back."""
    store = Store(tmp_path / "s.sqlite3", operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.apply_batch(MessageUpdated(message(n)) for n in range(100, 100 + COUNT))
    store.on_screen("t1")
    while store.load_older("t1"):
        pass
    store.on_screen(None)  # left: back to its window on the next batch
    store.apply_batch([])
    assert len(store.message_ids("t1")) <= HISTORY_WINDOW
    store.load_earlier("t1", [message(n) for n in range(20)])  # the page asked for earlier
    store.on_screen("t1")
    while store.load_older("t1"):
        pass
    ids = list(store.message_ids("t1"))
    assert len(ids) == len(set(ids))
    assert ids == [f"m{n}" for n in (*range(20), *range(100, 100 + COUNT))]


def test_a_ticket_left_goes_back_to_sqlite_but_for_what_is_still_to_be_sent(
    tmp_path: Path,
) -> None:
    """The courier sends from memory: a ticket with an unsent reply stays there, with its window
    (opened again it shows what it showed, not the reply alone), when the operator moves on;
    once the server has the reply, the ticket's messages live in the file only."""
    import gc

    from chat_console.store import MessageRecord

    def in_memory() -> list[str]:
        gc.collect()
        alive = [o for o in gc.get_objects() if isinstance(o, MessageRecord)]
        return sorted(r.message_id for r in alive if r.message.ticket_id == "t1")

    store = Store(tmp_path / "s.sqlite3", operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.on_screen("t1")
    store.apply_batch(MessageUpdated(message(n)) for n in range(3))
    store.record_outgoing(message(3, own=True))
    store.apply_batch([MessageUpdated(message(4))])
    store.on_screen("t2")
    assert in_memory() == [f"m{n}" for n in range(5)]
    assert [m.message_id for m in store.pending_outgoing()] == ["m3"]
    store.on_screen("t1")
    assert list(store.message_ids("t1")) == [f"m{n}" for n in range(5)]
    store.on_screen("t2")
    store.mark_sent("m3")
    store.apply_batch([])
    assert in_memory() == []
    assert store.message("m3").tick == Tick.SENT  # type: ignore[union-attr]
    assert list(store.message_ids("t1")) == [f"m{n}" for n in range(5)]
    assert store.ticket("t1").unread == 4  # type: ignore[union-attr]


def test_a_missed_message_fetched_after_newer_ones_takes_its_written_place_in_the_window(
    tmp_path: Path,
) -> None:
    """The resync's page brings a message the link missed, dated before messages that came live
    and before the window memory holds: it stands where it was written in memory, in SQLite and
    after a restart, and the window still reaches down to it without a gap or a double."""
    path = tmp_path / "s.sqlite3"
    filled(path)
    store = Store(path, operator_id=ME)
    store.on_screen("t1")
    store.apply_batch(MessageUpdated(message(n)) for n in (COUNT + 1, COUNT + 2))  # live
    missed = message(0).model_copy(
        update={"message_id": "missed", "created_at": T0 + timedelta(seconds=200.5)}
    )
    page = [message(n) for n in range(150, 201)] + [missed]
    page += [message(n) for n in range(201, COUNT + 3)]  # the gap at COUNT: missed as well

    assert store.load_messages("t1", page)

    written = [f"m{n}" for n in range(201)] + ["missed"]
    written += [f"m{n}" for n in range(201, COUNT + 3)]
    assert list(store.message_ids("t1")) == written[written.index("missed") :]
    while store.has_older("t1"):
        store.load_older("t1")
    assert list(store.message_ids("t1")) == written
    assert [r.message_id for r in store.whole_conversation("t1")] == written
    store.close()
    again = Store(path, operator_id=ME)
    while again.has_older("t1"):
        again.load_older("t1")
    assert list(again.message_ids("t1")) == written
    again.close()


def test_a_fetched_message_moves_no_stored_one_dated_by_another_clock(tmp_path: Path) -> None:
    """The operator's clock ran five minutes ahead, and the server kept its date: their reply
    is dated after the customer's answer to it. What was shown in that order stays so, and the
    fetched message is placed by the customer's messages only."""
    store = Store(tmp_path / "s.sqlite3", operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    reply = message(300, own=True).model_copy(update={"message_id": "reply"})
    answer = message(10).model_copy(update={"message_id": "answer"})
    store.apply_batch([MessageUpdated(reply)])
    store.apply_batch([MessageUpdated(answer)])
    missed = message(5).model_copy(update={"message_id": "missed"})

    assert store.load_messages("t1", [missed, answer, reply])

    assert list(store.message_ids("t1")) == ["reply", "missed", "answer"]
    assert [r.message_id for r in store.whole_conversation("t1")] == ["reply", "missed", "answer"]
    late = message(40).model_copy(update={"message_id": "late"})  # after the answer
    assert store.load_messages("t1", [reply, late])  # a cursor resync: what changed
    order = ["reply", "missed", "answer", "late"]  # not above the reply "dated" 300
    assert [r.message_id for r in store.whole_conversation("t1")] == order


def test_only_the_fetched_message_moves_past_rows_the_page_does_not_hold(tmp_path: Path) -> None:
    """A resync's page holds what changed, not every row between: a marker, an unsent reply
    and a message that did not change stay where they stood (found in review: the page's own
    rows took each other's seqs and jumped over them)."""
    store = Store(tmp_path / "s.sqlite3", operator_id=ME)
    store.apply_batch([TicketCreated(Ticket(ticket_id="t1", owner_id="cu-1"))])
    store.apply_batch([MessageUpdated(message(10))])
    marker = store.add_marker("t1", "a line of the console's own").message_id
    store.record_outgoing(message(11, own=True))  # not on the server yet
    store.apply_batch([MessageUpdated(message(n)) for n in (12, 13)])
    missed = message(5).model_copy(update={"message_id": "missed"})

    assert store.load_messages("t1", [missed, message(10), message(13)])

    order = ["missed", "m10", marker, "m11", "m12", "m13"]
    assert list(store.message_ids("t1")) == order
    assert [r.message_id for r in store.whole_conversation("t1")] == order


def test_an_older_page_holding_a_stored_message_leaves_no_gap_in_memory(tmp_path: Path) -> None:
    """An older page is placed below everything the store holds, whatever its dates say: placed
    by date, a row of it landed inside the memory window and was then dropped from memory with
    the rest of the page, where scrolling up never reads it again (found in review)."""
    path = tmp_path / "s.sqlite3"
    filled(path)
    store = Store(path, operator_id=ME)
    store.on_screen("t1")
    assert store.has_older("t1")
    first = message(0).model_copy(update={"message_id": "x1", "created_at": T0 - timedelta(1)})
    odd = message(0).model_copy(update={"message_id": "x2", "created_at": T0 + timedelta(0, 300.5)})

    store.load_earlier("t1", [first, message(300), odd])

    while store.has_older("t1"):
        store.load_older("t1")
    assert list(store.message_ids("t1")) == [r.message_id for r in store.whole_conversation("t1")]
    assert len(store.message_ids("t1")) == COUNT + 2
