"""Against a Socket.IO 2.x server (Engine.IO v3) the client goes online through the v2 adapter.

`[server] protocol = "auto"` probes the server once; "v4" against a 2.x server is named in words
with the fix, never a traceback.
"""

from pathlib import Path

from chat_console.client import ConnectionState, ConnectionStateChanged, StaticToken
from chat_console.client.transport import Generation
from tests.client.conftest import ClientFactory
from tests.eio3.conftest import node_v2_dir, started_node_server

__all__ = ["node_v2_dir"]  # the fixture: installs the pinned socket.io 2.x, or skips saying why


async def test_auto_finds_a_socketio_2_server_and_goes_online(
    make_client: ClientFactory, node_v2_dir: Path
) -> None:
    async with started_node_server(node_v2_dir) as server:
        client, recorder = await make_client(server.url, tokens=StaticToken("op1-token"))
        assert client.state is ConnectionState.ONLINE
        assert client.protocol is Generation.V2
        assert recorder.of(ConnectionStateChanged)[-1].protocol is Generation.V2
        await client.stop()


async def test_v4_against_a_socketio_2_server_names_the_fix(
    make_client: ClientFactory, node_v2_dir: Path
) -> None:
    async with started_node_server(node_v2_dir) as server:
        client, recorder = await make_client(
            server.url, tokens=StaticToken("op1-token"), protocol="v4"
        )
        waiting = recorder.of(ConnectionStateChanged)[-1]
        assert waiting.state is ConnectionState.RECONNECTING
        assert waiting.reason == (
            'the server speaks Socket.IO 2.x: set [server] protocol = "auto" or "v2"'
        )
        await client.stop()
