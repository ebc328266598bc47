"""`serve` options: the rate limit, the admin token (never on the command line), the demo
accounts (announced, and refused on a host others can reach unless asked for)."""

import argparse
import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest

from chat_console.cli import build_parser
from chat_console.server.main import ADMIN_TOKEN_VARIABLE, _accounts, _admin_token, _rate_limit
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, RateLimit
from tests.helpers import WAIT, fetch_token
from tests.server.test_accounts import GOOD

SECRET = "admin-from-a-file"


def _command_line(pid: int) -> str:
    """What `ps` shows every local user."""
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().replace("\0", " ")


def _serve_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_rate_limit_default_custom_and_lifted() -> None:
    assert _rate_limit(None) == DEFAULT_RATE_LIMIT
    assert _rate_limit(10) == RateLimit(per_second=10, burst=40)
    assert _rate_limit(0) == RateLimit.unlimited()


def test_the_rate_limit_help_states_the_real_default() -> None:
    serve = build_parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    help_text = " ".join(serve.format_help().split())
    per_second, burst = DEFAULT_RATE_LIMIT.per_second, DEFAULT_RATE_LIMIT.burst
    assert f"(default {per_second:,.0f}, bursts of {burst:,.0f})" in help_text


def test_the_admin_token_comes_from_a_file_or_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ADMIN_TOKEN_VARIABLE, raising=False)
    assert _admin_token(_serve_args()) is None
    path = tmp_path / "admin-token"
    path.write_text(f"{SECRET}\n")
    assert _admin_token(_serve_args("--admin-token-file", str(path))) == SECRET
    monkeypatch.setenv(ADMIN_TOKEN_VARIABLE, "from-the-environment")
    assert _admin_token(_serve_args()) == "from-the-environment"


def test_the_old_admin_token_option_still_works_and_warns(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv(ADMIN_TOKEN_VARIABLE, raising=False)
    assert _admin_token(_serve_args("--admin-token", "s")) == "s"
    assert "--admin-token shows in ps" in caplog.text


def test_demo_accounts_on_another_host_only_when_asked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = _accounts(_serve_args("--host", "0.0.0.0", "--demo-accounts"))
    assert accounts.check_password("op1", "op1pass") is not None
    assert "op1/op1pass" in capsys.readouterr().err
    path = tmp_path / "accounts.toml"
    path.write_text(GOOD)
    _accounts(_serve_args("--host", "0.0.0.0", "--accounts", str(path)))
    announced = capsys.readouterr().err
    assert "alice" in announced and "bob" in announced and "bot" in announced
    for password in ("s3cret", "hunter2", "bot-secret"):
        assert password not in announced


async def test_serve_refuses_demo_accounts_on_a_host_that_is_not_loopback() -> None:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "chat_console", "serve", "--host", "0.0.0.0", "--port", "0"),
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(process.communicate(), WAIT * 2)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 2
    assert "refusing them on --host 0.0.0.0" in err.decode()
    assert "--demo-accounts" in err.decode()


async def test_serve_reads_the_admin_token_from_a_file_and_keeps_it_out_of_ps(
    tmp_path: Path,
) -> None:
    path = tmp_path / "admin-token"
    path.write_text(SECRET)
    env = {k: v for k, v in os.environ.items() if k != ADMIN_TOKEN_VARIABLE}
    command = ("serve", "--port", "0", "--admin-token-file", str(path))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chat_console", *command, stderr=asyncio.subprocess.PIPE, env=env
    )
    try:
        assert process.stderr is not None
        url = ""
        async with asyncio.timeout(WAIT * 2):
            while not url:
                line = (await process.stderr.readline()).decode()
                assert line, "serve exited before listening"
                url = line.partition("serving on ")[2].partition(" ")[0]
        assert SECRET not in _command_line(process.pid)
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {SECRET}"}
            async with http.post(f"{url}/admin/drop", headers=headers) as response:
                assert response.status == 200
    finally:
        process.terminate()
        await asyncio.wait_for(process.communicate(), WAIT * 2)


async def test_serve_without_http_extras_answers_404_where_they_were() -> None:
    command = ("serve", "--port", "0", "--no-http-extras")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chat_console", *command, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert process.stderr is not None
        url = ""
        async with asyncio.timeout(WAIT * 2):
            while not url:
                line = (await process.stderr.readline()).decode()
                assert line, "serve exited before listening"
                url = line.partition("serving on ")[2].partition(" ")[0]
        token = await fetch_token(url, "op1", "op1pass")
        async with aiohttp.ClientSession() as http:
            headers = {"Authorization": f"Bearer {token}"}
            for path in ("/api/tickets", "/api/tickets/t-1/messages", "/api/operators"):
                async with http.get(url + path, headers=headers) as response:
                    assert response.status == 404, path
    finally:
        process.terminate()
        await asyncio.wait_for(process.communicate(), WAIT * 2)
