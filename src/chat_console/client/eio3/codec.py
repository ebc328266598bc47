"""Engine.IO v3 and Socket.IO revision 4 on the wire: packet types, the text codec, URLs.

Pure code, written from the public specs (engine.io-protocol v3, socket.io-protocol v4).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

from yarl import URL

# Engine.IO v3 packet types (one ASCII digit).
EIO_OPEN, EIO_CLOSE, EIO_PING, EIO_PONG, EIO_MESSAGE, EIO_NOOP = "0", "1", "2", "3", "4", "6"
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


def websocket_url(url: str, socketio_path: str = "socket.io") -> URL:
    """The Engine.IO v3 websocket endpoint for a server URL given as http(s):// or ws(s)://."""
    base = URL(url)
    schemes = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
    if base.scheme not in schemes or not base.host:
        raise ValueError("server URL must be http(s):// or ws(s):// with a host")
    query = {**base.query, "EIO": "3", "transport": "websocket"}
    path = "/" + socketio_path.strip("/") + "/"
    return base.with_scheme(schemes[base.scheme]).with_path(path).with_query(query)


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
