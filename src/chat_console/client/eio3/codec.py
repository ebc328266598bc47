"""Engine.IO v3 and Socket.IO revision 4 on the wire: packet types, the text codec, the polling
payload framing, URLs.

Pure code, written from the public specs (engine.io-protocol v3, socket.io-protocol v4) and
engine.io-parser 2.x, which socket.io 2.x servers run.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

from yarl import URL

# Engine.IO v3 packet types (one ASCII digit).
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE = "0", "1", "2", "3", "4"
EIO_UPGRADE, EIO_NOOP = "5", "6"
# Socket.IO protocol revision 4 packet types.
SIO_CONNECT, SIO_DISCONNECT, SIO_EVENT, SIO_ACK, SIO_ERROR = 0, 1, 2, 3, 4
SIO_BINARY_TYPES = (5, 6)


@dataclass(frozen=True, slots=True)
class SocketPacket:
    """One decoded Socket.IO (revision 4) packet."""

    type: int
    namespace: str = "/"
    ack_id: int | None = None
    data: Any = None


def encode_socket_packet(
    packet_type: int, data: Any = None, ack_id: int | None = None, namespace: str = "/"
) -> str:
    """Text form of a Socket.IO packet, ready to go after the Engine.IO `4`."""
    text = str(packet_type)
    if namespace != "/":
        text += namespace + ","
    if ack_id is not None:
        text += str(ack_id)
    if data is not None:
        text += json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return text


_PACKET_HEAD = re.compile(r"(?P<type>\d)(?P<namespace>/[^,]*,)?(?P<ack_id>\d+)?")


def decode_socket_packet(text: str) -> SocketPacket:
    """Read a Socket.IO packet; raise ValueError (without echoing the payload) if unreadable."""
    head = _PACKET_HEAD.match(text)
    if head is None:
        raise ValueError("socket.io packet without a type")
    packet_type = int(head["type"])
    if packet_type in SIO_BINARY_TYPES:
        raise ValueError("binary socket.io packets are not supported")
    if packet_type > SIO_ERROR:
        raise ValueError(f"unknown socket.io packet type {packet_type}")
    namespace = head["namespace"][:-1] if head["namespace"] else "/"
    ack_id = int(head["ack_id"]) if head["ack_id"] else None
    body = text[head.end() :]
    try:
        data = json.loads(body) if body else None
    except json.JSONDecodeError:
        raise ValueError("socket.io packet data is not JSON") from None
    if packet_type in (SIO_EVENT, SIO_ACK) and not isinstance(data, list):
        raise ValueError("socket.io event or ack data must be a JSON array")
    if packet_type == SIO_EVENT and (not data or not isinstance(data[0], str)):
        raise ValueError("socket.io event without a name")
    return SocketPacket(packet_type, namespace, ack_id, data)


def websocket_url(url: str, socketio_path: str = "socket.io", sid: str | None = None) -> URL:
    """The Engine.IO v3 websocket endpoint for a server URL given as http(s):// or ws(s)://;
    with `sid`, the endpoint that upgrades that (polling) session."""
    schemes = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
    return _endpoint(url, socketio_path, schemes, "websocket", sid)


def polling_url(url: str, socketio_path: str = "socket.io", sid: str | None = None) -> URL:
    """The Engine.IO v3 long-polling endpoint (the handshake without `sid`, the session with)."""
    schemes = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
    return _endpoint(url, socketio_path, schemes, "polling", sid)


def _endpoint(
    url: str, socketio_path: str, schemes: dict[str, str], transport: str, sid: str | None
) -> URL:
    base = URL(url)
    if base.scheme not in schemes or not base.host:
        raise ValueError("server URL must be http(s):// or ws(s):// with a host")
    query = {**base.query, "EIO": "3", "transport": transport}
    if sid is not None:
        query["sid"] = sid
    path = "/" + socketio_path.strip("/") + "/"
    return base.with_scheme(schemes[base.scheme]).with_path(path).with_query(query)


# -- the long-polling payload (engine.io-parser 2.x) ------------------------------------------
#
# One HTTP body carries several Engine.IO packets. A text packet is a `str` ("4..."); a binary
# packet is `bytes` whose first byte is the packet type as a number (b"\x04..."), as on a v3
# websocket. Two framings:
# - text: `<length>:<packet>` repeated, the length counted in UTF-16 code units (JavaScript's
#   string length, so an emoji counts 2); a binary packet travels as `b<type><base64>`;
# - binary (sent when a payload holds a binary packet and the client did not ask for b64): per
#   packet one byte 0 (text) or 1 (binary), the length in bytes as one byte per decimal digit, a
#   255 byte, then the packet (text packets UTF-8 encoded).

EnginePacket = str | bytes
_FRAME_END = 0xFF


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def encode_payload(packets: list[EnginePacket]) -> str:
    """Text framing of `packets`, as a v3 server reads a POST body."""
    parts = []
    for packet in packets:
        if isinstance(packet, bytes):
            packet = "b" + str(packet[0]) + base64.b64encode(packet[1:]).decode("ascii")
        parts.append(f"{_utf16_units(packet)}:{packet}")
    return "".join(parts)


def decode_payload(body: bytes) -> list[EnginePacket]:
    """The packets of a polling response body, in either framing; ValueError if malformed."""
    if body[:1] in (b"\x00", b"\x01"):
        return _decode_binary_payload(body)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("polling payload is not UTF-8") from None
    return _decode_text_payload(text)


def _decode_text_payload(text: str) -> list[EnginePacket]:
    # Work in UTF-16 code units, as the lengths are counted: 2 bytes a unit.
    units = text.encode("utf-16-le", "surrogatepass")
    packets: list[EnginePacket] = []
    at = 0
    while at < len(units):
        colon = _find_unit(units, ":", at)
        digits = units[at:colon].decode("utf-16-le")
        if not digits.isdigit() or len(digits) > 9:
            raise ValueError("polling payload without a packet length")
        end = colon + 2 + 2 * int(digits)
        if end > len(units):
            raise ValueError("polling payload shorter than its packet length")
        packet = units[colon + 2 : end].decode("utf-16-le", "surrogatepass")
        if not packet:
            raise ValueError("empty packet in a polling payload")
        packets.append(_from_base64(packet) if packet.startswith("b") else packet)
        at = end
    return packets


def _find_unit(units: bytes, char: str, start: int) -> int:
    """Byte offset of the UTF-16 unit `char` at or after `start`, on a unit boundary."""
    wanted = char.encode("utf-16-le")
    at = units.find(wanted, start)
    while at != -1 and at % 2:
        at = units.find(wanted, at + 1)
    if at == -1:
        raise ValueError("polling payload without a packet length")
    return at


def _from_base64(packet: str) -> bytes:
    """`b4<base64>`: a binary packet sent to a client that asked for base64."""
    if len(packet) < 2 or not packet[1].isdigit():
        raise ValueError("malformed base64 packet in a polling payload")
    try:
        return bytes([int(packet[1])]) + base64.b64decode(packet[2:], validate=True)
    except binascii.Error:
        raise ValueError("malformed base64 packet in a polling payload") from None


def _decode_binary_payload(body: bytes) -> list[EnginePacket]:
    packets: list[EnginePacket] = []
    at = 0
    while at < len(body):
        is_binary = body[at] == 1
        if body[at] > 1:
            raise ValueError("malformed binary polling payload")
        end_of_length = body.find(bytes([_FRAME_END]), at + 1)
        digits = body[at + 1 : end_of_length]
        if end_of_length == -1 or not digits or len(digits) > 9 or max(digits) > 9:
            raise ValueError("malformed binary polling payload")
        start = end_of_length + 1
        end = start + int("".join(str(digit) for digit in digits))
        if end > len(body) or end == start:
            raise ValueError("binary polling payload shorter than its packet length")
        packet = body[start:end]
        if is_binary:
            packets.append(packet)
        else:
            try:
                packets.append(packet.decode("utf-8"))
            except UnicodeDecodeError:
                raise ValueError("text packet in a binary payload is not UTF-8") from None
        at = end
    return packets


_V3_TEXT_OPEN = re.compile(rb"^(\d+):0\{")  # v3 text payload: `<length>:<packet>`
_V3_BINARY_OPEN = re.compile(rb"^\x00[\x00-\x09]+\xff0\{")  # v3 binary payload: 0, digits, 255


def engineio_version_of(body: bytes) -> int | None:
    """3 or 4 from the body of a polling handshake response, None if it is neither."""
    if _V3_TEXT_OPEN.match(body) or _V3_BINARY_OPEN.match(body):
        return 3
    if body.startswith(b"0{"):
        first = body.split(b"\x1e", 1)[0]  # v4 separates packets with a record separator
        with contextlib.suppress(ValueError):
            opening = json.loads(first[1:])
            if isinstance(opening, dict) and "sid" in opening:
                return 4
    return None
