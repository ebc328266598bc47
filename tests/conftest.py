"""Fixtures shared by every test package."""

from collections.abc import AsyncIterator

import pytest

from chat_console.server.runner import RunningServer, running_server


@pytest.fixture
async def server() -> AsyncIterator[RunningServer]:
    """The reference server on a free 127.0.0.1 port with a memory database and demo accounts."""
    async with running_server() as running:
        yield running
