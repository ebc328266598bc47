"""Images inline in the conversation, against the real server: half blocks, refusals, attach."""

from pathlib import Path
from typing import Literal

import pytest
from rich.color import Color
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import Widget

from chat_console.images import MAX_PIXELS
from chat_console.protocol import MessageType
from chat_console.tui.widgets.transcript import Transcript
from tests.image_samples import BLUE, RED, b64, bomb_png, two_colours_png
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import accept_and_open, screen_text


def strips(live: Live) -> list[Strip]:
    transcript = live.app.main.query_one(Transcript)
    return [transcript.render_line(y) for y in range(transcript.size.height)]


def half_block_rows(live: Live) -> list[list[tuple[Color | None, Color | None]]]:
    """(upper, lower) colours of every half block on screen, row by row."""
    rows = []
    for strip in strips(live):
        cells = [
            (seg.style.color, seg.style.bgcolor)
            for seg in strip
            if seg.style is not None
            for _ in seg.text
            if seg.text.strip() == "▀" * len(seg.text)
        ]
        if cells:
            rows.append(cells)
    return rows


async def test_a_customers_image_is_drawn_as_half_blocks_in_its_colours(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(32, 16)), MessageType.IMAGE)
    await live.until(lambda: half_block_rows(live))
    rows = half_block_rows(live)
    assert "[image, " in screen_text(live) and "press s to save]" in screen_text(live)
    # 32×16 pixels, one pixel a column and two a row: 32 columns, 8 rows
    assert len(rows) == 8 and {len(row) for row in rows} == {32}
    red, blue = Color.from_rgb(*RED), Color.from_rgb(*BLUE)
    for row in rows:
        assert row[0] == (red, red) and row[-1] == (blue, blue)
    assert "[decoding…]" not in screen_text(live)


async def test_a_tall_image_is_kept_within_half_the_pane(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(40, 400)), MessageType.IMAGE)
    await live.until(lambda: half_block_rows(live))
    transcript = live.app.main.query_one(Transcript)
    rows = half_block_rows(live)
    assert len(rows) == transcript.scrollable_content_region.height // 2
    assert len(rows[0]) < 40  # narrower, to keep its shape


async def test_a_decompression_bomb_is_one_line_and_is_never_decoded(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[object] = []
    import chat_console.tui.widgets.inline_image as inline_image

    real = inline_image.decode_source
    monkeypatch.setattr(inline_image, "decode_source", lambda *a: decoded.append(a) or real(*a))
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(bomb_png(50_000, 50_000)), MessageType.IMAGE)
    await live.customer_says(tid, "after the bomb")
    await live.until(lambda: "after the bomb" in screen_text(live))
    text = screen_text(live)
    assert f"[image too large: 50000×50000 pixels (over {MAX_PIXELS // 1_000_000} MP)]" in text
    assert "damaged" not in text  # a decode of its truncated body would have said so
    assert decoded == [] and not half_block_rows(live)


async def test_data_that_is_no_image_says_so_and_still_saves(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("platformdirs.user_downloads_dir", lambda: str(tmp_path))
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(b"%PDF-1.4 not a picture"), MessageType.IMAGE)
    await live.until(lambda: "not a PNG, JPEG, GIF or WebP" in screen_text(live))
    await live.pilot.press("escape", "s")
    await live.until(lambda: live.app.last_saved_image is not None)
    assert live.app.last_saved_image.read_bytes() == b"%PDF-1.4 not a picture"


async def attach(live: Live, typed: str) -> None:
    from textual.widgets import Input

    from chat_console.tui.screens.attach import AttachScreen

    await live.pilot.press("ctrl+o")
    await live.until(lambda: isinstance(live.app.screen, AttachScreen))
    live.app.screen.query_one(Input).value = typed
    await live.pilot.press("enter")
    await live.pilot.pause()


def problem(live: Live) -> str:
    from textual.widgets import Static

    return str(live.app.screen.query_one("#attach-problem", Static).render())


async def test_ctrl_o_sends_an_image_file_that_the_customer_receives_as_type_2(
    live: Live, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat_console.protocol import ListenEvent, Message
    from chat_console.store import Tick

    monkeypatch.setenv("HOME", str(tmp_path))
    picture = two_colours_png(32, 16)
    (tmp_path / "shot.png").write_bytes(picture)
    tid = await accept_and_open(live)
    await attach(live, "~/shot.png")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    sent = Message.model_validate(args[0])
    assert sent.type == MessageType.IMAGE and sent.ticket_id == tid
    assert sent.content == b64(picture)
    await live.until(lambda: live.app.store.message(sent.message_id).tick == Tick.SENT)
    await live.until(lambda: len(half_block_rows(live)) == 8)  # drawn on our side too
    assert "✓" in screen_text(live)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.png", None, "no such file"),
        ("folder", b"", "is a folder"),
        ("notes.txt", b"just words", "not a PNG, JPEG, GIF or WebP"),
        ("huge.png", two_colours_png() + bytes(800_000), "too large to send"),
        ("bomb.png", bomb_png(), "too large: 50000×50000"),
    ],
)
async def test_ctrl_o_says_why_a_file_cannot_be_sent_before_sending_it(
    live: Live, tmp_path: Path, name: str, content: bytes | None, words: str
) -> None:
    from chat_console.tui.screens.attach import AttachScreen

    path = tmp_path / name
    if name == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    tid = await accept_and_open(live)
    await attach(live, str(path))
    await live.until(lambda: words in problem(live))
    assert isinstance(live.app.screen, AttachScreen)  # still asking
    await live.pilot.press("escape")
    assert live.app.store.messages(tid) == [] and live.app.store.outbox() == []


async def test_an_image_for_a_ticket_nobody_handles_asks_to_accept_first(
    live: Live, tmp_path: Path
) -> None:
    from chat_console.protocol import ListenEvent, Message

    picture = two_colours_png(8, 8)
    (tmp_path / "a.png").write_bytes(picture)
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    await attach(live, str(tmp_path / "a.png"))
    await live.until(
        lambda: "Not yours yet" in str(live.app.screen.query("#dialog-title")[0].render())
    )
    # Found working the demo: "… and send?" with a draft in the composer did not say what.
    question = str(live.app.screen.query_one("#dialog-body").render())
    assert question.endswith(" and send the image a.png?"), question
    await live.pilot.press("y")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    sent = Message.model_validate(args[0])
    assert sent.type == MessageType.IMAGE and sent.content == b64(picture)
    assert live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1"


def cell_colours(widget: Widget) -> list[list[tuple[Color | None, Color | None]]]:
    """(upper, lower) colours of every half block `widget` draws, row by row."""
    lines = [widget.render_line(y) for y in range(widget.size.height)]
    return [
        [(s.style.color, s.style.bgcolor) for s in strip if s.style for c in s.text if c == "▀"]
        for strip in lines
        if strip.text.strip()
    ]


async def open_viewer(live: Live, width: int, height: int) -> Screen[None]:
    from chat_console.tui.screens.image_viewer import ImageViewer

    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(width, height)), MessageType.IMAGE)
    await live.until(lambda: half_block_rows(live))
    await live.pilot.press("escape", "V")
    await live.until(lambda: isinstance(live.app.screen, ImageViewer))
    return live.app.screen


async def test_v_shows_the_image_in_big_half_blocks_on_a_screen_of_its_own(live: Live) -> None:
    """By default the viewer draws as the transcript does, asking the terminal nothing."""
    from chat_console.tui.screens.image_viewer import ImageViewer

    viewer = await open_viewer(live, 64, 32)
    picture = viewer.query_one("#viewer-image")
    assert (picture.size.width, picture.size.height) == (64, 16)  # 1:1, within the screen
    red, blue = Color.from_rgb(*RED), Color.from_rgb(*BLUE)
    for row in cell_colours(picture):
        assert row[0] == (red, red) and row[-1] == (blue, blue) and len(row) == 64
    assert "Carl Customer · PNG 64×32" in str(viewer.query_one("#viewer-caption").render())
    await live.pilot.press("escape")
    assert not isinstance(live.app.screen, ImageViewer)


async def test_v_fills_the_screen_with_half_blocks_keeping_the_shape(live: Live) -> None:
    viewer = await open_viewer(live, 800, 400)
    picture = viewer.query_one("#viewer-image")
    screen = live.app.size
    cols, rows = screen.width - 4, round((screen.width - 4) * 400 / 800 / 2)
    assert (picture.size.width, picture.size.height) == (cols, rows)  # as wide as it may be
    assert [len(row) for row in cell_colours(picture)] == [cols] * rows


@pytest.mark.parametrize("graphics", ["sixel", "kitty"])
async def test_graphics_set_to_a_protocol_views_in_that_protocol(
    live: Live, graphics: Literal["sixel", "kitty"]
) -> None:
    """Chosen by the config (the terminal was asked its cell size before the start), not by
    what the terminal answered."""
    from textual_image.widget import SixelImage, TGPImage

    live.app.graphics = graphics
    viewer = await open_viewer(live, 64, 32)
    picture = viewer.query_one("#viewer-image")
    assert type(picture) is {"sixel": SixelImage, "kitty": TGPImage}[graphics]
    assert picture.image.size == (64, 32)  # small enough to be shown at its own size


async def test_v_on_a_bomb_says_why_and_decodes_nothing(live: Live) -> None:
    from chat_console.tui.screens.image_viewer import ImageViewer

    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(bomb_png()), MessageType.IMAGE)
    await live.pilot.press("escape", "V")
    await live.until(lambda: live.notifications())
    title, words, severity = live.notifications()[-1]
    assert title == "Cannot show the image" and "50000×50000" in words and severity == "error"
    assert not isinstance(live.app.screen, ImageViewer)


async def test_an_image_is_decoded_off_the_event_loop_behind_a_placeholder(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import chat_console.tui.widgets.inline_image as inline_image

    release = threading.Event()
    real = inline_image.decode_source

    def slow(*args):  # type: ignore[no-untyped-def]
        release.wait(timeout=30)  # a decode that takes as long as the test wants
        return real(*args)

    monkeypatch.setattr(inline_image, "decode_source", slow)
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(32, 16)), MessageType.IMAGE)
    await live.until(lambda: "[decoding…]" in screen_text(live))
    await live.customer_says(tid, "typed while it decodes")  # the console goes on meanwhile
    await live.until(lambda: "typed while it decodes" in screen_text(live))
    assert not half_block_rows(live)
    release.set()
    await live.until(lambda: len(half_block_rows(live)) == 8)
    assert "[decoding…]" not in screen_text(live)
    assert "typed while it decodes" in screen_text(live)


class Decodes:
    """Counts the decodes that really run (the function `decode_source` calls under its lock),
    and how many ran at once. Each waits a moment for another to join it, so that decodes left
    free to overlap do overlap."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: BaseException | None = None) -> None:
        import threading

        from chat_console import images

        self.real = images.decode_shrunk
        self.fail = fail
        self.calls = 0
        self.running = 0
        self.most_at_once = 0
        self.lock = threading.Lock()
        self.joined = threading.Event()
        monkeypatch.setattr(images, "decode_shrunk", self)

    def __call__(self, *args: object) -> object:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
            if self.running > 1:
                self.joined.set()
        try:
            self.joined.wait(timeout=0.5)  # bounded: only gives another decode its chance
            if self.fail is not None:
                raise self.fail
            return self.real(*args)  # type: ignore[arg-type]
        finally:
            with self.lock:
                self.running -= 1


async def test_a_resize_redraws_the_image_without_decoding_it_again(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    decodes = Decodes(monkeypatch)
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(2000, 100)), MessageType.IMAGE)
    await live.until(lambda: half_block_rows(live))

    def drawn_width() -> int | None:
        rows = half_block_rows(live)
        return len(rows[0]) if rows else None

    widths, (cols, rows) = [drawn_width()], live.app.size
    for narrower in (cols - 20, cols - 10, cols):  # as a terminal resized by dragging does
        await live.pilot.resize_terminal(narrower, rows)
        await live.until(lambda: drawn_width() not in (None, widths[-1]))
        widths.append(drawn_width())
    assert widths[0] == widths[-1] and len(set(widths)) == 3  # drawn at each size
    assert decodes.calls == 1


async def test_images_are_decoded_one_at_a_time(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    decodes = Decodes(monkeypatch)
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(32, 16)), MessageType.IMAGE)
    await live.customer_says(tid, b64(two_colours_png(16, 8)), MessageType.IMAGE)
    await live.until(lambda: len(half_block_rows(live)) == 8 + 4)
    assert decodes.calls == 2 and decodes.most_at_once == 1


async def test_an_image_that_fails_to_draw_says_why_once_and_is_not_decoded_again(
    live: Live, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    decodes = Decodes(monkeypatch, fail=MemoryError())
    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(32, 16)), MessageType.IMAGE)
    await live.until(lambda: "[image could not be drawn: MemoryError]" in screen_text(live))
    assert "[decoding…]" not in screen_text(live)
    await live.customer_says(tid, "drawn again after this")  # repaints the transcript
    await live.pilot.resize_terminal(live.app.size.width - 10, live.app.size.height)
    await live.until(lambda: "drawn again after this" in screen_text(live))
    assert "[image could not be drawn: MemoryError]" in screen_text(live)
    assert decodes.calls == 1
    said = [r.getMessage() for r in caplog.records if "could not be drawn" in r.getMessage()]
    assert len(said) == 1 and "iVBOR" not in said[0]  # once, and without the image's data


async def test_v_says_why_when_drawing_fails_and_the_console_goes_on(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chat_console.tui.screens.image_viewer import ImageViewer

    tid = await accept_and_open(live)
    await live.customer_says(tid, b64(two_colours_png(64, 32)), MessageType.IMAGE)
    await live.until(lambda: half_block_rows(live))
    Decodes(monkeypatch, fail=MemoryError())
    await live.pilot.press("escape", "V")
    await live.until(lambda: live.notifications())
    title, words, severity = live.notifications()[-1]
    assert title == "Cannot show the image" and "MemoryError" in words and severity == "error"
    assert not isinstance(live.app.screen, ImageViewer)
    await live.customer_says(tid, "still here")
    await live.until(lambda: "still here" in screen_text(live))


async def test_ctrl_o_on_a_fifo_says_it_is_no_file_without_waiting_on_it(
    live: Live, tmp_path: Path
) -> None:
    import os
    import threading

    from chat_console.tui.screens.attach import AttachScreen

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    done = threading.Event()

    def writer_that_ends_a_blocked_read() -> None:
        """Were the pipe opened for a blocking read, this ends it (else the test would hang)."""
        while not done.is_set():
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # nobody reads it
                done.wait(0.05)

    threading.Thread(target=writer_that_ends_a_blocked_read, daemon=True).start()
    try:
        tid = await accept_and_open(live)
        await attach(live, str(fifo))
        await live.until(lambda: "pipe.png is not a regular file" in problem(live))
        assert isinstance(live.app.screen, AttachScreen)  # still asking
        await live.pilot.press("escape")
        await live.customer_says(tid, "still answering")
        await live.until(lambda: "still answering" in screen_text(live))
        assert live.app.store.messages(tid)[-1].message.content == "still answering"
    finally:
        done.set()
