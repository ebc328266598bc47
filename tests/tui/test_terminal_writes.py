"""What an incoming message makes the console write to its terminal (over ssh, every row counts).

Textual writes a dirty row whole and has no terminal scroll region, so these tests read the rows
each screen update writes: the compositor's updates are rendered as the terminal would get them
(`App._display` is where a real run hands them to the driver; a headless run renders nothing).
"""

import re
import uuid

from textual._compositor import CompositorUpdate
from textual.screen import Screen

from chat_console.protocol import Message
from chat_console.protocol.inbound import MessageUpdated
from chat_console.tui.app import ConsoleApp
from chat_console.tui.widgets.scrollbars import thumb
from tests.tui.sample import store_app

_MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")
_SGR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")  # styles, and the cursor's own moves


class Written:
    """Screen rows (0-based) written since the last `clear`, with the columns written in them."""

    def __init__(self, app: ConsoleApp) -> None:
        self.updates: list[str] = []
        display = app._display

        def capture(screen: Screen[object], renderable: object) -> None:
            if isinstance(renderable, CompositorUpdate):
                self.updates.append(renderable.render_segments(app.console))
            display(screen, renderable)  # type: ignore[arg-type]

        app._display = capture  # type: ignore[method-assign]

    def clear(self) -> None:
        self.updates.clear()

    def rows(self, first_column: int, last_column: int) -> set[int]:
        """Rows given cells between the two columns (0-based, inclusive) by any update."""
        written = set()
        for update in self.updates:
            moves = list(_MOVE.finditer(update))
            for move, after in zip(moves, [*moves[1:], None], strict=True):
                cells = _SGR.sub("", update[move.end() : after.start() if after else None])
                if cells.strip("\r\n") and first_column <= int(move.group(2)) - 1 <= last_column:
                    written.add(int(move.group(1)) - 1)
        return written


def customer_writes(app: ConsoleApp, ticket_id: str, text: str) -> str:
    record = app.store.ticket(ticket_id)
    assert record is not None
    message_id = str(uuid.uuid4())
    app.deliver(
        MessageUpdated(
            Message(
                ticket_id=ticket_id,
                message_id=message_id,
                content=text,
                sender_id=record.ticket.owner_id,
                sender_nm=record.ticket.owner_nm,
            )
        )
    )
    app.flush()
    return message_id


def newest_fully_visible(app: ConsoleApp) -> bool:
    transcript = app.main.transcript
    top, height = int(transcript.scroll_y), transcript.scrollable_content_region.height
    return transcript._starts[-2] >= top and transcript.line_count <= top + height


async def test_a_message_that_fits_writes_only_its_own_rows_of_the_transcript() -> None:
    app = store_app()
    written = Written(app)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.queue.select("t3")  # a conversation with no messages yet: room below
        await pilot.press("enter")
        await pilot.pause()
        transcript = app.main.transcript
        left = transcript.region.x
        right = transcript.region.right - 1
        for n in range(3):
            written.clear()
            customer_writes(app, "t3", f"Where is my parcel? #{n}")
            await pilot.pause()
            await pilot.pause()
            rows = written.rows(left, right)
            # The message's header and its line, nothing above or below them in the pane.
            start = transcript.region.y + 2 * n
            assert rows == {start, start + 1}, (n, sorted(rows))


async def test_following_the_bottom_scrolls_by_half_a_pane_and_shows_the_newest_whole() -> None:
    for size in ((80, 24), (200, 50)):
        app = store_app()
        async with app.run_test(size=size) as pilot:
            app.main.queue.select("t1")
            await pilot.press("enter")
            await pilot.pause()
            transcript = app.main.transcript
            height = transcript.scrollable_content_region.height
            scrolls = 0
            sent = 2 * height  # two lines each: the pane is filled four times over
            for n in range(sent):
                before = transcript.scroll_y
                customer_writes(app, "t1", f"line {n}")
                await pilot.pause()
                await pilot.pause()
                assert newest_fully_visible(app), (size, n)
                scrolls += transcript.scroll_y != before
            # Scrolled once per half pane of new lines, not once per message.
            assert scrolls <= 2 * sent // (height // 2) + 1, (size, scrolls)
            # A message taller than half the pane (folded at 12 lines) is shown from its header.
            for n in range(2):
                lines = height - 3 + n
                customer_writes(app, "t1", "\n".join(f"part {i}" for i in range(lines)))
                await pilot.pause()
                await pilot.pause()
                assert newest_fully_visible(app), (size, n)


async def test_a_ticket_whose_read_receipt_is_on_its_way_shows_as_read() -> None:
    app = store_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        queue = app.main.queue
        unread_before = app.store.unread_tickets()
        reading = app.main.conversation.being_read
        assert isinstance(reading, set)
        reading.add("t3")  # as the conversation does while the receipt is on its way
        customer_writes(app, "t3", "are you there?")
        await pilot.pause()
        assert app.store.ticket("t3").unread == 1
        strips = app.screen._compositor.render_strips()
        text = [strip.text for strip in strips]
        row = 1 + 2 * queue.ticket_ids.index("t3")  # under the views bar, two lines a ticket
        assert " 1 " not in text[row]
        assert f"unread {unread_before} " in text[-2]


async def test_a_scroll_rewrites_the_scrollbar_only_when_its_thumb_moves() -> None:
    app = store_app()
    written = Written(app)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.queue.select("t1")
        await pilot.press("enter")
        for n in range(150):  # a long conversation: the thumb moves every few lines
            customer_writes(app, "t1", f"line {n}")
        await pilot.pause()
        transcript = app.main.transcript
        transcript.focus()
        await pilot.pause()
        bar = transcript.vertical_scrollbar
        column = transcript.region.right - 1
        still, moved = 0, 0
        for _ in range(12):
            before = thumb(bar)
            written.clear()
            await pilot.press("up")
            await pilot.pause()
            if thumb(bar) == before:
                still += 1
                assert not written.rows(column, column)
            else:
                moved += 1
                assert written.rows(column, column)
        assert still and moved


async def test_a_focused_text_field_writes_nothing_while_nobody_types() -> None:
    """A blinking cursor is a row rewritten twice a second (~1.9 KB/s over ssh with the composer
    focused): the fields keep a steady cursor, which the terminal shows as well."""
    app = store_app()
    written = Written(app)
    async with app.run_test(size=(120, 40)) as pilot:
        app.main.queue.select("t1")
        await pilot.press("enter")
        for field in ("#composer", "#filter"):
            app.query_one(field).focus()
            await pilot.pause(0.2)
            written.clear()
            await pilot.pause(1.2)  # more than two blink periods (0.5 s)
            assert written.rows(0, 119) == set(), field
