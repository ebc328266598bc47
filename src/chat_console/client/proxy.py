"""Which HTTP proxy a connection goes through: `[server] proxy`, else the environment's.

The environment is read as urllib and curl read it: `<scheme>_proxy` for the URL's scheme (ws and
wss count as http and https), else `all_proxy`, the lower-case name before the upper-case one; a
host that `no_proxy` names (the host, a domain suffix, `host:port`, or `*`) goes direct.
`[server] proxy = URL` replaces all of that for every connection the console makes (server, token
endpoint, HTTP extras); `proxy = ""` makes them all direct.

Only http:// proxies. Through them https and wss go in a CONNECT tunnel (aiohttp's own), plain
http requests are forwarded in absolute-URI form (aiohttp's own), and a plain ws websocket goes in
a CONNECT tunnel too (`TunnellingConnector`), as browsers do it (RFC 6455, 4.1): a proxy does not
know the ws: scheme and rarely forwards an Upgrade. Credentials in a proxy URL are secrets: the log
filter learns them the moment a URL is resolved, and `shown()` leaves them out.
"""

import asyncio
import base64
import errno
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import aiohttp
from yarl import URL

from chat_console.redaction import remember_secret

if TYPE_CHECKING:
    from aiohttp.client_proto import ResponseHandler
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.connector import Connection
    from aiohttp.tracing import Trace

_PROXIED_AS = {"http": "http", "ws": "http", "https": "https", "wss": "https"}
CONFIGURED = "[server] proxy"


class ProxyError(ValueError):
    """A proxy URL the console cannot use; its text names where it came from, never credentials."""


@dataclass(frozen=True, slots=True)
class Route:
    """How one URL is reached: through `proxy` (None: directly), and why, in the config's words."""

    proxy: str | None
    why: str

    def shown(self) -> str:
        """`via http://host:port (why)` or `direct (why)`: no credentials."""
        if self.proxy is None:
            return f"direct ({self.why})"
        return f"via {shown(self.proxy)} ({self.why})"


@dataclass(frozen=True, slots=True)
class Proxies:
    """The proxy rule of one console: `configured` is `[server] proxy` (None when the key is
    absent: the environment decides), `env` the environment to read (None: os.environ, read at
    each connection, so it is what the console runs with)."""

    configured: str | None = None
    env: Mapping[str, str] | None = None

    def route(self, url: str | URL) -> Route:
        """The proxy for `url` and why; ProxyError for an unusable proxy URL."""
        target = URL(url)
        if self.configured is not None:
            if not self.configured:
                return Route(None, f'{CONFIGURED} = ""')
            return Route(usable(self.configured, CONFIGURED), CONFIGURED)
        env = os.environ if self.env is None else self.env
        scheme = _PROXIED_AS.get(target.scheme, target.scheme)
        found = _first_set(env, f"{scheme}_proxy", "all_proxy")
        if found is None:
            return Route(None, f"no {scheme.upper()}_PROXY or ALL_PROXY set")
        name, value = found
        excluded = _first_set(env, "no_proxy")
        if excluded and _bypassed(target, excluded[1]):
            return Route(None, f"{excluded[0]} names {target.host}")
        return Route(usable(value, name), name)

    def for_url(self, url: str | URL) -> str | None:
        """The proxy URL (credentials included) to hand to aiohttp for `url`, or None."""
        return self.route(url).proxy


ENVIRONMENT = Proxies()  # no `[server] proxy`: what the environment says, as a process would
DIRECT = Proxies("")  # `[server] proxy = ""`; and the demo, whose server is on this machine


def proxy_for(url: str | URL, proxies: Proxies = ENVIRONMENT) -> str | None:
    return proxies.for_url(url)


def usable(value: str, source: str) -> str:
    """`value` as an http:// proxy URL (a bare `host:port` means http://); its credentials are
    registered as secrets."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    try:
        proxy = URL(text)
    except ValueError:
        raise ProxyError(f"{source}: not a URL") from None
    if proxy.scheme != "http" or not proxy.host:
        raise ProxyError(
            f"{source}: {proxy.scheme}:// proxies are not supported: use an http:// proxy"
            if proxy.host
            else f"{source}: a proxy URL needs a host"
        )
    _remember_credentials(proxy)
    return text


def shown(proxy: str) -> str:
    """A proxy URL fit to show: scheme, host and port, never its credentials."""
    try:
        url = URL(proxy if "://" in proxy else "http://" + proxy)
    except ValueError:
        return "(an unreadable proxy URL)"
    return str(url.with_user(None).with_path("").with_query(None).with_fragment(None))


def proxy_authorization(proxy: str) -> str | None:
    """The `Proxy-Authorization` header value for a proxy URL's credentials, or None."""
    url = URL(proxy)
    if url.user is None and url.password is None:
        return None
    pair = f"{url.user or ''}:{url.password or ''}"
    encoded = base64.b64encode(pair.encode()).decode("ascii")
    remember_secret(encoded)
    return f"Basic {encoded}"


def _remember_credentials(proxy: URL) -> None:
    for raw in (proxy.raw_password, proxy.password):
        remember_secret(raw)
        remember_secret(unquote(raw) if raw else None)
    proxy_authorization(str(proxy))


def _first_set(env: Mapping[str, str], *names: str) -> tuple[str, str] | None:
    """The first of `names` set (non-empty) in `env`, each tried lower-case then upper-case."""
    for name in names:
        for spelling in (name, name.upper()):
            value = env.get(spelling, "").strip()
            if value:
                return spelling, value
    return None


def _bypassed(target: URL, no_proxy: str) -> bool:
    """Whether `no_proxy` (comma-separated: `*`, hosts, domain suffixes with or without a leading
    dot, `host:port`) names the target, as urllib reads it."""
    host = (target.host or "").lower()
    with_port = f"{host}:{target.port}" if target.port is not None else host
    for entry in no_proxy.lower().split(","):
        name = entry.strip().lstrip(".")
        if name == "*":
            return True
        if name and any(h == name or h.endswith("." + name) for h in (host, with_port)):
            return True
    return False


MAX_PROXY_ANSWER = 16 * 1024  # bytes of a proxy's answer to CONNECT before its blank line


class TunnellingConnector(aiohttp.TCPConnector):
    """aiohttp's connector, but a ws:// websocket through a proxy goes in a CONNECT tunnel.

    Over the tunnel the request is the origin server's (origin-form, no proxy headers), and it
    never rides a pooled keep-alive connection to the proxy (where aiohttp would send it as
    `GET ws://...`). Every other request is aiohttp's business, proxy or not.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._tunnels: dict[int, str] = {}  # id(request) -> its proxy, while it connects

    async def connect(
        self,
        req: "ClientRequest",
        traces: list["Trace"],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
    ) -> "Connection":
        if req.proxy is None or req.url.scheme != "ws":
            return await super().connect(req, traces, timeout)
        self._tunnels[id(req)] = str(req.proxy)
        # From here on the request is the origin's: its pool key is a direct one.
        req.update_proxy(None, None, None)
        try:
            return await super().connect(req, traces, timeout)
        finally:
            del self._tunnels[id(req)]

    async def _create_connection(
        self,
        req: "ClientRequest",
        traces: list["Trace"],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 (aiohttp's signature)
    ) -> "ResponseHandler":
        proxy = self._tunnels.get(id(req))
        if proxy is None:
            return await super()._create_connection(req, traces, timeout)
        try:
            sock = await open_tunnel(proxy, req.url.host or "", req.url.port or 80)
        except OSError as error:  # what aiohttp raises for a proxy it cannot get through
            raise aiohttp.ClientProxyConnectionError(req.connection_key, error) from None
        try:
            _, handler = await asyncio.get_running_loop().create_connection(
                self._factory, sock=sock
            )
        except OSError as error:
            sock.close()
            raise aiohttp.ClientProxyConnectionError(req.connection_key, error) from None
        return handler


async def open_tunnel(proxy: str, host: str, port: int) -> socket.socket:
    """A socket connected through `proxy` to host:port by CONNECT; ClientHttpProxyError (with
    the proxy's status) or OSError otherwise."""
    proxy_url = URL(proxy)
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(proxy_url.host, proxy_url.port, type=socket.SOCK_STREAM)
    family, kind, protocol, _, address = infos[0]
    sock = socket.socket(family, kind, protocol)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
        await loop.sock_sendall(sock, connect_request(proxy, host, port))
        status = await _tunnel_status(loop, sock)
    except BaseException:
        sock.close()
        raise
    if status != 200:
        sock.close()
        raise ProxyRefused(status, f"the proxy answered CONNECT with HTTP {status}")
    return sock


class ProxyRefused(OSError):
    """The proxy answered CONNECT with something other than 200 (e.g. 403, 407)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(errno.ECONNREFUSED, text)
        self.status = status


def connect_request(proxy: str, host: str, port: int) -> bytes:
    """`CONNECT host:port` with the proxy's credentials, if its URL has some."""
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    authorization = proxy_authorization(proxy)
    if authorization:
        lines.append(f"Proxy-Authorization: {authorization}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _tunnel_status(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> int:
    """The status of the proxy's answer, read byte by byte up to its blank line, so that not a
    byte of what follows (the origin's) is taken."""
    answer = b""
    while not answer.endswith(b"\r\n\r\n"):
        byte = await loop.sock_recv(sock, 1)
        if not byte or len(answer) > MAX_PROXY_ANSWER:
            raise ProxyRefused(0, "the proxy closed the connection instead of answering CONNECT")
        answer += byte
    try:
        return int(answer.split(b" ", 2)[1])
    except (IndexError, ValueError):
        raise ProxyRefused(0, "the proxy's answer to CONNECT is not HTTP") from None
