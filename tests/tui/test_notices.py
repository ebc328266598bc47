"""Notices never cover the composer, the status bar or the help screen, and a burst is one."""

from collections.abc import Callable
from typing import Any

from textual.widgets._toast import Toast

from chat_console.tui.screens.help import HelpScreen
from tests.tui.conftest import Live


def toasts(live: Live) -> list[Toast]:
    return [t for t in live.app.screen.query(Toast) if t.display and t.region.area]


async def test_notices_stay_clear_of_the_composer_and_status_bar_at_80x24(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(size=(80, 24), toasts=True) as live:
        await live.open_ticket("Missing order")
        await live.open_ticket("Login trouble")
        live.app.main.queue.focus()
        await live.pilot.press("h", "escape")  # a question, then another notice or two
        live.app.notify("a long error " * 20, title="Server said", severity="error")
        await live.until(lambda: len(toasts(live)) >= 2)
        await live.pilot.pause()
        main = live.app.main
        guarded = [main.composer.region, main.query_one("#status").region]
        for toast in toasts(live):
            if not toast.has_class("-error"):
                assert toast.region.height == 2  # a title line and one message line
            else:
                assert toast.region.height > 2  # an error is read whole
            for region in guarded:
                assert not toast.region.overlaps(region), (toast.region, region)


async def test_no_notice_over_the_help_screen(live_factory: Callable[..., Any]) -> None:
    async with live_factory(size=(80, 24), toasts=True) as live:
        await notice_waits_for_the_help_screen(live)


async def notice_waits_for_the_help_screen(live: Live) -> None:
    await live.pilot.press("question_mark")
    assert isinstance(live.app.screen, HelpScreen)
    await live.open_ticket("Missing order")
    await live.until(lambda: any(t == "New ticket" for t, _, _ in live.notifications()))
    await live.pilot.pause()
    assert toasts(live) == []
    await live.pilot.press("escape")
    await live.until(lambda: toasts(live) != [])  # it waited, and shows now
