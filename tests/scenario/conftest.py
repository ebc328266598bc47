"""`backend`: the scenario's server, once per generation (the 2.x one skips without node), and
the 2.x one once more with websockets refused, as behind a balancer that does not pass them."""

from collections.abc import AsyncIterator

import pytest

from tests.client.conftest import make_client
from tests.eio3.conftest import POLLING_ONLY, node_v2_dir
from tests.scenario.backends import Backend, NodeV2Backend, ReferenceBackend

__all__ = ["backend", "make_client", "node_v2_dir"]


@pytest.fixture(params=["v4", "v2", "v2-polling"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    made: Backend
    if request.param == "v2":
        made = NodeV2Backend(request.getfixturevalue("node_v2_dir"))
    elif request.param == "v2-polling":
        made = NodeV2Backend(request.getfixturevalue("node_v2_dir"), **POLLING_ONLY)
    else:
        made = ReferenceBackend()
    await made.start()
    try:
        yield made
    finally:
        await made.stop()
