"""The hostile corpus, sent by real Socket.IO peers into a running console: the app survives, the
screen shows every entry literally, and a markup action in a message does nothing when clicked.

Two senders: a customer through the reference server (which validates what it relays), and a
hostile server that sends anything at all, including what the protocol cannot read."""

import base64
import html
import re
import uuid
from typing import Any

from rich.cells import cell_len
from textual.app import App

from chat_console.protocol import EmitEvent, Ticket, emits
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from chat_console.tui.widgets.queue import QueueView
from chat_console.tui.widgets.transcript import Transcript
from tests.hostile.conftest import Hostile
from tests.hostile.corpus import CORPUS, RESTART_PAYLOADS, WIDTH_CORPUS
from tests.tui.conftest import Live

MARKUP = [entry.text for entry in CORPUS[:5]]


def screen(app: App[Any]) -> str:
    """Every character on the screen, from Textual's own screenshot (what the terminal gets)."""
    svg = app.export_screenshot()
    text = re.sub(r"<[^>]+>", "", svg.split("</style>")[-1])
    return html.unescape(text).replace("\xa0", " ")


def assert_clean(text: str) -> None:
    """No control character but newline and no bidi control survived into `text`."""
    bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F]
    bad += [c for c in text if 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069]
    assert bad == []


def row_of(widget: Transcript | QueueView, needle: str) -> tuple[int, int]:
    for y in range(widget.size.height):
        line = "".join(segment.text for segment in widget.render_line(y))
        if needle in line:
            return line.index(needle), y
    raise AssertionError(f"{needle!r} is not on screen")


async def test_the_corpus_from_a_customer_shows_literally_and_clicks_do_nothing(live: Live) -> None:
    ticket = Ticket(
        ticket_id=str(uuid.uuid4()), ticket_nm=MARKUP[0], display_nm="[link=https://e.example]L"
    )
    err = await live.customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
    assert err is None
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id) is not None)
    for entry in CORPUS:
        await live.customer_says(ticket.ticket_id, entry.text)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", "escape")
    await live.pilot.pause()

    shown = screen(live.app)
    live.app.main.transcript.scroll_to(y=0, animate=False, immediate=True)
    await live.pilot.pause()
    shown += screen(live.app)  # the conversation is taller than the pane: its top, then bottom
    assert_clean(shown)
    for entry in CORPUS:
        assert entry.shown in shown, entry.name
    # The chosen name is the ticket's quoted label (the customer is who the server says), literal.
    notice = live.notifications()[0][1]
    assert notice == "Carl Customer — [@click=app.quit]x[/] “[link=https://e.example]L”"

    for widget in (live.app.main.transcript, live.app.main.queue):
        x, y = row_of(widget, "[@click=app.quit]x")
        assert await live.pilot.click(widget, offset=(x + 1, y))
        assert await live.pilot.click(widget, offset=(x + 18, y))  # on the "x" a link would be
        await live.pilot.pause()
    assert live.app.is_running and live.app.return_code is None


async def test_a_hostile_server_costs_dropped_events_never_the_console(hostile: Hostile) -> None:
    send = hostile.send
    ticket = {"ticketId": "t-1", "ticketNm": MARKUP[3], "displayNm": "\x1b]0;pwned\x07Eve"}
    await send("ticketCreated", {**ticket, "unknownField": {"nested": [1, None]}})
    unreadable = [
        ("ticketCreated",),  # a missing argument
        ("ticketCreated", ticket, "extra"),  # one too many
        ("ticketCreated", None),  # null
        ("ticketCreated", ["t-1"]),  # a wrong type
        ("ticketStatusUpdated", "t-1", "closed"),
        ("ticketStatusUpdated", "t-1", True),
        ("messageUpdated", {"ticketId": "t-1"}),  # no messageId
        ("messageUpdated", {"ticketId": "t-1", "messageId": 7}),
        ("messageStatusUpdated", None, None),
        ("typing",),
        ("notifyOfAssignment", "t-1", 5, "x"),
        ("ticketResponded", {"ticketId": "t-1"}),
        ("noSuchEvent", "\x1b[2J"),
    ]
    for event, *args in unreadable:
        await send(event, *args)
    for n, entry in enumerate(CORPUS):
        message = {"ticketId": "t-1", "messageId": f"m-{n}", "content": entry.text}
        await send("messageUpdated", {**message, "senderId": "cu-1", "senderNm": entry.text})
    await send(
        "messageUpdated",
        {
            "ticketId": "t-1",
            "messageId": "img-bad",
            "type": 2,
            "content": "not base64 !!",
            "senderId": "cu-1",
        },
    )
    await send(
        "messageUpdated",
        {
            "ticketId": "t-1",
            "messageId": "img-ok",
            "type": 2,
            "content": base64.b64encode(b"\x89PNG").decode(),
            "senderId": "cu-1",
        },
    )
    huge = "y" * (2 * MAX_CONTENT_BYTES)
    await send(
        "messageUpdated",
        {"ticketId": "t-1", "messageId": "huge", "content": huge, "senderId": "cu-1"},
    )
    await send("typing", "t-1", "\u202eTyper\x1b[5m")
    await send("notifyOfAssignment", "t-1", 1, "[@click=app.quit]assigned")
    await hostile.until(lambda: hostile.app.store.message("huge") is not None)
    await hostile.until(lambda: hostile.app.dropped_events == len(unreadable))

    app = hostile.app
    app.main.queue.select("t-1")
    await hostile.pilot.press("enter", "escape")
    await hostile.pilot.pause()
    shown = screen(app)
    assert_clean(shown)
    assert f"dropped {len(unreadable)}" in shown
    assert "[$accent]x" in shown and "␛]0;pwned␇Eve" in shown
    assert "\\u202eTyper␛[5m is typing…" in shown
    assert "… folded (2.0 MB) — press e to show all" in shown
    await hostile.pilot.press("e")
    lines = app.main.transcript.message_text("huge")
    assert lines[-1].strip() == "✂ truncated: 1.0 MB shown of 2.0 MB received"
    assert "[image: invalid data]" in [
        line.strip() for line in app.main.transcript.message_text("img-bad")
    ]
    assert "[image, 4 B — press s to save]" in [
        line.strip() for line in app.main.transcript.message_text("img-ok")
    ]
    for title, message, _ in [(n.title, n.message, 0) for n in app._notifications]:
        assert_clean(f"{title}{message}")
    assert any(
        "[@click=app.quit]assigned" in n.message or "Eve" in n.message for n in app._notifications
    )
    assert app.is_running and app.store.ticket("t-1").ticket.ticket_nm == MARKUP[3]  # type: ignore[union-attr]


async def test_a_one_mib_message_from_a_customer_arrives_folded_and_unfolds_whole(
    live: Live,
) -> None:
    ticket = await live.open_ticket()
    message = await live.customer_says(ticket.ticket_id, "z" * MAX_CONTENT_BYTES)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", "escape")
    await live.pilot.pause()
    assert "… folded (1.0 MB) — press e to show all" in screen(live.app)
    await live.pilot.press("e")
    lines = [line.strip() for line in live.app.main.transcript.message_text(message.message_id)]
    assert sum(len(line) for line in lines[1:]) == MAX_CONTENT_BYTES  # all of it, nothing cut
    assert live.app.is_running


async def test_the_width_corpus_shows_its_stand_ins_and_every_word(hostile: Hostile) -> None:
    for payload in RESTART_PAYLOADS:
        await hostile.send(payload.event, *payload.args)
    last = f"w-{len(WIDTH_CORPUS) - 1}"
    await hostile.until(lambda: hostile.app.store.message(last) is not None)
    hostile.app.main.queue.select("t-1")
    await hostile.pilot.press("enter", "escape")
    await hostile.pilot.pause()
    shown = screen(hostile.app)
    assert_clean(shown)
    for entry in WIDTH_CORPUS:
        assert any(line in shown for line in entry.lines), entry.name
        assert not any(raw in shown for raw in entry.never_drawn), entry.name
    queue = hostile.app.main.queue
    for y in range(queue.size.height):  # every row of the queue fits its pane, as measured
        line = "".join(segment.text for segment in queue.render_line(y))
        assert cell_len(line) == queue.size.width, line
    assert hostile.app.is_running
