"""The checks before any Socket.IO: the config file, the proxy, DNS, TCP and TLS.

Through a proxy the first hop is the proxy: DNS resolves its name (the server's is the proxy's to
resolve), TCP opens a CONNECT tunnel to the server (the proxy is reachable, allows CONNECT to that
port and reaches the server: the websocket needs all three), and TLS runs inside such a tunnel.
"""

import asyncio
import contextlib
import os
import socket
import ssl as ssl_module
import time
from datetime import UTC, datetime
from pathlib import Path

from yarl import URL

from chat_console.client.factory import tls_from_settings
from chat_console.client.proxy import Proxies, ProxyError, ProxyRefused, open_tunnel, shown
from chat_console.config import AuthMethod, ConfigError, load_settings
from chat_console.doctor.outcome import Findings, Outcome, failed, passed

NETWORK_TIMEOUT = 5.0
EXPIRY_WARNING_DAYS = 14


async def check_config(found: Findings) -> Outcome:
    try:
        settings = load_settings(found.config_path, found.env)
    except ConfigError as error:
        return failed(
            "config", str(error), "edit the config; config.example.toml documents every key"
        )
    found.settings = settings
    found.url = URL(settings.server.url)
    found.ssl = tls_from_settings(settings)
    found.proxies = Proxies(settings.server.proxy, found.env)
    where = settings.source or "the environment (no config file)"
    return passed("config", f"{where} is valid")


async def check_permissions(found: Findings) -> Outcome:
    settings = found.need_settings()
    if not settings.source:
        return passed("permissions", "no config file to protect")
    path = Path(settings.source)
    exposed = [notice for notice in settings.notices if "others may read it" in notice]
    if exposed:
        # A working config, so the later checks still run; but the exit code says fix this.
        detail = exposed[0].split("; run:")[0]
        return failed("permissions", detail, f"chmod 600 {path}", blocking=False)
    mode = (await asyncio.to_thread(path.stat)).st_mode
    if os.name == "posix" and mode & 0o077:
        return passed("permissions", f"{path.name} holds no secret (others may read it)")
    return passed("permissions", f"{path.name} is private to you")


async def check_proxy(found: Findings) -> Outcome:
    """Which proxy the server and the token endpoint are reached through, and why."""
    settings = found.need_settings()
    fix = 'set [server] proxy to an http:// proxy URL, or "" for none'
    try:
        server = found.proxies.route(settings.server.url)
        token = None
        if settings.auth.method is AuthMethod.OAUTH:
            token = found.proxies.route(settings.auth.token_url)
    except ProxyError as error:
        return failed("proxy", str(error), fix)
    found.proxy = server.proxy
    if token is None:
        return passed("proxy", f"the server {server.shown()}")
    if token == server:
        return passed("proxy", f"the server and token_url {server.shown()}")
    return passed("proxy", f"the server {server.shown()}; token_url {token.shown()}")


async def check_dns(found: Findings) -> Outcome:
    url = found.need_url()
    if found.proxy is not None:
        return await _check_proxy_dns(found.proxy)
    host = url.host or ""
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, url.port, type=socket.SOCK_STREAM),
            NETWORK_TIMEOUT,
        )
    except (OSError, TimeoutError) as error:
        why = getattr(error, "strerror", None) or "no answer in time"
        return failed(
            "dns",
            f"cannot resolve {host}: {why}",
            "check the host in [server] url, and the machine's network and DNS",
        )
    addresses = sorted({str(info[4][0]) for info in infos})
    return passed("dns", f"{host} is {', '.join(addresses[:3])}")


async def _check_proxy_dns(proxy: str) -> Outcome:
    host = URL(proxy).host or ""
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM),
            NETWORK_TIMEOUT,
        )
    except (OSError, TimeoutError) as error:
        why = getattr(error, "strerror", None) or "no answer in time"
        return failed(
            "dns", f"cannot resolve the proxy {host}: {why}", "check the proxy URL's host"
        )
    addresses = sorted({str(info[4][0]) for info in infos})
    return passed(
        "dns", f"the proxy {host} is {', '.join(addresses[:3])} (it resolves the server's name)"
    )


async def check_tcp(found: Findings) -> Outcome:
    url = found.need_url()
    if found.proxy is not None:
        return await _check_tunnel(found.proxy, url)
    where = f"{url.host}:{url.port}"
    fix = "start the server, or correct the host and port in [server] url"
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(url.host, url.port), NETWORK_TIMEOUT
        )
    except TimeoutError:
        return failed("tcp", f"no answer from {where} within {NETWORK_TIMEOUT:g} s", fix)
    except OSError as error:
        return failed("tcp", f"nothing accepts connections at {where} ({_why(error)})", fix)
    writer.close()
    await _closed(writer)
    return passed("tcp", f"{where} accepts connections")


async def check_tls(found: Findings) -> Outcome:
    url = found.need_url()
    settings = found.need_settings()
    if url.scheme != "https":
        return passed("tls", "not used (http://)")
    if found.ssl is False:
        return passed("tls", "certificate not checked ([server] verify_tls = false)")
    context = found.ssl if isinstance(found.ssl, ssl_module.SSLContext) else None
    context = context or ssl_module.create_default_context()
    ca_file = settings.server.ca_file
    try:
        _, writer = await asyncio.wait_for(
            _tls_connection(found.proxy, url, context), NETWORK_TIMEOUT
        )
    except ProxyRefused as error:  # the tcp check passed: the proxy changed its mind
        return failed("tls", *_refusal(error, shown(found.proxy or ""), f"{url.host}:{url.port}"))
    except ssl_module.SSLCertVerificationError as error:
        fix = (
            f"ca_file {ca_file} does not vouch for this server: point it at the CA that does"
            if ca_file
            else "set [server] ca_file to the PEM file of the CA that signed the server"
        )
        return failed("tls", f"certificate not trusted: {error.verify_message}", fix)
    except (ssl_module.SSLError, OSError, TimeoutError) as error:
        return failed(
            "tls",
            f"TLS handshake with {url.host}:{url.port} failed ({_why(error)})",
            "check that the server speaks TLS on that port, or use http://",
        )
    certificate = writer.get_extra_info("peercert") or {}
    writer.close()
    await _closed(writer)
    expires = ssl_module.cert_time_to_seconds(certificate["notAfter"])
    days = int((expires - time.time()) // 86400)
    until = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d")
    trusted = f", trusted through ca_file {ca_file}" if ca_file else ""
    detail = f"certificate for {url.host} valid until {until} ({days} days){trusted}{found.via()}"
    if days < EXPIRY_WARNING_DAYS:
        return failed("tls", detail, "renew the server's certificate soon", blocking=False)
    return passed("tls", detail)


async def _check_tunnel(proxy: str, url: URL) -> Outcome:
    """Reach the proxy and have it open a CONNECT tunnel to the server."""
    first_hop = shown(proxy)
    where = f"{url.host}:{url.port}"
    try:
        tunnel = await asyncio.wait_for(
            open_tunnel(proxy, url.host or "", url.port or 80), NETWORK_TIMEOUT
        )
    except TimeoutError:
        return failed(
            "tcp", f"no answer from the proxy {first_hop} within {NETWORK_TIMEOUT:g} s", _PROXY_FIX
        )
    except ProxyRefused as error:
        return failed("tcp", *_refusal(error, first_hop, where))
    except OSError as error:
        return failed(
            "tcp",
            f"nothing accepts connections at the proxy {first_hop} ({_why(error)})",
            _PROXY_FIX,
        )
    tunnel.close()
    return passed("tcp", f"the proxy {first_hop} opened a CONNECT tunnel to {where}")


_PROXY_FIX = (
    'start the proxy, or correct HTTPS_PROXY / HTTP_PROXY, or set [server] proxy ("" for none)'
)


def _refusal(error: ProxyRefused, proxy: str, where: str) -> tuple[str, str]:
    """What a proxy's refusal of CONNECT means, and its fix."""
    if error.status == 407:
        return (
            f"the proxy {proxy} wants credentials (HTTP 407)",
            "put them in the proxy URL, as user:password@ before its host",
        )
    if error.status in (502, 503, 504):
        return (
            f"the proxy {proxy} could not reach {where} (HTTP {error.status})",
            "check the host and port in [server] url (the proxy tried them)",
        )
    if error.status:
        return (
            f"the proxy {proxy} refused CONNECT to {where} (HTTP {error.status})",
            "ask the proxy's administrators to allow CONNECT to that port,"
            ' or set [server] proxy = "" if the server is reachable directly',
        )
    return f"the proxy {proxy} failed: {error.strerror}", _PROXY_FIX


def _why(error: BaseException) -> str:
    if isinstance(error, ssl_module.SSLError) and error.reason:
        return str(error.reason)
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno).lower()  # asyncio's strerror repeats the address
    return str(error) or type(error).__name__


async def _tls_connection(
    proxy: str | None, url: URL, context: ssl_module.SSLContext
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TLS connection to the server: directly, or inside a CONNECT tunnel through `proxy`."""
    if proxy is None:
        return await asyncio.open_connection(
            url.host, url.port, ssl=context, server_hostname=url.host
        )
    tunnel = await open_tunnel(proxy, url.host or "", url.port or 443)
    try:
        return await asyncio.open_connection(sock=tunnel, ssl=context, server_hostname=url.host)
    except BaseException:
        tunnel.close()
        raise


async def _closed(writer: asyncio.StreamWriter) -> None:
    # We only wanted to know that it opens.
    with contextlib.suppress(OSError, TimeoutError, ssl_module.SSLError):
        await asyncio.wait_for(writer.wait_closed(), NETWORK_TIMEOUT)
