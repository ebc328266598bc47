"""What the status bar says about input it dropped and about TLS it does not verify."""

from chat_console.protocol.enums import TicketStatus
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.widgets.bars import StatusBar
from tests.hostile.conftest import Hostile
from tests.tui.conftest import OP1


def status_text(app: ConsoleApp) -> str:
    return str(app.main.query_one(StatusBar).render())


async def test_unverified_tls_is_a_permanent_warning_in_the_status_bar() -> None:
    for verify, shown in ((False, True), (True, False)):
        app = ConsoleApp(ConsoleConfig(user=OP1, verify_tls=verify), store=Store(":memory:"))
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            assert ("TLS NOT VERIFIED" in status_text(app)) is shown


async def test_undecodable_events_are_dropped_counted_and_shown(hostile: Hostile) -> None:
    assert "dropped" not in status_text(hostile.app)
    await hostile.send("ticketCreated")  # missing argument
    await hostile.send("ticketStatusUpdated", "t-1", 200, "extra")  # one too many
    await hostile.send("messageStatusUpdated", None, None)  # nulls
    await hostile.send("ticketCreated", {"ticketId": "t-1", "ticketNm": "ok"})
    await hostile.until(lambda: hostile.app.store.ticket("t-1") is not None)
    await hostile.until(lambda: "dropped 3" in status_text(hostile.app))
    assert hostile.app.dropped_events == 3
    assert hostile.app.store.ticket("t-1").status is TicketStatus.NEW  # type: ignore[union-attr]
