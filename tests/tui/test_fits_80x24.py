"""At 80x24 (the common ssh window) every bar says what it must, on one line."""

from collections.abc import Callable
from typing import Any

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from chat_console.tui.widgets.bars import ConversationHeader, StatusBar, ViewsBar


def line(widget: Any) -> str:
    """What the widget's first line shows on screen, ellipsis included."""
    return "".join(segment.text for segment in widget.render_line(0)).rstrip()


async def test_tabs_footer_header_and_status_fit_80x24(live_factory: Callable[..., Any]) -> None:
    async with live_factory(size=(80, 24)) as live:
        ticket = await live.open_ticket("My parcel went to the wrong address, then came back")
        await live.select(ticket.ticket_id)
        await live.pilot.press("a")
        await live.until(
            lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1"
        )
        await live.pilot.press("enter", "escape")
        main = live.app.main
        main.connection = ("online", "a reason that is far too long to fit " * 3, None)
        main.refresh_bars()
        await live.pilot.pause()
        assert line(main.query_one(ViewsBar)).endswith("Closed 0")
        header = main.query_one(ConversationHeader)
        assert header.region.height == 1
        assert line(header).endswith("Carl Customer · you")  # the title gave way, not these
        assert line(main.query_one(StatusBar)).endswith("…")
        keys = {key.key: key.region for key in main.query_one(Footer).query(FooterKey)}
        assert keys["q"].width and keys["q"].right <= 80  # the last key, quit, is on screen


async def test_the_footer_offers_no_key_that_the_composer_would_type(
    live_factory: Callable[..., Any],
) -> None:
    # `/` is text in the composer; Textual's footer filter misses it (its key is named "slash").
    async with live_factory(size=(80, 24)) as live:
        ticket = await live.open_ticket()
        await live.select(ticket.ticket_id)
        main = live.app.main
        footer = main.query_one(Footer)
        await live.pilot.pause()
        assert "/" in {key.key_display for key in footer.query(FooterKey)}  # on the queue
        await live.pilot.press("enter")
        await live.until(lambda: main.composer.has_focus)
        await live.pilot.pause()
        shown = {key.key_display for key in footer.query(FooterKey)}
        assert "/" not in shown
        await live.pilot.press("slash")
        assert main.composer.text == "/"


async def test_a_read_only_console_still_shows_its_connection_first_at_80_columns(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(size=(80, 24)) as live:
        main = live.app.main
        live.app.read_only_reason = "another console (pid 28005, since 08:13) owns this history"
        main.refresh_bars()
        await live.pilot.pause()
        shown = line(main.query_one(StatusBar))
        assert shown.startswith("● online  read-only: another console (pid 28005")
