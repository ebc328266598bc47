"""What the status bar says about input it dropped and about TLS it does not verify."""

import sqlite3
from pathlib import Path

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


async def test_unreadable_stored_records_are_counted_in_the_status_bar(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    Store(path, operator_id=OP1.user_id).close()
    with sqlite3.connect(path) as db:  # rows an older console could not read back
        db.execute("INSERT INTO tickets VALUES ('t-1', '{\"ticketNm\": ', 0, NULL, NULL)")
        db.execute(
            "INSERT INTO messages (message_id, ticket_id, seq, body, own, tick, read_locally)"
            " VALUES ('m-1', 't-1', 1, '{\"ticketId\": \"t-1\"}', 0, 1, 0)"
        )
    app = ConsoleApp(ConsoleConfig(user=OP1), store=Store(path, operator_id=OP1.user_id))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert "unreadable history 2" in status_text(app)
        assert app.is_running
