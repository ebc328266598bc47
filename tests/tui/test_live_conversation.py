"""The conversation pane against the real server: send, ticks, receipts, typing, images."""

import base64
from datetime import timedelta
from pathlib import Path

import pytest

from chat_console.protocol import EmitEvent, ListenEvent, Message, MessageStatus, MessageType, emits
from chat_console.store import Tick
from chat_console.tui.widgets.bars import TypingLine
from chat_console.tui.widgets.transcript import Transcript
from tests.tui.conftest import Live


def screen_text(live: Live) -> str:
    transcript = live.app.main.query_one(Transcript)
    return "\n".join(
        "".join(seg.text for seg in transcript.render_line(y))
        for y in range(transcript.size.height)
    )


async def accept_and_open(live: Live, title: str = "Missing order") -> str:
    ticket = await live.open_ticket(title)
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")
    await live.pilot.press("enter")
    assert live.app.main.open_ticket_id == ticket.ticket_id
    return ticket.ticket_id


async def test_a_sent_message_goes_from_sent_to_delivered_to_read(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.pilot.press(*"Hello Carl", "enter")
    assert live.app.main.composer.text == ""
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    sent = Message.model_validate(args[0])
    assert sent.content == "Hello Carl" and sent.sender_id == "op-1"
    await live.until(lambda: live.app.store.message(sent.message_id).tick == Tick.SENT)
    assert "✓" in screen_text(live)
    assert not await live.customer.call(
        EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_delivered(sent)
    )
    await live.until(lambda: live.app.store.message(sent.message_id).tick == Tick.DELIVERED)
    assert "✓✓" in screen_text(live) and "✓✓ read" not in screen_text(live)
    assert not await live.customer.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(sent))
    await live.until(lambda: live.app.store.message(sent.message_id).tick == Tick.READ)
    assert "✓✓ read" in screen_text(live)
    assert live.app.store.outbox() == []
    assert [m.message_id for m in live.app.store.messages(tid)] == [sent.message_id]


async def test_a_refused_message_shows_failed_with_the_servers_words(live: Live) -> None:
    ticket = await live.open_ticket()  # not accepted: op1 is not a party, the server refuses
    live.believe_mine(ticket.ticket_id)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"hi", "enter")
    await live.until(lambda: any(t == "Message not sent" for t, _, _ in live.notifications()))
    (record,) = live.app.store.messages(ticket.ticket_id)
    assert record.tick == Tick.FAILED and record.error
    assert "✗ failed" in screen_text(live)
    assert live.app.store.outbox()[0][2] == "failed"


async def test_delivery_receipts_are_automatic_and_read_receipts_wait_until_shown(
    live: Live,
) -> None:
    ticket = await live.open_ticket()
    first = await live.customer_says(ticket.ticket_id, "anyone there?")
    second = await live.customer_says(ticket.ticket_id, "hello?")
    await live.customer.roundtrip()
    statuses = live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED)
    assert (first.message_id, int(MessageStatus.DELIVERED)) in statuses
    assert all(status != int(MessageStatus.READ) for _, status in statuses)
    assert live.app.store.ticket(ticket.ticket_id).unread == 2

    await live.select(ticket.ticket_id)
    live.app.app_focus = False  # the terminal reported that it lost focus: nobody sees it
    live.app.main.action_open()  # not by key: a key press would itself mean focus is back
    await live.pilot.pause()
    await live.customer.roundtrip()
    assert all(s != 3 for _, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED))

    live.app.app_focus = True
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).unread == 0)
    await live.customer.roundtrip()
    read = {m for m, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED) if s == 3}
    assert read == {first.message_id, second.message_id}

    third = await live.customer_says(ticket.ticket_id, "still here")  # arrives while shown
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).unread == 0)
    await live.customer.roundtrip()
    read = [m for m, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED) if s == 3]
    assert sorted(read) == sorted([first.message_id, second.message_id, third.message_id])


async def test_customer_typing_shows_and_goes_away_about_five_seconds_later(live: Live) -> None:
    tid = await accept_and_open(live)
    line = live.app.main.query_one(TypingLine)
    await live.customer.sio.emit(EmitEvent.TYPING, emits.typing(tid, "op-1"))
    await live.until(lambda: "is typing…" in str(line.render()))
    assert "Carl Customer is typing…" in str(line.render())
    live.clock.offset += timedelta(seconds=4)
    live.app.main.tick()
    assert "is typing…" in str(line.render())
    live.clock.offset += timedelta(seconds=2)
    live.app.main.tick()
    await live.pilot.pause()
    assert "is typing…" not in str(line.render())


async def test_operator_typing_is_sent_at_most_once_every_two_seconds(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.pilot.press(*"typing a long reply")
    await live.until(lambda: live.customer.seen(ListenEvent.TYPING))
    await live.customer.roundtrip()
    assert len(live.customer.seen(ListenEvent.TYPING)) == 1  # 19 keys, one emit
    assert live.customer.seen(ListenEvent.TYPING)[0][0] == tid
    assert live.app.typing_sent == 1


async def test_an_image_shows_its_size_and_saves_to_a_file(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platformdirs.user_downloads_dir", lambda: str(tmp_path))
    tid = await accept_and_open(live)
    picture = b"\x89PNG\r\n" + bytes(3000)
    await live.customer_says(tid, "!!not base64!!", MessageType.IMAGE)
    await live.customer_says(tid, base64.b64encode(picture).decode(), MessageType.IMAGE)
    await live.until(lambda: "[image: invalid data]" in screen_text(live))
    # In the store is not yet on screen: the batch's MessagesChanged may still be on its way.
    await live.until(lambda: "[image, 2.9 KB — press s to save]" in screen_text(live))
    await live.pilot.press("escape", "s")
    await live.until(lambda: live.app.last_saved_image is not None)
    saved = live.app.last_saved_image
    assert saved is not None and saved.parent == tmp_path and saved.read_bytes() == picture


async def test_untrusted_message_text_is_shown_literally(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, "[@click=app.quit]win[/] \x1b[2J\x9b\u202eevil")
    await live.until(lambda: "win" in screen_text(live))
    text = screen_text(live)
    assert "[@click=app.quit]win[/]" in text
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\u241b[2J" in text
    assert live.app.is_running
