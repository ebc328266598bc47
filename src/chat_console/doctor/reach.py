"""The checks before any Socket.IO: the config file, DNS, TCP and TLS."""

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
from chat_console.config import ConfigError, load_settings
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


async def check_dns(found: Findings) -> Outcome:
    url = found.need_url()
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


async def check_tcp(found: Findings) -> Outcome:
    url = found.need_url()
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
            asyncio.open_connection(url.host, url.port, ssl=context, server_hostname=url.host),
            NETWORK_TIMEOUT,
        )
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
    detail = f"certificate for {url.host} valid until {until} ({days} days){trusted}"
    if days < EXPIRY_WARNING_DAYS:
        return failed("tls", detail, "renew the server's certificate soon", blocking=False)
    return passed("tls", detail)


def _why(error: BaseException) -> str:
    if isinstance(error, ssl_module.SSLError) and error.reason:
        return str(error.reason)
    if isinstance(error, OSError) and error.errno:
        return os.strerror(error.errno).lower()  # asyncio's strerror repeats the address
    return str(error) or type(error).__name__


async def _closed(writer: asyncio.StreamWriter) -> None:
    # We only wanted to know that it opens.
    with contextlib.suppress(OSError, TimeoutError, ssl_module.SSLError):
        await asyncio.wait_for(writer.wait_closed(), NETWORK_TIMEOUT)
