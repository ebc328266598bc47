"""A small admin surface for fault tests against a server in another process; off by default.

`chat-console serve --admin-token SECRET` adds, for callers presenting `Authorization: Bearer
SECRET`:
- `POST /admin/revoke?user=ID`: the user's tokens stop working now (their sockets hear
  `unauthenticated` shortly), as when an identity provider revokes a session;
- `POST /admin/drop?user=ID`: the server disconnects the user's sockets (every socket without
  `user`), which python-socketio clients do not reconnect after.
"""

import hmac
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger("chat_console.server")


class AdminApi:
    def __init__(
        self,
        token: str,
        *,
        revoke: Callable[[str], None],
        drop: Callable[[str | None], Awaitable[int]],
    ) -> None:
        if not token:
            raise ValueError("an admin surface needs a token")
        self._token = token.encode()
        self._revoke = revoke
        self._drop = drop

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/admin/revoke", self.revoke)
        app.router.add_post("/admin/drop", self.drop)

    def _check(self, request: web.Request) -> None:
        scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            presented.strip().encode(), self._token
        ):
            raise web.HTTPUnauthorized(
                text='{"error": "admin token needed"}', content_type="application/json"
            )

    async def revoke(self, request: web.Request) -> web.Response:
        self._check(request)
        user = request.query.get("user", "")
        if not user:
            raise web.HTTPBadRequest(
                text='{"error": "user needed"}', content_type="application/json"
            )
        self._revoke(user)
        return web.json_response({"revoked": user})

    async def drop(self, request: web.Request) -> web.Response:
        self._check(request)
        dropped = await self._drop(request.query.get("user") or None)
        return web.json_response({"dropped": dropped})
