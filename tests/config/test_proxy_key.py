"""`[server] proxy`: absent (the environment decides), a URL (used for everything), or "" (none)."""

from pathlib import Path

import pytest

from chat_console.client.factory import proxies_from_settings
from chat_console.client.proxy import DIRECT, ENVIRONMENT, Proxies
from chat_console.config import ConfigError, Settings, load_settings
from tests.config.test_config import MINIMAL, write

SECRET = "pr0xy-pass-in-file"


def settings_with(
    tmp_path: Path, line: str, mode: int = 0o600, env: dict[str, str] | None = None
) -> Settings:
    path = write(tmp_path / "c.toml", f"[server]\n{line}\n{MINIMAL}")
    path.chmod(mode)
    return load_settings(path, env=env or {})


def test_absent_means_the_environment(tmp_path: Path) -> None:
    assert proxies_from_settings(settings_with(tmp_path, "")) == ENVIRONMENT


def test_a_url_and_the_empty_string(tmp_path: Path) -> None:
    url = "http://proxy.example.com:3128"
    assert proxies_from_settings(settings_with(tmp_path, f'proxy = "{url}"')) == Proxies(url)
    assert proxies_from_settings(settings_with(tmp_path, 'proxy = ""')) == DIRECT
    from_env = settings_with(tmp_path, "", env={"CHAT_CONSOLE_SERVER__PROXY": ""})
    assert proxies_from_settings(from_env) == DIRECT


@pytest.mark.parametrize("value", ["socks5://h:1080", "proxy.example.com:3128", "http://"])
def test_anything_but_an_http_url_is_refused_without_quoting_it(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        settings_with(tmp_path, f'proxy = "{value}"')
    assert (
        str(refused.value) == 'c.toml: server.proxy: must be an http:// proxy URL, or "" for none'
    )


def test_credentials_in_a_readable_file_are_named_not_shown(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, f'proxy = "http://op:{SECRET}@h:3128"', mode=0o644)
    (notice,) = settings.notices
    assert "server.proxy credentials" in notice and "chmod 600" in notice
    assert SECRET not in notice
