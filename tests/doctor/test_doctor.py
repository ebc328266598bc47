"""`chat-console doctor` against real servers: each problem named in one line, with its fix."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chat_console.doctor import CHECKS, diagnose
from chat_console.server.runner import RunningServer, running_server
from tests.eio3.conftest import NodeServer

PASSWORD = "op1pass"


def config_file(tmp_path: Path, url: str, auth: str, server: str = "", mode: int = 0o600) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[server]\nurl = "{url}"\n{server}\n[auth]\n{auth}\n[operator]\nuser_id = "op-1"\n',
        encoding="utf-8",
    )
    path.chmod(mode)
    return str(path)


def oauth(url: str, password: str = PASSWORD) -> str:
    return (
        f'token_url = "{url}/oauth/token"\nusername = "op1"\npassword_command = "echo {password}"'
    )


async def run(config: str | None) -> tuple[bool, list[str]]:
    lines: list[str] = []
    ok = await diagnose(config, env={}, say=lines.append)
    return ok, lines


def named(lines: list[str], check: str) -> str:
    (line,) = [line for line in lines if line[2:].startswith(check + ":")]
    return line


async def test_every_check_passes_against_the_reference_server(
    server: RunningServer, tmp_path: Path
) -> None:
    ok, lines = await run(config_file(tmp_path, server.url, oauth(server.url)))
    assert ok
    assert len(lines) == len(CHECKS) and all(line.startswith("✓ ") for line in lines)
    assert "Socket.IO 3.x/4.x" in named(lines, "engine.io")
    assert "v4 transport" in named(lines, "engine.io")
    assert named(lines, "round trip").startswith("✓ round trip: an acknowledged emit took")
    assert PASSWORD not in "\n".join(lines)


async def test_a_stopped_server_is_named_at_the_tcp_check(tmp_path: Path) -> None:
    async with running_server() as gone:
        url = gone.url
    ok, lines = await run(config_file(tmp_path, url, oauth(url)))
    assert not ok
    port = url.rsplit(":", 1)[1]
    assert lines[4] == (
        f"✗ tcp: nothing accepts connections at 127.0.0.1:{port} (connection refused)"
        " — fix: start the server, or correct the host and port in [server] url"
    )
    assert lines[5] == "  (6 later checks skipped: they need this one)"
    assert len(lines) == 6


async def test_a_wrong_password_is_named_at_the_token_check_and_never_printed(
    server: RunningServer, tmp_path: Path
) -> None:
    ok, lines = await run(config_file(tmp_path, server.url, oauth(server.url, "wrong-horse")))
    assert not ok
    assert named(lines, "token").startswith(
        "✗ token: token endpoint refused (HTTP 400): invalid_grant: bad username or password"
        " — fix: check [auth] token_url, username and password_command"
    )
    assert lines[-1].endswith("(3 later checks skipped: they need this one)")
    assert "wrong-horse" not in "\n".join(lines)


async def test_a_socketio_2_server_passes_through_the_v2_transport(
    node_server: NodeServer, tmp_path: Path
) -> None:
    ok, lines = await run(config_file(tmp_path, node_server.url, 'token = "op1-token"'))
    assert ok, lines
    assert named(lines, "engine.io") == (
        "✓ engine.io: the server speaks Socket.IO 2.x (Engine.IO 3) and offers long-polling and"
        ' websocket: the console uses its v2 transport ([server] protocol = "auto": probed)'
    )
    assert named(lines, "authenticate") == (
        "✓ authenticate: the server answered authenticated (over websocket)"
    )
    assert all(line.startswith("✓ ") for line in lines)
    assert "op1-token" not in "\n".join(lines)


async def test_a_polling_only_socketio_2_server_passes_over_long_polling(
    node_server_polling_only: NodeServer, tmp_path: Path
) -> None:
    url = node_server_polling_only.url
    ok, lines = await run(config_file(tmp_path, url, 'token = "op1-token"'))
    assert ok, lines
    assert named(lines, "engine.io") == (
        "✓ engine.io: the server speaks Socket.IO 2.x (Engine.IO 3) and offers long-polling only"
        " (no websocket upgrade): the console uses its v2 transport"
        ' ([server] protocol = "auto": probed)'
    )
    assert named(lines, "authenticate") == (
        "✓ authenticate: the server answered authenticated (over HTTP long-polling)"
    )
    assert named(lines, "round trip").startswith("✓ round trip: an acknowledged emit took")


async def test_websocket_only_against_a_polling_only_server_names_the_fix(
    node_server_polling_only: NodeServer, tmp_path: Path
) -> None:
    config = config_file(
        tmp_path,
        node_server_polling_only.url,
        'token = "op1-token"',
        'transports = ["websocket"]',
    )
    ok, lines = await run(config)
    assert not ok
    assert named(lines, "engine.io") == (
        "✗ engine.io: the server offers long-polling only (no websocket upgrade) but"
        ' [server] transports = ["websocket"]'
        ' — fix: set [server] transports = ["websocket", "polling"]'
    )


async def test_a_socketio_2_server_configured_as_v4_names_the_fix(
    node_server: NodeServer, tmp_path: Path
) -> None:
    config = config_file(tmp_path, node_server.url, 'token = "op1-token"', 'protocol = "v4"')
    ok, lines = await run(config)
    assert not ok
    assert named(lines, "engine.io") == (
        '✗ engine.io: the server speaks Socket.IO 2.x (Engine.IO 3) but [server] protocol = "v4"'
        ' — fix: set [server] protocol = "auto" or "v2"'
    )


async def test_a_rejected_token_is_named_at_authenticate(
    node_server: NodeServer, tmp_path: Path
) -> None:
    ok, lines = await run(config_file(tmp_path, node_server.url, 'token = "stale-token"'))
    assert not ok
    assert named(lines, "authenticate").startswith(
        "✗ authenticate: the server answered unauthenticated: invalid access token — fix:"
    )
    assert "stale-token" not in "\n".join(lines)


async def test_a_bad_config_names_the_file_and_key(tmp_path: Path) -> None:
    config = config_file(tmp_path, "http://127.0.0.1:1", 'token = "t"', "colour = 3")
    ok, lines = await run(config)
    assert not ok
    assert lines[0] == (
        "✗ config: config.toml: server.colour: unknown key"
        " — fix: edit the config; config.example.toml documents every key"
    )
    assert len(lines) == 2  # the rest needs a config


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
async def test_a_config_others_can_read_fails_but_the_checks_go_on(
    server: RunningServer, tmp_path: Path
) -> None:
    config = config_file(
        tmp_path, server.url, 'token = "secret-token"', mode=stat.S_IRUSR | stat.S_IRGRP
    )
    ok, lines = await run(config)
    assert not ok
    assert lines[1] == (
        "✗ permissions: config.toml: holds auth.token but others may read it"
        f" — fix: chmod 600 {config}"
    )
    # Not blocking: the checks after it still ran (the token is not one the server issued).
    assert named(lines, "tcp").startswith("✓") and named(lines, "authenticate").startswith("✗")
    assert "secret-token" not in "\n".join(lines)


def test_the_cli_exits_non_zero_when_a_check_fails(tmp_path: Path) -> None:
    config = config_file(tmp_path, "http://127.0.0.1:1", 'token = "t"')
    result = subprocess.run(
        [sys.executable, "-m", "chat_console.cli", "--config", config, "doctor"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "✗ tcp: nothing accepts connections at 127.0.0.1:1" in result.stdout
    assert result.stderr == ""
