"""A Socket.IO client for Socket.IO 2.x servers: Engine.IO protocol v3 over a websocket.

python-socketio 5 speaks only Engine.IO v4, so it cannot hold a link to a 2.x server. This module
speaks the older generation itself, written from the public specs:

- Engine.IO protocol v3 (github.com/socketio/engine.io-protocol, branch v3): packets are one digit
  then data. `0` open (JSON: sid, upgrades, pingInterval, pingTimeout, in ms), `1` close, `2` ping,
  `3` pong, `4` message, `6` noop. In v3 the CLIENT pings: it sends `2` every pingInterval and
  treats the link as dead if no `3` arrives within pingTimeout (the server, for its part, drops a
  client that has not pinged for pingInterval + pingTimeout). Both transports: the link opens
  with a long-polling handshake (payloads framed `<length>:<packet>`, or in binary), upgrades to
  a websocket when the server offers one, and stays on polling when it does not.
- Socket.IO protocol revision 4 (github.com/socketio/socket.io-protocol, v4, used by socket.io 2.x),
  carried in Engine.IO `4` packets: `<type>[<namespace>,][<ack id>][<JSON array>]` with types
  `0` CONNECT, `1` DISCONNECT, `2` EVENT, `3` ACK, `4` ERROR (`5`/`6` are binary, not supported).
  The default namespace `/` is joined implicitly: the server sends `40` on its own.

`SocketIO2Client` offers the subset of python-socketio's `AsyncClient` surface that the console
uses (`on`, `connect`, `emit` with an ack `callback`, `disconnect`, `connected`, `sid`), with the
same argument conventions and exception classes, so the two can stand behind one interface. Like
`AsyncClient` after a server-side disconnect, it never reconnects by itself: the supervisor does.

Modules: `codec` (packet types, the Socket.IO packet codec, the polling payload framing, URLs,
the probe's body reader: pure code), `links` (the websocket and polling transports, and the one
place that dials the server), `client` (`SocketIO2Client`, the link itself) and `probe` (which
Engine.IO version a server speaks, and whether it offers websockets). The package offers the codec
and the probe; `client` is imported from its module, by a console that talks to a 2.x server: a
console of a v4 server probes but never loads it.
"""

from chat_console.client.eio3.codec import (
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
from chat_console.client.eio3.probe import (
    EngineIOProbeError,
    ServerProbe,
    probe_server,
)

__all__ = [
    "SIO_ACK",
    "SIO_CONNECT",
    "SIO_DISCONNECT",
    "SIO_ERROR",
    "SIO_EVENT",
    "EngineIOProbeError",
    "ServerProbe",
    "SocketPacket",
    "decode_payload",
    "decode_socket_packet",
    "encode_payload",
    "encode_socket_packet",
    "engineio_version_of",
    "polling_url",
    "probe_server",
    "websocket_url",
]
