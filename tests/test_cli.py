"""The command line: global options after the sub-command, the first run without a config, the
demo's colleague switched off, and --version."""

import asyncio
import os
import tomllib
from pathlib import Path

import pytest

from chat_console import config
from chat_console.cli import build_parser, main
from chat_console.server.runner import RunningServer
from chat_console.simulate.customers import run_demo_population


@pytest.mark.parametrize(
    "argv",
    [["doctor", "--config", "X"], ["--config", "X", "doctor"], ["demo", "--config", "X"]],
)
def test_config_is_accepted_before_or_after_the_sub_command(argv: list[str]) -> None:
    assert build_parser().parse_args(argv).config == "X"


def test_no_config_at_all_points_to_the_example_and_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(config, "config_dir", lambda: tmp_path / "nowhere")
    for name in list(os.environ):
        if name.startswith("CHAT_CONSOLE_"):
            monkeypatch.delenv(name)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("chat-console: no config file at ")
    assert "chat-console init" in err and "chat-console demo" in err


def test_demo_colleague_is_on_by_default_and_no_colleague_turns_it_off() -> None:
    assert build_parser().parse_args(["demo"]).colleague is True
    assert build_parser().parse_args(["demo", "--no-colleague"]).colleague is False


@pytest.mark.parametrize("colleague", [True, False])
async def test_the_demo_population_has_op2_only_with_the_colleague(
    server: RunningServer, colleague: bool
) -> None:
    stop = asyncio.Event()
    population = asyncio.create_task(
        run_demo_population(server.url, pace=10, stop=stop, colleague=colleague)
    )
    wanted = 4 if colleague else 3  # three customers, and op2
    try:
        async with asyncio.timeout(10):
            while len(server.connected_users()) < wanted:  # noqa: ASYNC110 - the server's state
                await asyncio.sleep(0.05)
        for customer in ("cu-1", "cu-2", "cu-3"):
            assert customer in server.connected_users()
        assert ("op-2" in server.connected_users()) is colleague
    finally:
        stop.set()
        await population


def test_version_is_the_installed_distributions_which_pyproject_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    pyproject = Path(__file__).parents[1] / "pyproject.toml"
    wanted = tomllib.loads(pyproject.read_text())["project"]["version"]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"chat-console {wanted}\n"
