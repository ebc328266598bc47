"""Render caches must never show a stale line: what is on screen follows the store after a batch.

The queue keeps drawn lines and repaints only those whose content changed; the bars skip updates
that change nothing. These tests read the composed screen (what a terminal would get), not a
fresh render_line call, so a line that should have been repainted and was not would show.
"""

from chat_console.protocol import Message
from chat_console.protocol.inbound import MessageUpdated
from tests.tui.sample import store_app


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


def customer_writes(app, ticket_id: str, n: int) -> None:  # type: ignore[no-untyped-def]
    record = app.store.ticket(ticket_id)
    app.deliver(
        MessageUpdated(
            Message(
                ticket_id=ticket_id,
                message_id=f"cache-{ticket_id}-{n}",
                content="still there?",
                sender_id=record.ticket.owner_id,
                sender_nm=record.ticket.owner_nm,
            )
        )
    )


async def test_a_batch_repaints_the_queue_line_and_status_bar_it_changed() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = app.main.queue
        await pilot.pause()
        before = screen_text(app)
        top = queue.ticket_ids[0]
        unread = app.store.ticket(top).unread
        assert f" {unread} " in before.splitlines()[1]  # under the views bar: the first row
        for n in range(3):
            customer_writes(app, top, n)
        app.flush()
        await pilot.pause()
        after = screen_text(app)
        assert app.store.ticket(top).unread == unread + 3
        assert f" {unread + 3} " in after.splitlines()[1]
        assert f"unread {app.store.unread_tickets()}" in after
        # A message on a ticket not seen before adds an unread ticket to the status bar.
        before_bar = after.splitlines()[-2]
        app.deliver(
            MessageUpdated(
                Message(ticket_id="fresh", message_id="fresh-1", content="hi", sender_id="cu-9")
            )
        )
        app.flush()
        await pilot.pause()
        bar = screen_text(app).splitlines()[-2]
        assert bar != before_bar and f"unread {app.store.unread_tickets()}" in bar
        # The line keeps showing the count after the cursor leaves it and comes back.
        await pilot.press("j", "k")
        assert f" {unread + 3} " in screen_text(app).splitlines()[1]


async def test_up_in_a_conversation_opened_at_its_bottom_moves_one_line() -> None:
    app = store_app()
    async with app.run_test(size=(80, 12)) as pilot:
        busiest = max(app.store.queue(), key=lambda t: len(app.store.message_ids(t)))
        app.main.queue.select(busiest)
        await pilot.press("enter")
        transcript = app.main.transcript
        bottom = transcript.max_scroll_y
        assert bottom > 1 and transcript.scroll_y == bottom
        transcript.focus()
        await pilot.press("up")
        await pilot.pause()
        # Scroll keys start from the scroll target: it must have followed the bottom too.
        assert transcript.scroll_y == bottom - 1


async def test_scrolling_to_the_top_reads_older_history_and_keeps_the_lines_in_view(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    from chat_console.protocol import Ticket
    from chat_console.protocol.inbound import TicketCreated
    from chat_console.store import Store
    from chat_console.store.store import HISTORY_WINDOW

    path = tmp_path / "s.sqlite3"
    store = Store(path, operator_id="op-1")
    store.apply_batch([TicketCreated(Ticket(ticket_id="long", owner_id="cu-1", ticket_nm="x"))])
    count = 3 * HISTORY_WINDOW
    store.apply_batch(
        MessageUpdated(
            Message(ticket_id="long", message_id=f"h{n}", content=f"line {n}", sender_id="cu-1")
        )
        for n in range(count)
    )
    store.close()
    app = store_app(Store(path, operator_id="op-1"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.queue.select("long")
        await pilot.press("enter")
        transcript = app.main.transcript
        assert len(transcript.store.message_ids("long")) == HISTORY_WINDOW
        transcript.focus()
        await pilot.press("home")
        await pilot.pause()
        # A page was read; the message that was at the top is still at the top.
        assert len(transcript.store.message_ids("long")) == 2 * HISTORY_WINDOW
        assert transcript.visible_message_ids()[0] == f"h{count - HISTORY_WINDOW}"
        for _ in range(3):
            await pilot.press("home")
            await pilot.pause()
        assert transcript.visible_message_ids()[0] == "h0"
        assert list(transcript.store.message_ids("long")) == [f"h{n}" for n in range(count)]


def test_queue_lines_are_cut_exactly_as_rich_cuts_them() -> None:
    from hypothesis import given
    from hypothesis import strategies as st
    from rich.style import Style
    from rich.text import Text

    from chat_console.tui.widgets.queue import _fit

    words = st.text(alphabet=st.sampled_from("ab 界😀·…"), max_size=12)

    @given(st.lists(words, min_size=1, max_size=4), st.integers(min_value=1, max_value=30))
    def check(parts: list[str], width: int) -> None:
        styled = [(part, Style(bold=n % 2 == 0)) for n, part in enumerate(parts)]
        expected = Text.assemble(*styled)
        expected.truncate(width, overflow="ellipsis")
        cut = _fit(styled, width)
        assert "".join(text for text, _ in cut) == expected.plain

    check()
