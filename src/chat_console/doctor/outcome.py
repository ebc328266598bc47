"""One check's verdict and the state the checks hand on to each other."""

import asyncio
import ssl as ssl_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

from chat_console.client.errors import fit_to_show
from chat_console.client.proxy import ENVIRONMENT, Proxies, shown
from chat_console.client.tokens import TokenProvider
from chat_console.client.transport import Generation, Transport
from chat_console.config import Settings


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    blocking: bool = True  # a failure stops the checks after it (they need what it checks)

    def line(self) -> str:
        """One printable line: no control characters, no line breaks, the fix on failure."""
        text = f"{'✓' if self.ok else '✗'} {self.name}: {self.detail}"
        if not self.ok and self.fix:
            text += f" — fix: {self.fix}"
        return " ".join(fit_to_show(text, 400).split())


def passed(name: str, detail: str) -> Outcome:
    return Outcome(name, True, detail)


def failed(name: str, detail: str, fix: str, *, blocking: bool = True) -> Outcome:
    return Outcome(name, False, detail, fix, blocking)


@dataclass
class Findings:
    """What earlier checks learnt, for the later ones (each sets what it found)."""

    config_path: str | None
    env: Mapping[str, str] | None
    settings: Settings | None = None
    url: URL | None = None
    ssl: ssl_module.SSLContext | bool = True
    proxies: Proxies = ENVIRONMENT
    proxy: str | None = field(default=None, repr=False)  # the server's (credentials included)
    generation: Generation | None = None
    tokens: TokenProvider | None = None
    token: str | None = field(default=None, repr=False)
    transport: Transport | None = None
    inbox: asyncio.Queue[tuple[str, tuple[Any, ...]]] = field(default_factory=asyncio.Queue)

    def need_settings(self) -> Settings:
        assert self.settings is not None, "the config check runs first"
        return self.settings

    def need_url(self) -> URL:
        assert self.url is not None, "the config check runs first"
        return self.url

    def via(self, url: str | None = None) -> str:
        """`, via http://proxy:3128` when a proxy carries `url` (the server's by default)."""
        proxy = self.proxy if url is None else self.proxies.for_url(url)
        return f", via {shown(proxy)}" if proxy else ""
