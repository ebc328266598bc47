"""The Socket.IO revision 4 packet codec, the polling payload framing, the URL mapping and the
probe's body reader: pure code."""

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
    decode_payload,
    decode_socket_packet,
    encode_payload,
    encode_socket_packet,
    engineio_version_of,
    polling_url,
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


def test_maps_the_server_url_to_the_v3_polling_endpoint_with_and_without_sid() -> None:
    assert str(polling_url("wss://h/app?x=1")) == (
        "https://h/socket.io/?x=1&EIO=3&transport=polling"
    )
    assert str(polling_url("http://h:1", "chat", sid="s-1")) == (
        "http://h:1/chat/?EIO=3&transport=polling&sid=s-1"
    )
    assert str(websocket_url("http://h:1", sid="s-1")) == (
        "ws://h:1/socket.io/?EIO=3&transport=websocket&sid=s-1"
    )


# -- the long-polling payload ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("packets", "text"),
    [
        (["2"], "1:2"),
        (["2probe", '42["a",1]'], '6:2probe9:42["a",1]'),
        # Lengths are JavaScript's: UTF-16 code units, so an emoji counts 2 and "é" 1.
        (['42["🎉"]'], '8:42["🎉"]'),
        (['42["é"]'], '7:42["é"]'),
        ([b"\x04\x01\x02"], "6:b4AQI="),  # a binary packet, base64 in the text framing
    ],
)
def test_text_payload_framing(packets: list[str | bytes], text: str) -> None:
    assert encode_payload(packets) == text
    assert decode_payload(text.encode("utf-8")) == packets


def test_a_v3_handshake_response_holds_the_open_packet_and_the_namespace_connect() -> None:
    body = f"{len(OPEN) + 1}:0{OPEN}2:40".encode()
    assert decode_payload(body) == ["0" + OPEN, "40"]


@pytest.mark.parametrize(
    ("body", "packets"),
    [
        (b"\x00\x02\xff40", ["40"]),
        # Ten bytes and more: one byte per decimal digit of the length.
        (b"\x00\x01\x02\xff" + b'42["abcdefghi"]'[:12], ['42["abcdefgh']),
        # Text packets are UTF-8 there, and their length is in bytes.
        (b"\x00\x04\xff4\xc3\xa9!", ["4é!"]),
        (
            b"\x00\x04\xff451-" + b"\x01\x05\xff\x04\x00\x01\x02\xff" + b"\x00\x01\xff6",
            ["451-", b"\x04\x00\x01\x02\xff", "6"],
        ),
    ],
)
def test_binary_payload_framing(body: bytes, packets: list[str | bytes]) -> None:
    assert decode_payload(body) == packets


@pytest.mark.parametrize(
    "body",
    [
        b"5:40",  # shorter than its length
        b"x:40",  # no length
        b"240",  # no colon
        b"2:40garbage",  # trailing bytes that are no packet
        b"0:",  # an empty packet
        b"\xff\xfe",  # not UTF-8
        b"6:b4A!I=",  # bad base64
        b"\x00\x0a\xff4",  # a length digit above 9
        b"\x00\x05\xff40",  # binary framing, shorter than its length
        b"\x01\x02",  # no 255 after the length
        b"9999999999:4",  # a length too long to be real
    ],
)
def test_a_malformed_payload_is_refused_without_a_partial_read(body: bytes) -> None:
    with pytest.raises(ValueError):
        decode_payload(body)


engine_text_packets = st.text(min_size=1).filter(lambda text: not text.startswith("b"))
engine_packets = st.lists(
    engine_text_packets | st.binary(max_size=8).map(lambda data: b"\x04" + data), max_size=6
)


@given(engine_packets)
def test_any_packets_cross_the_text_framing_unchanged(packets: list[str | bytes]) -> None:
    assert decode_payload(encode_payload(packets).encode("utf-8")) == packets
