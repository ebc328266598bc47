"""Against a Socket.IO 2.x server (Engine.IO v3) the client reports it in words, not a traceback.

python-socketio 5 cannot talk to 2.x; until the Engine.IO v3 adapter (client/eio3.py) is wired
into the supervisor, the operator must at least learn why the console cannot connect.
"""

import shutil

import pytest

from chat_console.client import ConnectionChanged, ConnectionState, StaticToken
from tests.client.conftest import ClientFactory
from tests.eio3.conftest import NODE_V2_DIR, started_node_server


@pytest.fixture
def node_v2() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the socket.io 2.x server cannot run")
    if not (NODE_V2_DIR / "node_modules" / "socket.io").is_dir():
        pytest.skip("tests/node_v2/node_modules is missing (run npm ci there)")


@pytest.mark.usefixtures("node_v2")
async def test_a_socketio_2_server_is_named_as_such(make_client: ClientFactory) -> None:
    async with started_node_server(NODE_V2_DIR) as server:
        client, recorder = await make_client(server.url, tokens=StaticToken("op1-token"))
        waiting = recorder.of(ConnectionChanged)[-1]
        assert waiting.state is ConnectionState.RECONNECTING
        assert (
            waiting.reason == "the server speaks an older Socket.IO (2.x) this console cannot use"
        )
        await client.stop()
