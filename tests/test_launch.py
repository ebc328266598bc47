"""The two ways in: `chat-console` with a config, and `chat-console demo` with nothing."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from chat_console import launch
from chat_console.cli import main
from chat_console.store import View
from chat_console.tui.app import ConsoleApp
from tests.helpers import eventually


def test_a_config_problem_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "config.toml"
    broken.write_text("[server]\nurl = 'ftp://nowhere'\n")
    assert main(["--config", str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chat-console: ") and "Traceback" not in err


async def test_demo_starts_server_customers_and_console_and_quits_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    run_async = ConsoleApp.run_async

    async def drive(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, ConsoleApp)
        await eventually(
            lambda: app.main.connection[0] == "online" and app.store.queue(View.NEW),
            20,
            pause=pilot.pause,
            every=0.05,
        )
        seen["user"] = app.config.operator_id
        seen["tickets"] = len(app.store.queue(View.NEW))
        await pilot.press("q")

    async def headless(self: ConsoleApp, **_: Any) -> Any:
        return await run_async(self, headless=True, size=(80, 24), auto_pilot=drive)

    monkeypatch.setattr(ConsoleApp, "run_async", headless)
    before = asyncio.all_tasks()
    assert await launch._demo(tmp_path, pace=10) == 0
    assert seen["user"] == "op-1" and seen["tickets"] >= 1
    leftovers = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert leftovers == []


@pytest.mark.parametrize(
    ("within", "status", "said"),
    [(60, 0, "passed: online as op-1, "), (0, 1, "failed after 0 s: ")],
)
def test_the_demo_smoke_test_runs_headless_and_exits_0_only_once_online_with_tickets(
    within: int,
    status: int,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """CI runs an installed wheel's demo this way: no terminal, and it ends by itself."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert main(["demo", "--smoke-test", str(within)]) == status
    out, err = capsys.readouterr()
    assert said in (out if status == 0 else err)


def test_an_unusable_history_folder_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[auth]\ntoken = "t"\n[operator]\nuser_id = "op-1"\n')
    config.chmod(0o600)
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(not_a_folder))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert main(["--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chat-console: cannot open the local history") and "Traceback" not in err


def test_an_uncaught_exception_exits_non_zero_with_its_traceback_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[server]\nurl = "http://127.0.0.1:9"\n[auth]\ntoken = "t0ken-for-crash"\n'
        '[operator]\nuser_id = "op-1"\n'
    )
    config.chmod(0o600)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))

    def explode() -> None:
        customer_words = "my card number is 4111"  # a local that Textual's traceback would show
        raise RuntimeError(f"a bug in a handler ({len(customer_words)})")

    async def drive(pilot: Pilot[int]) -> None:
        await pilot.pause()
        pilot.app.call_later(explode)
        await pilot.pause()

    def headless(self: ConsoleApp, **_: Any) -> Any:
        return asyncio.run(self.run_async(headless=True, size=(80, 24), auto_pilot=drive))

    monkeypatch.setattr(ConsoleApp, "run", headless)
    assert main(["--config", str(config)]) == 1
    (log_file,) = list(tmp_path.rglob("console.log"))
    log = log_file.read_text()
    assert "the console stopped on an uncaught RuntimeError" in log
    assert "Traceback" in log and "a bug in a handler" in log
    # The terminal gets one line naming the log, not a traceback with local variables in it.
    err = capsys.readouterr().err
    assert err.strip() == (
        "chat-console: stopped on an unexpected error (RuntimeError);"
        f" its traceback is in {log_file}"
    )
