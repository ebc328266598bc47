"""The Socket.IO revision 4 packet codec, the URL mapping and the probe's body reader: pure code."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_console.client.eio3 import (
    SIO_ACK,
    SIO_CONNECT,
    SIO_DISCONNECT,
    SIO_ERROR,
    SIO_EVENT,
    SocketPacket,
    decode_socket_packet,
    encode_socket_packet,
    engineio_version_of,
    websocket_url,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=10,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", SocketPacket(SIO_CONNECT)),
        ("1", SocketPacket(SIO_DISCONNECT)),
        ('2["authenticated",true]', SocketPacket(SIO_EVENT, data=["authenticated", True])),
        ('212["acceptTicket","t"]', SocketPacket(SIO_EVENT, ack_id=12, data=["acceptTicket", "t"])),
        ("37[null]", SocketPacket(SIO_ACK, ack_id=7, data=[None])),
        ('3/admin,5["x"]', SocketPacket(SIO_ACK, namespace="/admin", ack_id=5, data=["x"])),
        ('4"Not authorized"', SocketPacket(SIO_ERROR, data="Not authorized")),
    ],
)
def test_decodes_the_packets_a_2x_server_sends(text: str, expected: SocketPacket) -> None:
    assert decode_socket_packet(text) == expected


def test_encodes_events_and_acks_as_the_spec_writes_them() -> None:
    assert encode_socket_packet(SIO_EVENT, ["authenticate", {"accessToken": "x"}]) == (
        '2["authenticate",{"accessToken":"x"}]'
    )
    assert (
        encode_socket_packet(SIO_EVENT, ["acceptTicket", "t"], ack_id=3) == '23["acceptTicket","t"]'
    )
    assert encode_socket_packet(SIO_ACK, [None], ack_id=9) == "39[null]"
    assert encode_socket_packet(SIO_DISCONNECT) == "1"
    assert encode_socket_packet(SIO_EVENT, ["é"]) == '2["é"]'  # UTF-8 text, not \u escapes


@pytest.mark.parametrize(
    "text",
    ["", "x", '5-["bin",{"_placeholder":true,"num":0}]', "2", "2{}", "2[1]", '2["a"', "3"],
)
def test_rejects_what_it_cannot_read_without_echoing_it(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        decode_socket_packet(text)
    assert text[1:] == "" or text[1:] not in str(caught.value)


@given(
    name=st.text(min_size=1),
    args=st.lists(json_values, max_size=5),
    ack_id=st.none() | st.integers(min_value=0, max_value=2**31),
)
def test_event_packets_round_trip(name: str, args: list[object], ack_id: int | None) -> None:
    text = encode_socket_packet(SIO_EVENT, [name, *args], ack_id)
    packet = decode_socket_packet(text)
    assert packet == SocketPacket(SIO_EVENT, "/", ack_id, [name, *args])


@given(st.text())
def test_decoding_anything_yields_a_packet_or_value_error(text: str) -> None:
    try:
        packet = decode_socket_packet(text)
    except ValueError:
        return
    assert SIO_CONNECT <= packet.type <= SIO_ERROR


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h:1", "ws://h:1/socket.io/?EIO=3&transport=websocket"),
        ("https://h/app?x=1", "wss://h/socket.io/?x=1&EIO=3&transport=websocket"),
        ("ws://h:2", "ws://h:2/socket.io/?EIO=3&transport=websocket"),
    ],
)
def test_maps_the_server_url_to_the_v3_websocket_endpoint(url: str, expected: str) -> None:
    assert str(websocket_url(url)) == expected


def test_honours_a_custom_socketio_path() -> None:
    assert websocket_url("http://h", "/chat/io/").path == "/chat/io/"


@pytest.mark.parametrize("url", ["ftp://h", "h:80", "http://"])
def test_refuses_urls_it_cannot_reach(url: str) -> None:
    with pytest.raises(ValueError):
        websocket_url(url)


OPEN = json.dumps({"sid": "abc", "upgrades": [], "pingInterval": 25000, "pingTimeout": 5000})


@pytest.mark.parametrize(
    ("body", "version"),
    [
        (f"{len(OPEN) + 1}:0{OPEN}2:40".encode(), 3),
        (b"\x00\x09\x06\xff0" + OPEN.encode(), 3),
        (b"0" + OPEN.encode(), 4),
        (b"0" + OPEN.encode() + b"\x1e40", 4),
        (b'{"code":5,"message":"Unsupported protocol version"}', None),
        (b"<html>not found</html>", None),
        (b"0{not json", None),
        (b"0[]", None),
        (b"", None),
    ],
)
def test_reads_the_engineio_version_from_a_polling_handshake(
    body: bytes, version: int | None
) -> None:
    assert engineio_version_of(body) == version
