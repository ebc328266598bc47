"""`chat-console doctor` through a proxy: it names the proxy each step goes through, checks that
the proxy answers and allows CONNECT, and never shows the proxy's credentials."""

import shutil
from pathlib import Path

import pytest

from chat_console.doctor import CHECKS, diagnose
from chat_console.server.runner import RunningServer, running_server
from tests.doctor.test_doctor import config_file, named, oauth
from tests.forward_proxy import certificate, forward_proxy, tls_front

SECRET = "pr0xy-s3cret-for-doctor"


async def run(config: str, env: dict[str, str]) -> tuple[bool, list[str]]:
    lines: list[str] = []
    ok = await diagnose(config, env=env, say=lines.append)
    return ok, lines


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


async def test_every_step_names_the_proxy_it_goes_through(
    server: RunningServer, tmp_path: Path
) -> None:
    async with forward_proxy() as proxy:
        env = {"HTTP_PROXY": proxy.url}
        ok, lines = await run(config_file(tmp_path, server.url, oauth(server.url)), env)
    assert ok, lines
    assert len(lines) == len(CHECKS)
    via = f", via {proxy.url}"
    assert named(lines, "proxy") == (
        f"✓ proxy: the server and token_url via {proxy.url} (HTTP_PROXY)"
    )
    assert named(lines, "dns") == (
        "✓ dns: the proxy 127.0.0.1 is 127.0.0.1 (it resolves the server's name)"
    )
    assert named(lines, "tcp") == (
        f"✓ tcp: the proxy {proxy.url} opened a CONNECT tunnel to 127.0.0.1:{port_of(server.url)}"
    )
    for step in ("engine.io", "token", "authenticate"):
        assert named(lines, step).endswith(via), step
    seen = proxy.targets()
    assert f"POST {server.url}/oauth/token" in seen
    assert [t for t in seen if t.startswith(f"GET {server.url}/socket.io/?EIO=4")]
    assert seen.count(f"CONNECT 127.0.0.1:{port_of(server.url)}") == 2  # tcp, the websocket


async def test_proxy_credentials_are_used_and_never_shown(
    server: RunningServer, tmp_path: Path
) -> None:
    async with forward_proxy(credentials=f"op:{SECRET}") as proxy:
        line = f'proxy = "http://op:{SECRET}@127.0.0.1:{proxy.port}"'
        env = {"HTTP_PROXY": "http://127.0.0.1:9"}  # the config's proxy wins
        ok, lines = await run(config_file(tmp_path, server.url, oauth(server.url), line), env)
    assert ok, lines
    assert named(lines, "proxy") == (
        f"✓ proxy: the server and token_url via {proxy.url} ([server] proxy)"
    )
    assert SECRET not in "\n".join(lines) and "op:" not in "\n".join(lines)
    assert {passed.authorization for passed in proxy.seen} != {None}


async def test_a_proxy_wanting_credentials_is_named(server: RunningServer, tmp_path: Path) -> None:
    async with forward_proxy(credentials="op:right") as proxy:
        ok, lines = await run(
            config_file(tmp_path, server.url, 'token = "t0ken-unused"'), {"ALL_PROXY": proxy.url}
        )
    assert not ok
    assert named(lines, "tcp") == (
        f"✗ tcp: the proxy {proxy.url} wants credentials (HTTP 407)"
        " — fix: put them in the proxy URL, as user:password@ before its host"
    )


async def test_a_proxy_refusing_connect_is_named(server: RunningServer, tmp_path: Path) -> None:
    async with forward_proxy(allow_connect=False) as proxy:
        ok, lines = await run(
            config_file(tmp_path, server.url, 'token = "t0ken-unused"'), {"http_proxy": proxy.url}
        )
    assert not ok
    assert named(lines, "tcp") == (
        f"✗ tcp: the proxy {proxy.url} refused CONNECT to 127.0.0.1:{port_of(server.url)}"
        " (HTTP 403) — fix: ask the proxy's administrators to allow CONNECT to that port,"
        ' or set [server] proxy = "" if the server is reachable directly'
    )


async def test_a_proxy_that_is_not_there_is_named(server: RunningServer, tmp_path: Path) -> None:
    async with running_server() as gone:
        dead = gone.url
    ok, lines = await run(
        config_file(tmp_path, server.url, 'token = "t0ken-unused"'), {"HTTP_PROXY": dead}
    )
    assert not ok
    assert named(lines, "tcp") == (
        f"✗ tcp: nothing accepts connections at the proxy {dead} (connection refused)"
        " — fix: start the proxy, or correct HTTPS_PROXY / HTTP_PROXY, or set [server] proxy"
        ' ("" for none)'
    )


async def test_no_proxy_and_an_unusable_proxy(server: RunningServer, tmp_path: Path) -> None:
    config = config_file(tmp_path, server.url, oauth(server.url))
    ok, lines = await run(config, {"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"})
    assert ok, lines
    assert named(lines, "proxy") == (
        "✓ proxy: the server and token_url direct (NO_PROXY names 127.0.0.1)"
    )
    ok, lines = await run(config, {"ALL_PROXY": f"socks5://op:{SECRET}@127.0.0.1:1080"})
    assert not ok
    assert named(lines, "proxy") == (
        "✗ proxy: ALL_PROXY: socks5:// proxies are not supported: use an http:// proxy"
        ' — fix: set [server] proxy to an http:// proxy URL, or "" for none'
    )
    assert SECRET not in "\n".join(lines)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
async def test_tls_is_checked_inside_the_tunnel(server: RunningServer, tmp_path: Path) -> None:
    cert = certificate(tmp_path)
    async with tls_front(cert, int(port_of(server.url))) as port, forward_proxy() as proxy:
        url = f"https://127.0.0.1:{port}"
        config = config_file(tmp_path, url, oauth(url), f'ca_file = "{cert}"')
        ok, lines = await run(config, {"HTTPS_PROXY": proxy.url})
    assert ok, lines
    assert named(lines, "tls").startswith("✓ tls: certificate for 127.0.0.1 valid until")
    assert named(lines, "tls").endswith(f"trusted through ca_file {cert}, via {proxy.url}")
    assert set(proxy.targets()) == {f"CONNECT 127.0.0.1:{port}"}
