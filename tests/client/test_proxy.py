"""The console through an HTTP proxy: the token request, the HTTP extras and the Socket.IO link go
through the proxy that HTTP(S)_PROXY / ALL_PROXY or `[server] proxy` names, and around it for
NO_PROXY hosts and `proxy = ""`. A recording forward proxy on 127.0.0.1 says what passed."""

import io
import logging
import shutil
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_console.client import CommandToken, ConnectionState, OAuthTokens
from chat_console.client.factory import proxies_from_settings
from chat_console.client.proxy import DIRECT, ENVIRONMENT, Proxies, shown
from chat_console.config import load_settings
from chat_console.redaction import RedactingFilter
from chat_console.server.runner import RunningServer, running_server
from tests.client.conftest import ClientFactory
from tests.forward_proxy import ForwardProxy, certificate, forward_proxy, tls_front

PROXY_SECRET = "pr0xy-s3cret-word"


def oauth(
    url: str, proxies: Proxies = ENVIRONMENT, tls: ssl.SSLContext | bool = True
) -> OAuthTokens:
    return OAuthTokens(
        f"{url}/oauth/token",
        "password",
        "console",
        username="op1",
        password="op1pass",
        proxies=proxies,
        ssl=tls,
    )


async def online_with_extras(
    make_client: ClientFactory,
    url: str,
    proxies: Proxies = ENVIRONMENT,
    tls: ssl.SSLContext | bool = True,
) -> None:
    """An operator client logs in (OAuth), connects, and reads an HTTP extra."""
    client, _ = await make_client(
        url,
        tokens=oauth(url, proxies, tls),
        proxies=proxies,
        ssl=tls,
        protocol="auto",  # the probe is a request of its own
    )
    assert client.state is ConnectionState.ONLINE
    assert [user.user_id for user in await client.fetch_operators() or []]


def assert_all_went_through(proxy: ForwardProxy, url: str) -> None:
    seen = proxy.targets()
    assert f"POST {url}/oauth/token" in seen  # the token request
    polling = [t for t in seen if t.startswith(f"GET {url}/socket.io/?") and "polling" in t]
    assert polling  # the probe, and python-socketio's polling handshake
    # The websocket, in a CONNECT tunnel (as browsers do: proxies do not know ws: URLs), where
    # the server answered the upgrade.
    assert proxy.upgraded == [url.removeprefix("http://")]
    assert f"GET {url}/api/operators" in seen  # the HTTP extras
    assert not [t for t in seen if t.startswith("GET ws:")]


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
async def test_everything_goes_through_the_proxy_the_environment_names(
    server: RunningServer,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # for https only: unused here
        await online_with_extras(make_client, server.url)
    assert_all_went_through(proxy, server.url)


async def test_the_websocket_is_tunnelled_when_the_proxy_keeps_connections_alive(
    server: RunningServer, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # aiohttp would send the websocket's request down a pooled connection to the proxy, as
    # `GET ws://...`, which no proxy understands; it must get a tunnel of its own.
    async with forward_proxy(keep_alive=True) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        await online_with_extras(make_client, server.url)
    assert_all_went_through(proxy, server.url)


@pytest.mark.parametrize(
    "no_proxy", ["127.0.0.1", "localhost, .example.com,127.0.0.1", "{port}", "*", "lower"]
)
async def test_no_proxy_hosts_go_direct(
    server: RunningServer,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    port = server.url.rsplit(":", 1)[1]
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        if no_proxy == "lower":
            monkeypatch.setenv("no_proxy", "127.0.0.1")
        else:
            monkeypatch.setenv("NO_PROXY", no_proxy.replace("{port}", f"127.0.0.1:{port}"))
        await online_with_extras(make_client, server.url)
    assert proxy.seen == []


async def test_a_no_proxy_entry_for_another_host_changes_nothing(
    server: RunningServer, make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.10,example.com,27.0.0.1")
        await online_with_extras(make_client, server.url)
    assert_all_went_through(proxy, server.url)


async def test_server_proxy_in_the_config_overrides_the_environment(
    server: RunningServer,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        settings = load_settings(config(tmp_path, server.url, f'proxy = "{proxy.url}"'), env={})
        await online_with_extras(make_client, server.url, proxies_from_settings(settings))
    assert_all_went_through(proxy, server.url)


async def test_an_empty_server_proxy_turns_the_proxy_off(
    server: RunningServer,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("ALL_PROXY", proxy.url)
        settings = load_settings(config(tmp_path, server.url, 'proxy = ""'), env={})
        assert proxies_from_settings(settings) == DIRECT
        await online_with_extras(make_client, server.url, proxies_from_settings(settings))
    assert proxy.seen == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
async def test_https_and_wss_go_through_connect_tunnels(
    server: RunningServer,
    make_client: ClientFactory,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    cert = certificate(tmp_path)
    trusted = ssl.create_default_context(cafile=str(cert))
    async with (
        tls_front(cert, int(server.url.rsplit(":", 1)[1])) as port,
        forward_proxy() as proxy,
    ):
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # for http only: unused here
        await online_with_extras(make_client, f"https://127.0.0.1:{port}", tls=trusted)
    seen = proxy.targets()
    # The token, the probe, the Socket.IO session (polling, then its websocket) and the extra:
    # each a tunnel to the server, through which the proxy sees nothing but TLS.
    assert len(seen) >= 4
    assert set(seen) == {f"CONNECT 127.0.0.1:{port}"}


async def test_proxy_credentials_are_sent_and_never_logged(
    server: RunningServer, make_client: ClientFactory, debug_log: io.StringIO
) -> None:
    async with forward_proxy(credentials=f"op:{PROXY_SECRET}") as proxy:
        proxy_url = f"http://op:{PROXY_SECRET}@127.0.0.1:{proxy.port}"
        await online_with_extras(make_client, server.url, Proxies(proxy_url))
        logging.getLogger("tests.proxy").warning("connected through %s", proxy_url)
    assert_all_went_through(proxy, server.url)
    assert {passed.authorization for passed in proxy.seen} == {
        "Basic b3A6cHIweHktczNjcmV0LXdvcmQ="  # op:pr0xy-s3cret-word
    }
    text = debug_log.getvalue()
    assert f"connected through http://***@127.0.0.1:{proxy.port}" in text
    assert PROXY_SECRET not in text and "b3A6cHIweHktczNjcmV0LXdvcmQ" not in text
    assert shown(proxy_url) == f"http://127.0.0.1:{proxy.port}"


async def test_a_proxy_that_refuses_the_credentials_leaves_the_console_offline(
    make_client: ClientFactory,
) -> None:
    async with running_server() as running, forward_proxy(credentials="op:right") as proxy:
        client, _ = await make_client(
            running.url,
            tokens=oauth(running.url, Proxies(f"http://op:wrong@127.0.0.1:{proxy.port}")),
            proxies=Proxies(f"http://op:wrong@127.0.0.1:{proxy.port}"),
        )
        assert client.state is not ConnectionState.ONLINE
        assert proxy.seen  # it was asked, and said no


def test_an_unusable_proxy_is_named_without_its_credentials(tmp_path: Path) -> None:
    from chat_console.client.proxy import ProxyError

    env = {"ALL_PROXY": f"socks5://op:{PROXY_SECRET}@127.0.0.1:1080"}
    with pytest.raises(ProxyError) as raised:
        Proxies(env=env).for_url("https://chat.example.com")
    assert str(raised.value) == (
        "ALL_PROXY: socks5:// proxies are not supported: use an http:// proxy"
    )
    from chat_console.config import ConfigError

    with pytest.raises(ConfigError) as refused:
        load_settings(
            config(tmp_path, "http://127.0.0.1:1", f'proxy = "socks5://op:{PROXY_SECRET}@h:1"'),
            env={},
        )
    assert "server.proxy: must be an http:// proxy URL" in str(refused.value)
    assert PROXY_SECRET not in str(refused.value)


def config(tmp_path: Path, url: str, server_lines: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[server]\nurl = "{url}"\n{server_lines}\n'
        '[auth]\ntoken = "unused-token"\n[operator]\nuser_id = "op-1"\n',
        encoding="utf-8",
    )
    path.chmod(0o600)
    return str(path)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every record at DEBUG, through the console's redacting filter, as the log file gets it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


async def test_the_token_command_runs_with_the_proxy_variables_as_they_are(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # `[server] proxy = ""` is the console's own choice: a command such as an SSO helper may
    # need the proxy the user set, so the console never edits the environment.
    monkeypatch.setenv("HTTPS_PROXY", "http://corp-proxy.example:3128")
    monkeypatch.setenv("no_proxy", ".corp.example")
    assert Proxies("").for_url("https://chat.example.com") is None
    command = CommandToken('printf "%s|%s" "$HTTPS_PROXY" "$no_proxy"')
    assert await command.get() == "http://corp-proxy.example:3128|.corp.example"
