"""Fixtures for the hostile-input tests: the live console of the TUI tests (a real customer
through the reference server), and a console connected to a hostile server that sends anything."""

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.pilot import Pilot

from chat_console.client import OperatorClient, StaticToken
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig
from tests.client.tiny_server import TinyServer, tiny_server
from tests.helpers import WAIT, eventually
from tests.tui.conftest import OP1, live, live_factory  # noqa: F401  (fixtures, used by name)


@dataclass
class Hostile:
    """A console online against a server that sends whatever the test tells it to."""

    app: ConsoleApp
    pilot: Pilot[int]
    server: TinyServer

    async def send(self, event: str, *args: Any) -> None:
        """Emit `event` with these positional arguments to the console, as a server would."""
        (sid,) = self.server.sids
        await self.server.sio.emit(event, tuple(args), to=sid)  # a tuple: one item per argument

    async def until(self, condition: Callable[[], object], within: float = WAIT) -> None:
        await eventually(condition, within, pause=self.pilot.pause, every=0.02)


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    async with tiny_server() as server:
        app = ConsoleApp(
            ConsoleConfig(user=OP1, server_host="hostile.example"),
            store=Store(":memory:", operator_id=OP1.user_id),
            client_factory=lambda listener: OperatorClient(
                url=server.url, user=OP1, tokens=StaticToken("t0ken-for-hostile"), listener=listener
            ),
        )
        async with app.run_test(size=(100, 30)) as pilot:
            running = Hostile(app, pilot, server)
            await running.until(lambda: app.main.connection[0] == "online" and server.sids)
            yield running
