"""Fixtures shared by every test package."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from chat_console.server.runner import RunningServer, running_server


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "server(**options): start the `server` fixture with these running_server options "
        "(e.g. http_extras=False: a server without the HTTP extras)",
    )


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console honours HTTP_PROXY and its kin: every test starts without them, whatever the
    machine's environment says (a test that wants a proxy sets them)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
async def server(request: pytest.FixtureRequest) -> AsyncIterator[RunningServer]:
    """The reference server on a free 127.0.0.1 port with a memory database and demo accounts;
    a test marked `@pytest.mark.server(...)` gets one started with those options."""
    marker = request.node.get_closest_marker("server")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    async with running_server(**options) as running:
        yield running
