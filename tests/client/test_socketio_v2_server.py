"""Against a Socket.IO 2.x server (Engine.IO v3) the client goes online through the v2 adapter.

`[server] protocol = "auto"` probes the server once; "v4" against a 2.x server is named in words
with the fix, never a traceback.
"""

import shutil

import pytest

from chat_console.client import ConnectionChanged, ConnectionState, StaticToken
from chat_console.client.transport import Generation
from tests.client.conftest import ClientFactory
from tests.eio3.conftest import NODE_V2_DIR, started_node_server


@pytest.fixture
def node_v2() -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the socket.io 2.x server cannot run")
    if not (NODE_V2_DIR / "node_modules" / "socket.io").is_dir():
        pytest.skip("tests/node_v2/node_modules is missing (run npm ci there)")


@pytest.mark.usefixtures("node_v2")
async def test_auto_finds_a_socketio_2_server_and_goes_online(make_client: ClientFactory) -> None:
    async with started_node_server(NODE_V2_DIR) as server:
        client, recorder = await make_client(server.url, tokens=StaticToken("op1-token"))
        assert client.state is ConnectionState.ONLINE
        assert client.protocol is Generation.V2
        assert recorder.of(ConnectionChanged)[-1].protocol is Generation.V2
        await client.stop()


@pytest.mark.usefixtures("node_v2")
async def test_v4_against_a_socketio_2_server_names_the_fix(make_client: ClientFactory) -> None:
    async with started_node_server(NODE_V2_DIR) as server:
        client, recorder = await make_client(
            server.url, tokens=StaticToken("op1-token"), protocol="v4"
        )
        waiting = recorder.of(ConnectionChanged)[-1]
        assert waiting.state is ConnectionState.RECONNECTING
        assert waiting.reason == (
            'the server speaks Socket.IO 2.x: set [server] protocol = "auto" or "v2"'
        )
        await client.stop()
