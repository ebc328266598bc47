"""Whatever a server sends, a ticket's stored history stays within its bounds: the oldest messages
go (never one still to be sent), and content over the wire's limit is stored cut, with its size."""

from pathlib import Path

from chat_console.protocol import Message, MessageStatus
from chat_console.protocol.inbound import MessageUpdated
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from chat_console.store import Store


def said(n: int, content: str = "hi") -> MessageUpdated:
    return MessageUpdated(
        Message(ticket_id="t-1", message_id=f"m-{n}", sender_id="cu-1", content=content)
    )


def test_the_oldest_messages_past_the_count_bound_are_deleted_and_stay_deleted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1", messages_per_ticket=10)
    store.record_outgoing(Message(ticket_id="t-1", message_id="mine", sender_id="op-1"))
    for n in range(25):
        store.apply_batch([said(n)])
    kept = list(store.message_ids("t-1"))
    assert len(kept) <= 10 and kept[-1] == "m-24"
    assert "mine" in kept  # unsent: the outbox still needs it
    assert store.message("m-0") is None
    store.close()

    again = Store(path, operator_id="op-1", messages_per_ticket=10)
    assert list(again.message_ids("t-1")) == kept and not again.has_older("t-1")


def test_a_flood_of_large_messages_keeps_the_file_within_the_byte_bound(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    bound = 4 * MAX_CONTENT_BYTES
    store = Store(path, operator_id="op-1", bytes_per_ticket=bound)
    for n in range(40):  # 40 MiB from one customer
        store.apply_batch([said(n, chr(ord("a") + n % 26) * MAX_CONTENT_BYTES)])
    assert 1 <= len(store.message_ids("t-1")) <= 4
    store.close()
    on_disk = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert on_disk < 3 * bound


def test_content_over_the_wire_limit_is_stored_cut_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id="op-1")
    store.apply_batch([said(1, "é" * MAX_CONTENT_BYTES)])  # 2 MiB of UTF-8
    record = store.message("m-1")
    assert record is not None and record.full_size == 2 * MAX_CONTENT_BYTES
    assert len(record.message.content.encode()) == MAX_CONTENT_BYTES
    store.close()
    again = Store(path, operator_id="op-1").message("m-1")
    assert again is not None and again.full_size == 2 * MAX_CONTENT_BYTES
    assert again.message.content == record.message.content
    assert again.message.status_id == MessageStatus.SENT
