"""`[server] protocol`: which Socket.IO generation the server speaks, "auto" by default."""

from pathlib import Path

import pytest

from chat_console import config
from chat_console.client.factory import client_from_settings
from chat_console.client.transport import Generation
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


def test_auto_by_default_and_an_env_override_reaches_the_client(tmp_path: Path) -> None:
    assert load_settings(settings_file(tmp_path), env={}).server.protocol == "auto"
    env = {"CHAT_CONSOLE_SERVER__PROTOCOL": "v2"}
    settings = load_settings(settings_file(tmp_path), env=env)
    client = client_from_settings(settings, lambda event: None)
    assert client.protocol is Generation.V2  # configured: known before any connection


def test_an_unknown_generation_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(settings_file(tmp_path, 'protocol = "v3"'), env={})
    assert "c.toml: server.protocol:" in str(error.value)
    assert "'auto'" in str(error.value)
