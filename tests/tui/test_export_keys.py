"""`E` exports the open conversation as Markdown into the downloads folder and says where; `|`
hands it to $PAGER as text. Both from the history, whatever customers wrote in it."""

import os
import stat
from pathlib import Path

import pytest

from chat_console.protocol import Message, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from tests.helpers import WAIT, eventually
from tests.tui.conftest import OP1, Live
from tests.tui.test_read_only import OwnedElsewhere

HOSTILE = "look [here](http://evil) \x1b[2J now"


def written(where: str) -> tuple[Path, str]:
    path = Path(where).expanduser()
    return path, path.read_text()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of the test's own: ~/Downloads is where exports go."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


async def test_capital_e_exports_the_open_conversation_and_says_where(
    live: Live, home: Path
) -> None:
    ticket = await live.open_ticket("Refund")
    await live.customer_says(ticket.ticket_id, HOSTILE)
    await live.customer_says(ticket.ticket_id, "second")
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", "escape")  # open it, back to the queue
    await live.pilot.press("E")
    await live.until(lambda: any(t == "Conversation exported" for t, _, _ in live.notifications()))
    (_, where, _) = next(n for n in live.notifications() if n[0] == "Conversation exported")
    # Found in the demo: the whole path, cut at the notice's edge, never said where the file was.
    assert where.startswith("~/Downloads/chat-") and len(where) <= 45, where  # fits at 80x24
    path, text = written(where)
    assert path.parent == home / "Downloads" and path.suffix == ".md"
    assert text.startswith("# Refund\n") and "\x1b" not in text
    assert "> look \\[here\\]\\(http://evil\\) ␛\\[2J now" in text
    assert text.index("> look") < text.index("> second")


async def test_capital_e_without_a_conversation_says_so(live: Live, home: Path) -> None:
    await live.pilot.press("E")
    await live.until(lambda: ("", "No conversation open", "information") in live.notifications())
    assert not (home / "Downloads").exists()


async def test_the_bar_pipes_the_conversation_to_the_pager(
    live: Live, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = home / "paged.txt"
    pager = home / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > '{got}'\n")
    pager.chmod(pager.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PAGER", str(pager))
    ticket = await live.open_ticket("Paged")
    await live.customer_says(ticket.ticket_id, HOSTILE)
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    live.app.main.set_focus(live.app.main.transcript)
    await live.pilot.press("vertical_line")
    await live.until(got.exists)
    text = got.read_text()
    assert text.startswith("Paged (") and "look [here](http://evil) ␛[2J now" in text
    assert "\x1b" not in text
    assert os.environ["PAGER"] == str(pager)


async def test_a_read_only_console_searches_and_exports_from_its_copy(
    tmp_path: Path, home: Path
) -> None:
    """Another console owns the file: this one reads its copy, and writes only the export (no
    server: what it reads is the history)."""
    path = tmp_path / "console.sqlite3"
    owner = Store(path, operator_id=OP1.user_id)
    owner.apply_batch(
        [
            TicketCreated(
                Ticket(ticket_id="t-old", ticket_nm="Kettle", status_id=TicketStatus.OPEN)
            ),
            MessageUpdated(
                Message(
                    ticket_id="t-old", message_id="m-old", content="kettle refund", sender_id="cu"
                )
            ),
        ]
    )
    owner.close()
    before = path.read_bytes()
    app = ConsoleApp(
        ConsoleConfig(user=OP1, server_host="here"),
        store=Store(path, operator_id=OP1.user_id, copy_only=True),
        history=OwnedElsewhere(),
    )
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("ctrl+f", *"kettle", "enter")
        await eventually(lambda: app.main.open_ticket_id == "t-old", WAIT, pause=pilot.pause)
        assert app.main.transcript.found == "m-old"
        await pilot.press("E")
        await eventually(lambda: app._notifications, WAIT, pause=pilot.pause)
        (exported,) = [n for n in app._notifications if n.title == "Conversation exported"]
        assert "> kettle refund" in written(str(exported.message))[1]
        await pilot.press("q")
    app.store.close()
    assert path.read_bytes() == before


def test_an_export_never_replaces_an_earlier_one(tmp_path: Path) -> None:
    """Review finding: the name holds the second and 8 characters of the id, and a second export
    within that second replaced the first (and its images folder)."""
    from chat_console.tui.history_files import _new_file

    (tmp_path / "chat-ab-1.md").write_text("the first export")
    assert _new_file(tmp_path, "chat-ab-1") == (tmp_path / "chat-ab-1-2.md", "chat-ab-1-2")
    assert _new_file(tmp_path, "chat-ab-1") == (tmp_path / "chat-ab-1-3.md", "chat-ab-1-3")
    assert (tmp_path / "chat-ab-1.md").read_text() == "the first export"
