"""The composer against the real server: replies over several lines, $EDITOR, the size against
the limit near it, and ↑ taking back the last message that has not gone out."""

import ast
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events

from chat_console.client import Backoff, OperatorClient
from chat_console.protocol import ListenEvent, Message
from chat_console.protocol.compose import message_to_customer
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from chat_console.store import Store, Tick
from tests.tui.conftest import Live
from tests.tui.sample import ME, fixed_clock, store_app
from tests.tui.test_drafts import two_tickets
from tests.tui.test_live_conversation import accept_and_open, screen_text
from tests.tui.test_reconnect import not_sent, status_text

# ---- several lines -------------------------------------------------------------------------


async def test_ctrl_j_and_shift_enter_start_lines_and_enter_sends_them_all(live: Live) -> None:
    tid = await accept_and_open(live)
    composer = live.app.main.composer
    await live.pilot.press(*"Hello Carl,", "ctrl+j", *"your parcel left today.")
    await live.pilot.press("shift+enter", *"Olivia")
    assert composer.text == "Hello Carl,\nyour parcel left today.\nOlivia"
    assert live.app.store.draft(tid) == composer.text
    await live.pilot.pause()
    assert composer.outer_size.height == 3 + 2  # three lines inside its border
    await live.pilot.press("enter")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).content == "Hello Carl,\nyour parcel left today.\nOlivia"
    assert composer.text == "" and live.app.store.draft(tid) == ""
    await live.pilot.pause()
    assert composer.outer_size.height == 1 + 2
    lines = [line.strip("▎ ") for line in screen_text(live).splitlines()]
    start = next(i for i, line in enumerate(lines) if line.endswith("Hello Carl,"))
    assert lines[start + 1 : start + 3] == ["your parcel left today.", "Olivia"]


@pytest.mark.parametrize(("rows", "most"), [(24, 5), (60, 16)])
async def test_the_composer_grows_to_a_part_of_the_terminal_then_scrolls(
    rows: int, most: int
) -> None:
    app = store_app()
    async with app.run_test(size=(100, rows)) as pilot:
        app.main.queue.select("t1")
        await pilot.press("enter")
        for n in range(30):
            await pilot.press(*f"line {n}", "ctrl+j")
        composer = app.main.composer
        await pilot.pause()
        assert composer.outer_size.height == most + 2
        assert composer.cursor_location == (30, 0)
        assert composer.scroll_y == composer.max_scroll_y > 0  # the cursor's line in sight
        assert app.main.transcript.size.height > 0


async def test_a_draft_over_several_lines_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    app = store_app(two_tickets(path))
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.queue.select("t-a")
        await pilot.press("enter", *"first", "ctrl+j", "ctrl+j", *"third")
    app.store.close()
    again = store_app(Store(path, operator_id=ME.user_id, clock=fixed_clock))
    async with again.run_test(size=(100, 30)) as pilot:
        again.main.queue.select("t-a")
        await pilot.press("enter")
        assert again.main.composer.text == "first\n\nthird"
        assert again.main.composer.cursor_location == (2, len("third"))


async def test_the_recipient_in_the_empty_composer_is_never_read_as_markup(
    tmp_path: Path,
) -> None:
    app = store_app(two_tickets(tmp_path / "console.sqlite3"))
    async with app.run_test(size=(120, 30)) as pilot:
        app.main.queue.select("t-b")
        await pilot.press("enter")
        await pilot.pause()
        composer = app.main.composer
        shown = "".join(seg.text for seg in composer.render_line(0))
        assert "Reply to Dora · [b]Change address[/b] — Enter sends" in shown


async def test_a_reply_expands_on_a_later_line_with_the_cursor_on_its_first_blank(
    live_factory: Callable[..., Any], tmp_path: Path
) -> None:
    folder = tmp_path / "replies"
    folder.mkdir()
    (folder / "order.md").write_text("Your order {order_id}\nships {date}.")
    async with live_factory(replies_dir=folder) as live:
        await accept_and_open(live)
        await live.pilot.press(*"Hi,", "ctrl+j", *"::ord", "tab")
        composer = live.app.main.composer
        assert composer.text == "Hi,\nYour order {order_id}\nships {date}."
        assert composer.cursor_location == (1, len("Your order "))
        composer.put_back("")
        await live.pilot.press(*"Hi,", "ctrl+j", *"and ", "ctrl+t", *"ord", "enter")
        assert composer.text == "Hi,\nand Your order {order_id}\nships {date}."
        assert composer.cursor_location == (1, len("and Your order "))


# ---- $EDITOR -------------------------------------------------------------------------------

EDITOR = """\
import os, stat, sys
path = sys.argv[-1]
folder = os.path.dirname(path)
with open(sys.argv[1], "w") as seen:
    seen.write(repr((sys.argv[2:-1], path, oct(stat.S_IMODE(os.stat(path).st_mode)),
                     oct(stat.S_IMODE(os.stat(folder).st_mode)), open(path).read())))
with open(path, "w") as reply:
    reply.write("Dear Carl,\\nit is on its way.\\n")
"""


def read(path: Path) -> str:
    return path.read_text()


def exists(path: Path) -> bool:
    return path.exists()


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """$EDITOR as a real program with arguments; it notes what it was given in `seen`."""
    script = tmp_path / "edit.py"
    script.write_text(EDITOR)
    seen = tmp_path / "seen"
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {seen} --wait")
    return seen


async def test_ctrl_e_edits_the_reply_in_the_editor_and_brings_it_back(
    live: Live, editor: Path
) -> None:
    tid = await accept_and_open(live)
    await live.pilot.press(*"Dear Carl,", "ctrl+j", *"it is")
    await live.pilot.press("ctrl+e")
    args, path, mode, folder_mode, given = ast.literal_eval(read(editor))
    assert args == ["--wait"]  # the editor's own arguments, split as a shell would
    assert given == "Dear Carl,\nit is\n"
    assert (mode, folder_mode) == ("0o600", "0o700")  # the customer's data stays the operator's
    assert not exists(Path(path).parent)  # deleted once the editor is done
    composer = live.app.main.composer
    assert composer.text == "Dear Carl,\nit is on its way."  # one trailing newline fewer
    assert live.app.store.draft(tid) == composer.text
    assert composer.cursor_location == (1, len("it is on its way."))
    assert composer.has_focus
    await live.pilot.press("enter")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).content == "Dear Carl,\nit is on its way."


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (f"{sys.executable} -c 'import sys; sys.exit(3)'", f"{sys.executable} exited with 3"),
        ("/nonexistent/editor", "cannot run /nonexistent/editor: No such file or directory"),
    ],
)
async def test_an_editor_that_fails_or_is_missing_says_so_and_keeps_the_draft(
    live: Live, monkeypatch: pytest.MonkeyPatch, command: str, words: str
) -> None:
    monkeypatch.setenv("VISUAL", command)  # $VISUAL comes before $EDITOR
    monkeypatch.setenv("EDITOR", "/bin/true")
    tid = await accept_and_open(live)
    await live.pilot.press(*"half", "ctrl+e")
    assert ("Editor", f"{words}: the reply is as it was", "error") in live.notifications()
    assert live.app.main.composer.text == "half" and live.app.store.draft(tid) == "half"


# ---- the size against the limit -----------------------------------------------------------


async def test_near_the_limit_the_border_shows_the_size_and_over_it_enter_says_why(
    live: Live,
) -> None:
    tid = await accept_and_open(live)
    composer = live.app.main.composer
    line = "x" * 99 + "\n"
    composer.put_back(line * (MAX_CONTENT_BYTES * 79 // 100 // 100))
    await live.pilot.press("é")  # two bytes
    assert composer.border_subtitle == ""  # under 80 %: nothing to say
    composer.put_back(line * (MAX_CONTENT_BYTES * 81 // 100 // 100))
    await live.pilot.press("é")
    await live.pilot.pause()
    assert composer.border_subtitle == "849,302 / 1,048,576 bytes"
    assert not composer.has_class("-over-limit")
    composer.put_back(line * (MAX_CONTENT_BYTES // 100) + "x" * (MAX_CONTENT_BYTES % 100))
    await live.pilot.press(*"éé")
    await live.pilot.pause()
    assert composer.border_subtitle == "1,048,580 / 1,048,576 bytes"
    assert composer.has_class("-over-limit")  # drawn in the error colour (app.tcss)
    await live.pilot.press("enter")
    assert not_sent(live)[-1] == (
        "the message is too large: 1,048,580 bytes, the limit is 1,048,576"
    )
    assert not live.app.store.message_ids(tid)
    await live.pilot.press("backspace", "backspace")
    await live.pilot.pause()
    assert not composer.has_class("-over-limit")
    assert composer.border_subtitle == "1,048,576 / 1,048,576 bytes"


# ---- ↑: the last message that has not gone out ----------------------------------------------


async def test_up_in_the_empty_composer_takes_back_a_failed_message(live: Live) -> None:
    ticket = await live.open_ticket()  # not accepted: the server refuses op-1's messages
    live.believe_mine(ticket.ticket_id)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"helo", "ctrl+j", *"Carl", "enter")
    await live.until(lambda: live.app.store.failed_outgoing(ticket.ticket_id) != [])
    (failed,) = live.app.store.failed_outgoing(ticket.ticket_id)
    await live.until(lambda: "✗ failed" in screen_text(live))
    await live.pilot.press("up")
    composer = live.app.main.composer
    assert composer.text == "helo\nCarl"
    assert composer.cursor_location == (1, len("Carl"))
    assert live.app.store.draft(ticket.ticket_id) == "helo\nCarl"
    assert live.app.store.message(failed) is None and live.app.store.outbox() == []
    await live.until(lambda: "✗ failed" not in screen_text(live))


async def test_up_takes_back_a_message_never_sent_and_only_the_edit_goes(live: Live) -> None:
    tid = await accept_and_open(live)
    client = live.app.client
    assert isinstance(client, OperatorClient)
    client.supervisor.backoff = Backoff(first=30.0, ceiling=30.0, jitter=0.0)
    await live.server.drop_connections("op-1")
    await live.until(lambda: "reconnecting in" in status_text(live))
    await live.pilot.press(*"are you there", "enter")
    (pending,) = live.app.store.messages(tid)
    assert pending.tick == Tick.PENDING

    await live.pilot.press("up")
    assert live.app.main.composer.text == "are you there"
    assert live.app.store.outbox() == [] and live.app.store.messages(tid) == []
    await live.pilot.press(*"?", "enter", "escape", "r")  # the edit; the link back now
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).content == "are you there?"
    await live.until(lambda: live.app.store.outbox() == [])
    await live.customer.roundtrip()
    contents = [a[0]["content"] for a in live.customer.seen(ListenEvent.MESSAGE_UPDATED)]
    assert contents == ["are you there?"]  # the one taken back never went


async def failed_unanswered(live: Live, tid: str, content: str) -> str:
    """An own message failed after its silences: the server may have it (its ack lost)."""
    client = live.app.client
    assert isinstance(client, OperatorClient)
    record = live.app.store.ticket(tid)
    assert record is not None
    message = message_to_customer(
        record.ticket, client.user, content, created_at=live.app.store.clock()
    )
    live.app.store.record_outgoing(message)  # not the courier's: it must not go out meanwhile
    silence = "no answer from the server within 10 s (3 tries)"
    live.app.store.mark_failed(message.message_id, silence, unanswered=True)
    live.app.main.transcript.messages_changed()
    await live.until(lambda: "✗ failed" in screen_text(live))
    return message.message_id


async def test_up_leaves_a_message_failed_unanswered_and_says_it_may_be_on_the_server(
    live: Live,
) -> None:
    tid = await accept_and_open(live)
    failed = await failed_unanswered(live, tid, "your refund is on its way")
    await live.pilot.press("up")
    assert live.app.main.composer.text == ""
    words = "it may already be on the server: ctrl+r sends it again as it is, never twice"
    assert ("Not taken back", words, "error") in live.notifications()
    assert live.app.store.failed_outgoing(tid) == [failed]

    await live.pilot.press("ctrl+r")  # the same messageId: the server keeps it once
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).message_id == failed
    await live.until(lambda: live.app.store.outbox() == [])


async def test_discarding_a_message_failed_unanswered_says_it_may_be_on_the_server(
    live: Live,
) -> None:
    tid = await accept_and_open(live)
    failed = await failed_unanswered(live, tid, "your refund is on its way")
    await live.pilot.press("alt+x")
    assert live.app.store.message(failed) is None
    words = "1 of them may already be on the server: discarded here only"
    assert ("Discarded", words, "warning") in live.notifications()


async def test_up_in_a_composer_with_text_moves_the_cursor_and_takes_nothing_back(
    live: Live,
) -> None:
    ticket = await live.open_ticket()
    live.believe_mine(ticket.ticket_id)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"refused", "enter")
    await live.until(lambda: live.app.store.failed_outgoing(ticket.ticket_id) != [])
    await live.pilot.press(*"one", "ctrl+j", *"two", "up")
    composer = live.app.main.composer
    assert composer.text == "one\ntwo" and composer.cursor_location == (0, 3)
    assert len(live.app.store.failed_outgoing(ticket.ticket_id)) == 1


async def test_up_with_nothing_to_take_back_says_so(live: Live) -> None:
    await accept_and_open(live)
    await live.pilot.press(*"sent", "enter")
    await live.until(lambda: live.app.store.outbox() == [])
    await live.pilot.press("up")
    assert live.app.main.composer.text == ""
    assert ("", "No unsent or failed message to edit", "information") in live.notifications()


# ---- control characters never enter the composer ---------------------------------------------


async def test_escape_sequences_from_the_editor_or_a_paste_show_as_stand_ins(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review finding: `:r !git log --color` or a pasted log put raw escapes in the composer,
    which drew them to the operator's terminal (and would have sent them to the customer)."""
    script = tmp_path / "colour.py"
    script.write_text(
        "import sys\nopen(sys.argv[-1], 'w').write('\\x1b]0;pwned\\x07 \\x1b[31mred\\x9b2J\\n')\n"
    )
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    await accept_and_open(live)
    composer = live.app.main.composer
    await live.pilot.press("ctrl+e")
    await live.until(lambda: "red" in composer.text)
    assert composer.text == "␛]0;pwned␇ ␛[31mred\\x9b2J"
    composer.put_back("")
    composer.post_message(events.Paste("log:\r\n\x1b[2Jdone\ttab"))
    await live.until(lambda: "done" in composer.text)
    assert composer.text == "log:\n␛[2Jdone    tab"
    drawn = "".join(
        segment.text for y in range(composer.size.height) for segment in composer.render_line(y)
    )
    assert "\x1b" not in drawn and "\x9b" not in drawn
