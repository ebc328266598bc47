"""Full-text search of the history (store/search.py): every word of the query, the last as a
prefix, case and accents set aside; the index follows every row the store writes or removes, and
a file written before the index existed gets one as it opens."""

import sqlite3
from datetime import timedelta
from pathlib import Path

from chat_console.protocol import Message, MessageType, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import Store
from tests.store.test_retention import NOW, OLD, history


def said(tid: str, mid: str, content: str, **extra: object) -> MessageUpdated:
    return MessageUpdated(
        Message.model_validate(
            {"ticketId": tid, "messageId": mid, "senderId": "cu-1", "content": content, **extra}
        )
    )


def found(store: Store, query: str, ticket_id: str | None = None) -> list[str]:
    return [r.message_id for r in store.search(query, ticket_id)]


def filled(path: Path | str = ":memory:") -> Store:
    store = Store(path, operator_id="op-1")
    store.apply_batch(
        [
            said("t1", "m1", "My Refund has not arrived"),
            said("t1", "m2", "Réfund please, line two"),
            said("t2", "m3", "refunding is slow [b]bold[/b] \x1b[31mred"),
            said("t2", "m4", "aGVsbG8gcmVmdW5k", type=int(MessageType.IMAGE)),
            said("t2", "m5", "nothing to see"),
        ]
    )
    store.add_marker("t1", "refund marker the console wrote")
    return store


def test_every_word_must_occur_the_last_as_a_prefix_whatever_the_case_and_accents() -> None:
    store = filled()
    assert found(store, "refund") == ["m3", "m2", "m1"]  # newest first
    assert found(store, "REFUND ") == ["m3", "m2", "m1"]
    assert found(store, "refund please") == ["m2"]
    assert found(store, "refund slow") == []  # only the last word is a prefix
    assert found(store, "refunding slow") == ["m3"]
    assert found(store, "refund", "t1") == ["m2", "m1"]


def test_query_syntax_is_only_text_and_images_and_markers_are_not_indexed() -> None:
    store = filled()
    for query in ('"', "-", "NEAR(", "x* OR y", "refund AND", ""):
        store.search(query)  # never a syntax error
    assert found(store, "[b]bold") == ["m3"]
    assert found(store, "aGVsbG8gcmVmdW5k") == []
    assert found(store, "marker") == []


def test_what_pruning_and_discarding_remove_is_no_longer_found() -> None:
    store = Store(operator_id="op-1", messages_per_ticket=10)
    store.apply_batch([said("t1", f"m{n}", f"word{n} common") for n in range(12)])
    assert "m0" not in found(store, "common") and found(store, "word0") == []
    assert len(found(store, "common")) == len(store.messages("t1"))
    mine = Message(ticket_id="t1", message_id="own", sender_id="op-1", content="failing reply")
    store.record_outgoing(mine)
    store.mark_failed("own", "refused")  # rewritten row: still one match
    assert found(store, "failing") == ["own"]
    store.discard("own")
    assert found(store, "failing") == []


def test_a_purged_ticket_is_not_found_and_its_words_leave_the_file(tmp_path: Path) -> None:
    store = history(tmp_path / "console.sqlite3")
    assert found(store, "4929") == ["old-1"]
    store.commit()
    store.purge(NOW - timedelta(days=30))
    assert found(store, "4929") == [] and found(store, "fresh") == ["recent-1"]
    store.close()
    on_disk = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    assert b"4929" not in on_disk and b"secret" not in on_disk


def test_a_history_written_before_the_index_gets_it_as_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    filled(path).close()
    with sqlite3.connect(path) as db:  # as a console of the previous release left it
        db.execute("DROP TABLE message_text")
        for name in ("added", "removed", "changed"):
            db.execute(f"DROP TRIGGER message_text_{name}")
    copy = Store(path, operator_id="op-1", copy_only=True)
    assert found(copy, "refund") == ["m3", "m2", "m1"]
    copy.close()
    with sqlite3.connect(path) as db:  # the copy wrote nothing
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'message_text'").fetchall()
    again = Store(path, operator_id="op-1")
    assert found(again, "refund") == ["m3", "m2", "m1"]
    again.apply_batch([said("t1", "m9", "refund at last")])
    assert found(again, "refund", "t1") == ["m9", "m2", "m1"]
    again.close()


def test_hostile_text_is_found_again_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1", clock=lambda: OLD)
    store.apply_batch(
        [
            TicketCreated(Ticket(ticket_id="t1", status_id=TicketStatus.OPEN)),
            said("t1", "m1", "lone \ud800 surrogate [red]markup[/red] \x1b]52;c;eA==\x07 osc"),
        ]
    )
    store.close()
    again = Store(path, operator_id="op-1")
    (record,) = again.search("surrogate markup osc")
    assert "\x1b]52" in record.message.content
    again.close()


def test_one_tickets_matches_are_that_tickets_alone_whatever_its_id() -> None:
    store = Store(operator_id="op-1")
    store.apply_batch(
        [said(tid, f"{tid}/m", "same words") for tid in ("a-1", "a.1", "1 a", "###", "***")]
    )
    for tid in ("a-1", "a.1", "1 a", "###", "***"):
        assert found(store, "same", tid) == [f"{tid}/m"]
    assert found(store, "same", "a") == []
