"""The reference server in a separate process, killed, frozen and restarted by the tests."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from benchmarks.chaos_harness import ServerProcess


@pytest.fixture
async def server_process(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    server = ServerProcess(tmp_path)
    await server.start()
    yield server
    await server.stop()
