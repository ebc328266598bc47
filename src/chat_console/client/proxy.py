"""Which HTTP proxy a connection goes through: `[server] proxy`, else the environment's.

The environment is read as urllib and curl read it: `<scheme>_proxy` for the URL's scheme (ws and
wss count as http and https), else `all_proxy`, the lower-case name before the upper-case one; a
host that `no_proxy` names (the host, a domain suffix, `host:port`, or `*`) goes direct.
`[server] proxy = URL` replaces all of that for every connection the console makes (server, token
endpoint, HTTP extras); `proxy = ""` makes them all direct.

Only http:// proxies: aiohttp tunnels https and wss through them with CONNECT, and forwards plain
http and ws as absolute-URI requests. Credentials in a proxy URL are secrets: the log filter learns
them the moment a URL is resolved, and `shown()` leaves them out.
"""

import base64
import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from yarl import URL

from chat_console.redaction import remember_secret

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
