"""Half-sent HTTP requests must not hold the server: a time limit and a cap on connections.

aiohttp closes a connection whose request has not arrived in full within `keepalive_timeout` of
its opening, or that sits idle that long between requests (the timer starts when the connection
opens and again after each response; a request being handled, a long poll or a websocket, is not
idle). Its default is an hour, so 500 sockets each holding half a header stayed open for minutes:
`HTTP_TIMEOUT` is what the server passes instead.

That timer stops once the headers are in: a body sent a byte at a time held its handler, and
the connection, for as long as the sender liked. `body_deadline` gives a request with a body
(a login, a polling client's packets) the same time to arrive and be handled, then answers 408
and closes. Requests without one (a long poll, a websocket) are untouched: they wait by design.

aiohttp has no cap on connections, so `cap_connections` wraps the low-level server's
`connection_made`: past `MAX_CONNECTIONS` open at once, a new one is closed as it arrives (and the
first refusal of a run is logged), so the ones already open, websockets included, keep working.
"""

import asyncio
import logging
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

log = logging.getLogger("chat_console.server")

HTTP_TIMEOUT = 15.0  # seconds to send a request's headers, or to stay idle between requests
# Seconds aiohttp goes on reading the unread rest of a body it has answered early (a 408, a 413),
# so the answer is not lost to a reset; its 10 s let a slow body hold the connection that long.
LINGER = 1.0
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


def body_deadline(seconds: float) -> Middleware:
    """Answer 408 and close when a request with a body is not read and handled within `seconds`."""

    @web.middleware
    async def deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.body_exists:
            return await handler(request)
        try:
            async with asyncio.timeout(seconds):
                return await handler(request)
        except TimeoutError:
            late = web.Response(status=408, text="the request's body did not arrive in time\n")
            late.force_close()  # what is left of the body must not be read as a next request
            return late

    return deadline
