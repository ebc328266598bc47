"""The status bar names the server's Socket.IO generation once the client knows it."""

from collections.abc import Callable

from chat_console.tui import messages as msg
from chat_console.tui.widgets.bars import StatusBar
from tests.helpers import WAIT, eventually
from tests.tui.conftest import Live
from tests.tui.sample import store_app


def status_text(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.main.query_one(StatusBar).content)


async def test_the_generation_stays_shown_through_later_state_changes() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:

        async def until(condition: Callable[[], bool]) -> None:
            await eventually(condition, WAIT, pause=pilot.pause, every=0.02)

        app.main.post_message(msg.ConnectionChanged("online", None, None, "v2"))
        await until(lambda: status_text(app).endswith(" · v2"))
        app.main.post_message(msg.ConnectionChanged("reconnecting", "connection lost", 1.0))
        await until(lambda: "reconnecting" in status_text(app))
        assert status_text(app).endswith(" · v2")


async def test_a_live_console_on_the_reference_server_shows_v4(live: Live) -> None:
    await live.until(lambda: status_text(live.app).endswith(" · v4"))
