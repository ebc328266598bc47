"""`[server] transports`: which Engine.IO transports may carry the link, both by default."""

from pathlib import Path

import pytest

from chat_console import config
from chat_console.config import ConfigError, load_settings

MINIMAL = '[auth]\ntoken = "tok"\n[operator]\nuser_id = "op-1"\n'


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "config_dir", lambda: tmp_path / "nowhere")


def settings_file(tmp_path: Path, server: str = "") -> Path:
    path = tmp_path / "c.toml"
    path.write_text(f"[server]\n{server}\n{MINIMAL}", encoding="utf-8")
    path.chmod(0o600)
    return path


def test_both_by_default_and_one_may_be_chosen(tmp_path: Path) -> None:
    assert load_settings(settings_file(tmp_path), env={}).server.transports == [
        "websocket",
        "polling",
    ]
    chosen = load_settings(settings_file(tmp_path, 'transports = ["polling"]'), env={})
    assert chosen.server.transports == ["polling"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("[]", "must name"),
        ('["flash"]', "'websocket'"),
        ('["polling", "polling"]', "names a transport twice"),
    ],
)
def test_a_bad_list_names_the_key(tmp_path: Path, value: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(settings_file(tmp_path, f"transports = {value}"), env={})
    assert "c.toml: server.transports" in str(error.value)
    assert words in str(error.value)
