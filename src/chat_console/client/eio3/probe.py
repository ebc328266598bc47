"""Which Engine.IO version a Socket.IO server speaks: 3 (Socket.IO 2.x) or 4 (3.x/4.x)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping

import aiohttp
from socketio import exceptions
from yarl import URL

from chat_console.client.eio3.client import SSLOption, connect_failure
from chat_console.client.eio3.codec import EIO_CLOSE, engineio_version_of


class EngineIOProbeError(exceptions.ConnectionError):
    """`probe_engineio_version` could not tell which Engine.IO version a server speaks."""


async def probe_engineio_version(
    url: str,
    socketio_path: str = "socket.io",
    ssl: SSLOption = True,
    *,
    headers: Mapping[str, str] | None = None,
    request_timeout: float = 5.0,
    http_session: aiohttp.ClientSession | None = None,
    proxy: str | None = None,
) -> int:
    """Ask a Socket.IO server which Engine.IO version it speaks: 3 (Socket.IO 2.x) or 4 (3.x/4.x).

    One HTTP polling handshake with `EIO=4`; a v4 server opens with `0{...}`, a v3 server ignores
    the version and opens with a length-prefixed payload (`96:0{...}`). If the server refuses,
    the handshake is tried once more with `EIO=3`. The probed session is then closed. A session
    of our own goes through `proxy` (a given one through its own default). Raises
    `EngineIOProbeError`, with a one-line reason, when the server cannot be read as either.
    """
    base = URL(url)
    if base.scheme not in ("http", "https", "ws", "wss") or not base.host:
        raise EngineIOProbeError("server URL must be http(s):// or ws(s):// with a host")
    scheme = "https" if base.scheme in ("https", "wss") else "http"
    endpoint = base.with_scheme(scheme).with_path("/" + socketio_path.strip("/") + "/")
    shown = endpoint.with_query(None)  # a query may hold credentials: never in messages
    session = http_session or aiohttp.ClientSession(proxy=proxy)
    statuses: list[int] = []
    try:
        for asked in ("4", "3"):
            query = {**base.query, "EIO": asked, "transport": "polling"}
            async with session.get(
                endpoint.with_query(query),
                headers=headers,
                ssl=ssl,
                timeout=aiohttp.ClientTimeout(total=request_timeout),
            ) as response:
                body = await response.read()
                statuses.append(response.status)
            version = engineio_version_of(body) if response.status == 200 else None
            if version is not None:
                await _close_probed_session(session, endpoint, base, body, version, ssl, headers)
                return version
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise EngineIOProbeError(f"cannot connect to {shown}: {connect_failure(error)}") from None
    finally:
        if session is not http_session:
            await session.close()
    answered = ", ".join(f"HTTP {status}" for status in statuses)
    raise EngineIOProbeError(f"{shown} answered no Engine.IO v3 or v4 handshake ({answered})")


async def _close_probed_session(
    session: aiohttp.ClientSession,
    endpoint: URL,
    base: URL,
    body: bytes,
    version: int,
    ssl: SSLOption,
    headers: Mapping[str, str] | None,
) -> None:
    """Send the close packet for the session the probe opened, so the server forgets it now."""
    start = body.index(b"0{")
    opening = body[start + 1 :].split(b"\x1e", 1)[0]
    with contextlib.suppress(ValueError, KeyError, TypeError, aiohttp.ClientError, OSError):
        # The open JSON ends at the first `}` that makes it parse; v3 may append more packets.
        decoder = json.JSONDecoder()
        params, _ = decoder.raw_decode(opening.decode("utf-8", "replace"))
        query = {**base.query, "EIO": str(version), "transport": "polling", "sid": params["sid"]}
        close = EIO_CLOSE if version == 4 else f"1:{EIO_CLOSE}"
        async with session.post(
            endpoint.with_query(query),
            data=close,
            headers=headers,
            ssl=ssl,
            timeout=aiohttp.ClientTimeout(total=2),
        ) as response:
            await response.read()
