"""Which Engine.IO version a Socket.IO server speaks: 3 (Socket.IO 2.x) or 4 (3.x/4.x), and
whether it offers a websocket upgrade (a server or balancer may allow long-polling only)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from socketio import exceptions
from yarl import URL

from chat_console.client.eio3.codec import EIO_CLOSE, engineio_version_of
from chat_console.client.eio3.links import SSLOption, connect_failure, http_exchange


class EngineIOProbeError(exceptions.ConnectionError):
    """`probe_server` could not tell which Engine.IO version a server speaks."""


@dataclass(frozen=True, slots=True)
class ServerProbe:
    """What a server's polling handshake said of it."""

    version: int  # Engine.IO 3 (Socket.IO 2.x) or 4 (3.x/4.x)
    upgrades: tuple[str, ...]  # ("websocket",), or () when it serves long-polling only

    @property
    def transports(self) -> str:
        """In words, for the operator: which transports the server offers."""
        if "websocket" in self.upgrades:
            return "long-polling and websocket"
        return "long-polling only (no websocket upgrade)"


async def probe_server(
    url: str,
    socketio_path: str = "socket.io",
    ssl: SSLOption = True,
    *,
    headers: Mapping[str, str] | None = None,
    request_timeout: float = 5.0,
    http_session: aiohttp.ClientSession | None = None,
    proxy: str | None = None,
) -> ServerProbe:
    """Ask a Socket.IO server which Engine.IO version it speaks: 3 (Socket.IO 2.x) or 4 (3.x/4.x),
    and which upgrades its open packet offers.

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
            status, body = await http_exchange(
                session,
                "GET",
                endpoint.with_query(query),
                headers,
                ssl,
                limits=aiohttp.ClientTimeout(total=request_timeout),
            )
            statuses.append(status)
            version = engineio_version_of(body) if status == 200 else None
            if version is not None:
                params = _open_params(body)
                await _close_probed_session(session, endpoint, base, params, version, ssl, headers)
                upgrades = params.get("upgrades")
                names = tuple(str(name) for name in upgrades) if isinstance(upgrades, list) else ()
                return ServerProbe(version, names)
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise EngineIOProbeError(f"cannot connect to {shown}: {connect_failure(error)}") from None
    finally:
        if session is not http_session:
            await session.close()
    answered = ", ".join(f"HTTP {status}" for status in statuses)
    raise EngineIOProbeError(f"{shown} answered no Engine.IO v3 or v4 handshake ({answered})")


def _open_params(body: bytes) -> dict[str, object]:
    """The open packet's JSON (sid, upgrades, ...), or {} if it cannot be read."""
    start = body.index(b"0{")
    opening = body[start + 1 :].split(b"\x1e", 1)[0]
    with contextlib.suppress(ValueError):
        # The open JSON ends at the first `}` that makes it parse; v3 may append more packets.
        params, _ = json.JSONDecoder().raw_decode(opening.decode("utf-8", "replace"))
        if isinstance(params, dict):
            return params
    return {}


async def _close_probed_session(
    session: aiohttp.ClientSession,
    endpoint: URL,
    base: URL,
    params: dict[str, object],
    version: int,
    ssl: SSLOption,
    headers: Mapping[str, str] | None,
) -> None:
    """Send the close packet for the session the probe opened, so the server forgets it now."""
    if not isinstance(params.get("sid"), str):
        return
    query = {**base.query, "EIO": str(version), "transport": "polling", "sid": str(params["sid"])}
    close = EIO_CLOSE if version == 4 else f"1:{EIO_CLOSE}"
    with contextlib.suppress(TimeoutError, aiohttp.ClientError, OSError):
        await http_exchange(
            session,
            "POST",
            endpoint.with_query(query),
            headers,
            ssl,
            body=close,
            limits=aiohttp.ClientTimeout(total=2),
        )
