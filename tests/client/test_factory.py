"""client_from_settings: the token provider, the user object and TLS, from a Settings object."""

import shlex
import shutil
import ssl
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chat_console.client import ConnectionState, ConnectionStateChanged, client_from_settings
from chat_console.client.factory import tls_from_settings, tokens_from_settings
from chat_console.client.tokens import CommandToken, OAuthTokens, StaticToken
from chat_console.config import Settings
from chat_console.server.runner import RunningServer
from tests.client.conftest import Recorder, TokenRequest
from tests.client.tiny_server import tiny_server
from tests.helpers import fetch_token, whoami


def settings(url: str, auth: dict[str, Any], **sections: Any) -> Settings:
    data = {
        "server": {"url": url, **sections.pop("server", {})},
        "auth": auth,
        "operator": {"user_id": "op-1", "full_name": "Olivia Operator"},
        **sections,
    }
    return Settings.model_validate(data)


def echo(text: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(f'print({text!r})')}"


async def test_oauth_with_password_command_goes_online(server: RunningServer) -> None:
    auth = {
        "token_url": f"{server.url}/oauth/token",
        "client_id": "console",
        "username": "op1",
        "password_command": echo("op1pass"),
    }
    recorder = Recorder()
    client = client_from_settings(settings(server.url, auth), recorder)
    try:
        await client.start()
        assert client.state is ConnectionState.ONLINE
        assert client.user.user_id == "op-1"
        assert client.user.full_nm == "Olivia Operator"
    finally:
        await client.stop()


async def test_token_command_goes_online(server: RunningServer) -> None:
    token = await fetch_token(server.url, "op1", "op1pass")
    recorder = Recorder()
    client = client_from_settings(settings(server.url, {"token_command": echo(token)}), recorder)
    try:
        await client.start()
        assert client.state is ConnectionState.ONLINE
    finally:
        await client.stop()


def test_each_auth_method_gets_its_provider() -> None:
    url = "http://127.0.0.1:1"
    assert isinstance(tokens_from_settings(settings(url, {"token": "t"})), StaticToken)
    assert isinstance(tokens_from_settings(settings(url, {"token_command": "x"})), CommandToken)
    oauth = {
        "token_url": f"{url}/t",
        "client_id": "c",
        "grant_type": "client_credentials",
        "client_secret": "s",
    }
    assert isinstance(tokens_from_settings(settings(url, oauth)), OAuthTokens)


@pytest.mark.parametrize("client_auth", ["basic", "post"])
async def test_the_client_secret_goes_where_client_auth_says(
    server: RunningServer, token_requests: list[TokenRequest], client_auth: str
) -> None:
    auth = {
        "token_url": f"{server.url}/oauth/token",
        "client_id": "console",
        "grant_type": "client_credentials",
        "client_secret": "console-secret",
        "client_auth": client_auth,
    }
    tokens = tokens_from_settings(settings(server.url, auth))
    assert await whoami(server.url, await tokens.get()) == "op-1"
    ((header, form),) = token_requests
    assert (header is not None) == (client_auth == "basic")
    assert ("client_secret" in form) == (client_auth == "post")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    request = "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1"
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [openssl, *request.split(), "-keyout", str(key), "-out", str(cert), *names],
        check=True,
        capture_output=True,
    )
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize(
    ("server_options", "reaches"),
    [
        ({"ca_file": "CERT"}, ConnectionState.ONLINE),
        ({"verify_tls": False}, ConnectionState.ONLINE),
        ({}, ConnectionState.RECONNECTING),  # self-signed and not trusted: refused
    ],
)
async def test_tls_settings(
    certificate: tuple[Path, Path], server_options: dict[str, Any], reaches: ConnectionState
) -> None:
    if server_options.get("ca_file") == "CERT":
        server_options = {"ca_file": str(certificate[0])}
    async with tiny_server(tls=server_context(certificate)) as server:
        assert server.url.startswith("https://")
        chosen = settings(server.url, {"token": "t"}, server=server_options)
        recorder = Recorder()
        client = client_from_settings(chosen, recorder)
        try:
            await client.start()
            assert client.state is reaches
            if reaches is ConnectionState.RECONNECTING:
                reason = recorder.of(ConnectionStateChanged)[-1].reason or ""
                assert reason.startswith("cannot connect")
                assert server.connects == 0
            else:
                assert server.connects == 1
        finally:
            await client.stop()


def test_tls_from_settings() -> None:
    url = "https://127.0.0.1:1"
    assert tls_from_settings(settings(url, {"token": "t"})) is True
    assert tls_from_settings(settings(url, {"token": "t"}, server={"verify_tls": False})) is False


def test_the_outbox_window_comes_from_client_max_in_flight() -> None:
    auth = {"token": "t"}
    default = client_from_settings(settings("http://127.0.0.1:1", auth), Recorder())
    assert default.max_in_flight == 32
    narrow = settings("http://127.0.0.1:1", auth, client={"max_in_flight": 1})
    assert client_from_settings(narrow, Recorder()).max_in_flight == 1
    with pytest.raises(ValueError, match="max_in_flight"):
        settings("http://127.0.0.1:1", auth, client={"max_in_flight": 0})
