"""`[ui] graphics`: how the image viewer draws. Half blocks by default (the terminal is asked
nothing); sixel or kitty graphics only when asked for, by one of three names."""

import argparse
from pathlib import Path

import pytest

from chat_console import config
from chat_console.config import ConfigError, load_settings
from chat_console.launch import run_console

SAID = "c.toml: ui.graphics: Input should be 'halfcell', 'sixel' or 'kitty'"
MINIMAL = '[auth]\ntoken = "tok"\n[operator]\nuser_id = "op-1"\n'


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "config_dir", lambda: tmp_path / "nowhere")


def settings_file(tmp_path: Path, ui: str = "") -> Path:
    path = tmp_path / "c.toml"
    path.write_text(f"{MINIMAL}[ui]\n{ui}\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_half_blocks_by_default_and_a_protocol_when_named(tmp_path: Path) -> None:
    assert load_settings(settings_file(tmp_path), env={}).ui.graphics == "halfcell"
    for name in ("sixel", "kitty", "halfcell"):
        chosen = load_settings(settings_file(tmp_path, f'graphics = "{name}"'), env={})
        assert chosen.ui.graphics == name
    by_env = load_settings(settings_file(tmp_path), env={"CHAT_CONSOLE_UI__GRAPHICS": "kitty"})
    assert by_env.ui.graphics == "kitty"


@pytest.mark.parametrize("value", ['"iterm"', '"auto"', '"Sixel"', "true"])
def test_another_value_names_the_key_and_the_three_allowed(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(settings_file(tmp_path, f"graphics = {value}"), env={})
    assert str(raised.value) == SAID


def test_the_console_does_not_start_on_a_wrong_value_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = settings_file(tmp_path, 'graphics = "iterm"')
    assert run_console(argparse.Namespace(config=str(path))) == 2
    said = capsys.readouterr().err
    assert said == f"chat-console: {SAID}\n"
