"""`chat-console purge` and the purge at start: closed tickets older than [history] keep_days
leave the history file, the command says what it removed and from which file, and a console that
owns the file is never written behind its back."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from chat_console.cli import main
from chat_console.protocol import now_utc
from chat_console.store import HistoryLock, Store
from chat_console.store.history import history_file
from chat_console.tui.app import ConsoleApp
from tests.store.test_retention import NOW, history

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[server]\nurl = "http://127.0.0.1:9"\n[auth]\ntoken = "t0ken"\n'
        '[operator]\nuser_id = "op-1"\n[history]\nkeep_days = 30\n'
    )
    path.chmod(0o600)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return path


def the_history(tmp_path: Path) -> Path:
    path = history_file("op-1", "127.0.0.1:9", tmp_path / "xdg_data_home" / "chat-console")
    history(path).close()  # five tickets; "old" is closed and 40 days quiet (a fixed 2026 clock)
    return path


def between() -> str:
    """Days that put "old" (40 days before the fixed clock) past the limit, "recent" (5) not."""
    return str((now_utc() - NOW).days + 35)


def tickets(path: Path) -> list[str]:
    store = Store(path, operator_id="op-1", copy_only=True)
    return sorted(store.queue())


def test_purge_says_what_it_removed_and_from_which_file(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = the_history(tmp_path)
    assert main(["purge", "--older-than", between(), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("removed 1 closed ticket, 2 messages and 1 draft (last activity before")
    assert str(path) in out and "vacuumed:" in out
    assert tickets(path) == ["old-failed", "old-open", "old-pending", "recent"]


def test_purge_leaves_a_file_another_console_owns_alone(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = the_history(tmp_path)
    owner = HistoryLock(path)
    assert owner.acquire(now_utc())
    try:
        assert main(["purge", "--older-than", "0", "--config", str(config)]) == 1
    finally:
        owner.release()
    err = capsys.readouterr().err
    assert f"another console (pid {os.getpid()}, since " in err and str(path) in err
    assert len(tickets(path)) == 5


def test_purge_is_a_command_of_its_own(tmp_path: Path, config: Path) -> None:
    """The real entry point, in its own process: with no history yet it creates none."""
    done = subprocess.run(
        [sys.executable, "-m", "chat_console", "purge", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg_data_home")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("nothing to purge: no history at ")
    assert not (tmp_path / "xdg_data_home").exists()


def test_a_console_start_purges_old_closed_tickets(
    tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = the_history(tmp_path)
    monkeypatch.setenv("CHAT_CONSOLE_HISTORY__KEEP_DAYS", between())
    shown: list[list[str]] = []

    async def look(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, ConsoleApp)
        shown.append(sorted(app.store.queue()))
        await pilot.press("q")

    def headless(self: ConsoleApp, **_: Any) -> Any:
        return asyncio.run(self.run_async(headless=True, size=(80, 24), auto_pilot=look))

    monkeypatch.setattr(ConsoleApp, "run", headless)
    assert main(["--config", str(config)]) == 0
    assert shown == [["old-failed", "old-open", "old-pending", "recent"]]
    assert tickets(path) == shown[0]
