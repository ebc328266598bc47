"""Half-sent HTTP requests must not hold the server: a time limit and a cap on connections.

aiohttp closes a connection whose request has not arrived in full within `keepalive_timeout` of
its opening, or that sits idle that long between requests (the timer starts when the connection
opens and again after each response; a request being handled, a long poll or a websocket, is not
idle). Its default is an hour, so 500 sockets each holding half a header stayed open for minutes:
`HTTP_TIMEOUT` is what the server passes instead.

aiohttp has no cap on connections, so `cap_connections` wraps the low-level server's
`connection_made`: past `MAX_CONNECTIONS` open at once, a new one is closed as it arrives (and the
first refusal of a run is logged), so the ones already open, websockets included, keep working.
"""

import asyncio
import logging
from typing import Any

from aiohttp import web

log = logging.getLogger("chat_console.server")

HTTP_TIMEOUT = 15.0  # seconds to send a request's headers, or to stay idle between requests
MAX_CONNECTIONS = 1000  # open at once: every socket of every console and customer, with room


def cap_connections(server: web.Server, limit: int) -> None:
    """Close each connection that would make more than `limit` open at once."""
    admit = server.connection_made
    refusing = False

    def connection_made(handler: Any, transport: asyncio.Transport) -> None:
        nonlocal refusing
        if len(server.connections) >= limit:
            if not refusing:
                log.warning("refusing connections: %d are open, the most allowed", limit)
            refusing = True
            transport.abort()  # connection_lost follows; the handler never reads a byte
            return
        refusing = False
        admit(handler, transport)

    server.connection_made = connection_made  # type: ignore[method-assign]
