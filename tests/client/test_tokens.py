"""Token providers: a fixed token, a real subprocess, and OAuth2 against the reference server."""

import asyncio
import base64
import logging
import shlex
import sys
from pathlib import Path

import pytest

from chat_console.client import (
    AuthenticationFailed,
    CommandToken,
    OAuthTokens,
    StaticToken,
    TokenProvider,
    TokenUnavailable,
)
from chat_console.client.tokens import run_secret_command
from chat_console.server.runner import RunningServer, running_server
from tests.client.conftest import TokenRequest
from tests.helpers import WAIT, eventually, whoami


def python_command(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def counting_command(counter: Path, output: str) -> str:
    """A command that prints `output` and counts its runs in `counter`."""
    return python_command(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r})\n"
        "p.write_text(str(int(p.read_text() or 0) + 1) if p.exists() else '1')\n"
        f"sys.stdout.write({output!r})\n"
    )


async def test_static_token() -> None:
    tokens = StaticToken("s3cret-token")
    assert isinstance(tokens, TokenProvider)
    assert await tokens.get() == "s3cret-token"
    tokens.invalidate()
    assert await tokens.get() == "s3cret-token"
    assert "s3cret" not in repr(tokens)


async def test_command_token_is_stripped_cached_and_rerun_after_invalidate(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    tokens = CommandToken(counting_command(counter, "  tok-from-command \n"))
    assert isinstance(tokens, TokenProvider)
    assert await tokens.get() == "tok-from-command"
    assert await tokens.get() == "tok-from-command"
    assert counter.read_text() == "1"
    tokens.invalidate()
    assert await tokens.get() == "tok-from-command"
    assert counter.read_text() == "2"


async def test_command_token_failure_names_the_exit_but_never_the_output() -> None:
    command = python_command(
        "import sys; print('leaked-token'); print('vault is locked', file=sys.stderr); sys.exit(3)"
    )
    with pytest.raises(AuthenticationFailed) as failed:
        await CommandToken(command).get()
    assert str(failed.value) == "token command failed (exit 3): vault is locked"
    assert "leaked-token" not in str(failed.value)


async def test_command_token_with_empty_output_is_an_error() -> None:
    with pytest.raises(AuthenticationFailed, match=r"^token command printed nothing$"):
        await CommandToken(python_command("print('   ')")).get()


async def test_command_token_repr_hides_the_arguments() -> None:
    tokens = CommandToken("get-token --password=hunter2")
    assert "hunter2" not in repr(tokens)
    assert "get-token" in repr(tokens)


def oauth(url: str, **overrides: str) -> OAuthTokens:
    options = {
        "grant_type": "password",
        "client_id": "console",
        "username": "op1",
        "password": "op1pass",
    } | overrides
    return OAuthTokens(f"{url}/oauth/token", **options)


async def test_oauth_password_grant_is_cached(server: RunningServer) -> None:
    tokens = oauth(server.url)
    token = await tokens.get()
    assert await whoami(server.url, token) == "op-1"
    assert await tokens.get() == token


async def test_oauth_password_grant_works_as_a_public_client(server: RunningServer) -> None:
    tokens = oauth(server.url, client_id="")
    assert await whoami(server.url, await tokens.get()) == "op-1"


async def test_oauth_client_credentials(server: RunningServer) -> None:
    tokens = OAuthTokens(
        f"{server.url}/oauth/token", "client_credentials", "console", "console-secret"
    )
    assert await whoami(server.url, await tokens.get()) == "op-1"
    assert "console-secret" not in repr(tokens)


async def test_oauth_client_secret_goes_as_http_basic_when_asked(
    server: RunningServer, token_requests: list[TokenRequest], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = OAuthTokens(
        f"{server.url}/oauth/token",
        "client_credentials",
        "console",
        "console-secret",
        client_auth="basic",
    )
    assert await whoami(server.url, await tokens.get()) == "op-1"
    ((header, form),) = token_requests
    assert header == "Basic " + base64.b64encode(b"console:console-secret").decode()
    assert form == {"grant_type": "client_credentials"}  # neither the id nor the secret
    logged = caplog.text
    assert "console-secret" not in logged and header.split()[1] not in logged
    assert "console-secret" not in repr(tokens)


async def test_oauth_basic_client_auth_encodes_the_id_and_secret_as_rfc_6749_says(
    server: RunningServer, token_requests: list[TokenRequest]
) -> None:
    tokens = OAuthTokens(
        f"{server.url}/oauth/token", "client_credentials", "a:b", "s%cr+t x", client_auth="basic"
    )
    with pytest.raises(AuthenticationFailed, match="invalid_client"):  # no such client
        await tokens.get()
    ((header, _),) = token_requests
    assert header is not None
    assert base64.b64decode(header.split()[1]) == b"a%3Ab:s%25cr%2Bt+x"


async def test_oauth_client_secret_goes_in_the_form_by_default(
    server: RunningServer, token_requests: list[TokenRequest]
) -> None:
    tokens = OAuthTokens(
        f"{server.url}/oauth/token", "client_credentials", "console", "console-secret"
    )
    assert await whoami(server.url, await tokens.get()) == "op-1"
    ((header, form),) = token_requests
    assert header is None
    assert form["client_id"] == "console" and form["client_secret"] == "console-secret"


async def test_oauth_public_client_with_basic_auth_sends_its_id_in_the_form(
    server: RunningServer, token_requests: list[TokenRequest]
) -> None:
    tokens = oauth(server.url, client_auth="basic")  # a password grant, no client secret
    assert await whoami(server.url, await tokens.get()) == "op-1"
    ((header, form),) = token_requests
    assert header is None and form["client_id"] == "console"


async def test_oauth_refreshes_with_the_refresh_token_first(
    server: RunningServer, tmp_path: Path
) -> None:
    # The password command works once: a second token can only come from the refresh token.
    marker = tmp_path / "used"
    once = python_command(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(marker)!r})\n"
        "sys.exit(5) if p.exists() else (p.touch(), print('op1pass'))\n"
    )
    tokens = oauth(server.url, password="", password_command=once)
    first = await tokens.get()
    tokens.invalidate()
    second = await tokens.get()
    assert second != first
    assert await whoami(server.url, second) == "op-1"


async def test_oauth_falls_back_to_a_new_grant_when_the_refresh_token_is_refused(
    server: RunningServer,
) -> None:
    tokens = oauth(server.url)
    first = await tokens.get()
    server.revoke_tokens("op-1")  # kills the access token (and any refresh token with it)
    tokens.invalidate()
    second = await tokens.get()
    assert second != first
    assert await whoami(server.url, second) == "op-1"


async def test_oauth_short_lived_token_is_renewed_before_it_expires() -> None:
    async with running_server(token_ttl=1.0) as server:
        tokens = oauth(server.url)
        first = await tokens.get()
        # expires_in 1 s, far below the 30 s margin: the provider keeps it half its life, then
        # fetches anew on its own (no invalidate()).
        async with asyncio.timeout(WAIT):
            while (again := await tokens.get()) == first:  # noqa: ASYNC110 - polls the provider
                await asyncio.sleep(0.02)
        assert await whoami(server.url, again) == "op-1"


async def test_oauth_rejected_password_carries_the_servers_words_not_the_secret(
    server: RunningServer,
) -> None:
    tokens = oauth(server.url, password="correct-horse")
    with pytest.raises(AuthenticationFailed) as failed:
        await tokens.get()
    text = str(failed.value)
    assert text == "token endpoint refused (HTTP 400): invalid_grant: bad username or password"
    assert "correct-horse" not in text
    assert "correct-horse" not in repr(tokens)


async def test_oauth_rejected_client_secret(server: RunningServer) -> None:
    tokens = OAuthTokens(f"{server.url}/oauth/token", "client_credentials", "console", "nope")
    with pytest.raises(AuthenticationFailed, match=r"HTTP 401\): invalid_client"):
        await tokens.get()


async def test_oauth_unreachable_endpoint_is_transient() -> None:
    async with running_server() as gone:
        url = gone.url
    with pytest.raises(TokenUnavailable, match=r"^token endpoint unreachable"):
        await oauth(url).get()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie waits for its reaper; it runs nothing


async def test_a_slow_command_is_transient_and_leaves_no_process_behind(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    command = f"sleep 30 & echo $! > {pid_file}; wait"
    with pytest.raises(TokenUnavailable, match=r"did not finish within 0\.5 s"):
        await run_secret_command(command, "token command", limit=0.5)
    grandchild = int(pid_file.read_text())
    await eventually(lambda: not _running(grandchild), within=5.0)
