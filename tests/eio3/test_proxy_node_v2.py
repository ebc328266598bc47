"""The Engine.IO v3 transport through an HTTP proxy, against the socket.io 2.5.1 server: the probe
and the long-polling requests are forwarded, the websocket goes in a CONNECT tunnel; NO_PROXY
hosts go direct; a proxy that refuses CONNECT leaves the link on long-polling, or is named when
only websockets are allowed."""

from collections.abc import Callable

import pytest
from socketio import exceptions

from chat_console.client import Backoff, ConnectionState, OperatorClient, StaticToken
from chat_console.client.eio3.client import SocketIO2Client
from chat_console.protocol import EmitEvent, ListenEvent, emits
from tests.client.conftest import FAST, OP1
from tests.client.conftest import Recorder as ClientRecorder
from tests.eio3.conftest import NodeServer, Recorder
from tests.forward_proxy import forward_proxy

MakeClient = Callable[[], tuple[SocketIO2Client, Recorder]]


async def test_the_console_reaches_a_v2_server_through_the_proxy(
    node_server: NodeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        client = OperatorClient(
            url=node_server.url,
            user=OP1,
            tokens=StaticToken("op1-token"),
            listener=ClientRecorder(),
            backoff=Backoff(**FAST),
        )
        try:
            await client.start()
            assert client.state is ConnectionState.ONLINE
            assert client.protocol == "v2"
        finally:
            await client.stop()
    host = node_server.url.removeprefix("http://")
    assert proxy.targets()[0].startswith(f"GET {node_server.url}/socket.io/?EIO=4")  # the probe
    assert proxy.upgraded == [host]  # the websocket, in a tunnel


async def test_the_v2_client_honours_no_proxy(
    node_server: NodeServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forward_proxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
        client, recorder = make_client()
        await client.connect(node_server.url)
        await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
        await recorder.expect(ListenEvent.AUTHENTICATED)
        await client.disconnect()
    assert proxy.seen == []


async def test_a_proxy_refusing_connect_leaves_the_link_on_long_polling(
    node_server: NodeServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forward_proxy(allow_connect=False) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client, recorder = make_client()
        await client.connect(node_server.url)
        await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
        await recorder.expect(ListenEvent.AUTHENTICATED)
        transport = client.transport()
        await client.disconnect()
    assert transport == "polling"
    methods = {passed.method for passed in proxy.seen}
    assert methods >= {"GET", "POST", "CONNECT"}  # polled through it; the upgrade was refused
    assert proxy.upgraded == []


async def test_websocket_only_through_a_proxy_refusing_connect_is_named(
    node_server: NodeServer, make_client: MakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with forward_proxy(allow_connect=False) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        client, _ = make_client()
        with pytest.raises(exceptions.ConnectionError, match="answered CONNECT with HTTP 403"):
            await client.connect(node_server.url, transports=["websocket"])
    assert [passed.method for passed in proxy.seen] == ["CONNECT"]
