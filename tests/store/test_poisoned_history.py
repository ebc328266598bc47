"""What a hostile peer sends is stored so that it loads again, and a stored record that cannot be
read back (a file written by an older version) is skipped and counted, never fatal."""

import json
import sqlite3
from pathlib import Path
from typing import Any

from chat_console.protocol import ListenEvent
from chat_console.protocol.inbound import decode
from chat_console.store import Store


def deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"end": True}
    for _ in range(levels):
        value = {"a": value}
    return value


def received(store: Store, **message: object) -> None:
    body = {"ticketId": "t-1", "senderId": "cu-1", **message}
    store.apply_batch([decode(ListenEvent.MESSAGE_UPDATED, (body,))])


def test_a_lone_surrogate_and_a_deep_extra_field_load_again_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1")
    store.apply_batch(
        [decode(ListenEvent.TICKET_CREATED, ({"ticketId": "t-1", "ticketNm": "a\udfffb"},))]
    )
    received(store, messageId="m-1", content="hello \ud800 there")
    received(store, messageId="m-2", content="deep", nested=deep(250), small={"kept": [1, "x"]})
    store.close()

    again = Store(path, operator_id="op-1")
    assert again.skipped == 0
    assert again.message("m-1").message.content == "hello \\ud800 there"  # type: ignore[union-attr]
    kept = again.message("m-2").message.model_extra  # type: ignore[union-attr]
    assert kept == {"small": {"kept": [1, "x"]}}  # the 250-level field was never stored
    assert again.ticket("t-1").ticket.ticket_nm == "a\\udfffb"  # type: ignore[union-attr]


def test_unreadable_stored_records_are_skipped_and_counted(tmp_path: Path, caplog: Any) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1")
    received(store, messageId="m-ok", content="fine")
    store.close()
    # Rows as an older console wrote them: json.dumps of what the model held, unchecked.
    poisoned = [
        json.dumps({"ticketId": "t-1", "messageId": "m-bad", "content": "hello \ud800 there"}),
        '{"ticketId": "t-1", "messageId": "m-deep", "x": ' + '{"a": ' * 5000 + "1" + "}" * 5001,
        '{"ticketId": "t-1", "messageId": "m-cut", "content": "half',
        '{"ticketId": "t-1"}',
        "[" * 100_000,
    ]
    with sqlite3.connect(path) as db:
        for seq, body in enumerate(poisoned, start=10):
            db.execute(
                "INSERT INTO messages (message_id, ticket_id, seq, body, own, tick, read_locally)"
                " VALUES (?, 't-1', ?, ?, 0, 1, 0)",
                (f"row-{seq}", seq, body),
            )
        db.execute("INSERT INTO tickets VALUES ('t-2', '{\"ticketNm\": 1}', 0, NULL, NULL)")
        db.execute("INSERT INTO tickets VALUES ('t-3', '{', 0, 'soon', NULL)")

    again = Store(path, operator_id="op-1")
    assert again.message("row-12") is None  # by id, its ticket not read in: skipped, not fatal
    assert again.message("row-10").message.content == "hello \\ud800 there"  # type: ignore[union-attr]
    # m-bad reads (json.loads takes the escape; the model makes it visible): the rest cannot.
    assert [again.message(i).message.content for i in again.message_ids("t-1")] == [  # type: ignore[union-attr]
        "fine",
        "hello \\ud800 there",
    ]
    assert again.skipped == 6  # too deep, cut short, without an id, 100,000 brackets; t-2, t-3
    assert again.ticket("t-2") is None and again.ticket("t-1") is not None
    assert "skipped an unreadable stored message" in caplog.text
    assert "half" not in caplog.text  # the count and the kind, never the payload
