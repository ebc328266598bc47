"""`[server] protocol`: "auto" probes once and remembers; "v4"/"v2" never probe."""

import pytest

from chat_console.client import NotConnected
from chat_console.client.connection import SocketIO2Connection, SocketIOConnection
from chat_console.client.transport import Generation
from chat_console.client.transport_choice import TransportChooser
from chat_console.server.runner import running_server


def chooser(url: str, protocol: str = "auto") -> TransportChooser:
    return TransportChooser(protocol, url=url, socketio_path="socket.io", ssl=True)


async def test_auto_probes_once_and_remembers_for_the_session() -> None:
    async with running_server() as server:
        choice = chooser(server.url)
        assert choice.generation is None
        assert await choice.choose() is Generation.V4
    # The server is gone: a second probe would fail, so the answer must be the remembered one.
    assert await choice.choose() is Generation.V4
    transport = await choice.new(lambda event, args: None)
    assert isinstance(transport, SocketIOConnection)
    await transport.close()


async def test_auto_against_no_server_is_a_passing_failure_and_decides_nothing() -> None:
    async with running_server() as server:
        url = server.url
    choice = chooser(url)
    with pytest.raises(NotConnected, match="cannot connect"):
        await choice.choose()
    assert choice.generation is None  # the next round probes again


async def test_a_configured_generation_is_used_without_asking_the_server() -> None:
    choice = chooser("http://127.0.0.1:1", "v2")
    transport = await choice.new(lambda event, args: None)
    assert isinstance(transport, SocketIO2Connection)
    assert transport.generation is Generation.V2
    await transport.close()


def test_an_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="auto"):
        chooser("http://127.0.0.1:1", "v3")
