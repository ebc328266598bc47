"""The server object: Socket.IO namespace + HTTP routes on one aiohttp application."""

import asyncio
import contextlib
import logging
from typing import Any

import socketio
from aiohttp import web

from chat_console.protocol.limits import MAX_PACKET_BYTES
from chat_console.server import log_escape
from chat_console.server.accounts import Accounts, demo_accounts
from chat_console.server.admin import AdminApi
from chat_console.server.http_api import HttpApi
from chat_console.server.namespace import ChatNamespace
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, RateLimit
from chat_console.server.storage import ServerStore
from chat_console.server.tokens import TokenStore

log = logging.getLogger("chat_console.server")

# Seconds the sockets get to take their close packet when the server stops.
CLOSE_GRACE = 1.0


class ChatServer:
    def __init__(
        self,
        *,
        db_path: str = ":memory:",
        accounts: Accounts | None = None,
        token_ttl: float = 3600.0,
        auth_timeout: float = 1.0,
        admin_token: str | None = None,
        rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
        http_extras: bool = True,
        http_cursors: bool = True,
    ) -> None:
        log_escape.install()  # peers name tickets and messages: their names must not forge lines
        self.accounts = accounts or demo_accounts()
        self.tokens = TokenStore(ttl=token_ttl)
        self.store = ServerStore(db_path)
        self.sio = socketio.AsyncServer(
            async_mode="aiohttp",
            cors_allowed_origins="*",
            logger=False,
            engineio_logger=False,
            # Handle each socket's events in the order they were sent (an outbox flush must be
            # stored in order); other sockets are not held up.
            async_handlers=False,
            # A bigger packet closes its connection; every message within the content cap fits.
            max_http_buffer_size=MAX_PACKET_BYTES,
        )
        self.namespace = ChatNamespace(
            accounts=self.accounts,
            tokens=self.tokens,
            store=self.store,
            auth_timeout=auth_timeout,
            rate_limit=rate_limit,
        )
        self.sio.register_namespace(self.namespace)
        self._engineio_tasks: set[asyncio.Task[Any]] = set()
        self._track_engineio_tasks()
        self.app = web.Application()
        self.sio.attach(self.app)
        self.http = HttpApi(
            self.accounts, self.tokens, self.store, extras=http_extras, cursors=http_cursors
        )
        self.http.add_routes(self.app)
        if admin_token:  # fault tests only: revoke tokens and drop sockets from outside
            AdminApi(admin_token, revoke=self.revoke_tokens, drop=self.drop_connections).add_routes(
                self.app
            )
        # Check expired tokens often enough that even a tiny test TTL is noticed promptly.
        self._sweep_every = max(0.05, min(1.0, token_ttl / 4))
        self._sweeper: asyncio.Task[None] | None = None

    def _track_engineio_tasks(self) -> None:
        """Remember the tasks Engine.IO starts (a closed socket's ping task sleeps on for the whole
        ping interval), so that `reap()` can leave the event loop as clean as it was found."""
        engineio = self.sio.eio
        start = engineio.start_background_task

        def tracked(target: Any, *args: Any, **kwargs: Any) -> Any:
            task = start(target, *args, **kwargs)
            self._engineio_tasks.add(task)
            task.add_done_callback(self._engineio_tasks.discard)
            return task

        engineio.start_background_task = tracked

    async def reap(self) -> None:
        """Cancel what Engine.IO left running; call after the web server has stopped."""
        for task in list(self._engineio_tasks):
            task.cancel()
        await asyncio.gather(*self._engineio_tasks, return_exceptions=True)

    def start_background(self) -> None:
        self._sweeper = asyncio.ensure_future(self._sweep_forever())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_every)
            try:
                await self.namespace.sweep_expired()
            except Exception:
                log.exception("token sweep failed")

    def revoke_tokens(self, user_id: str) -> None:
        """The user's tokens stop working now; their sockets hear `unauthenticated` shortly."""
        self.tokens.revoke(user_id)
        log.info("revoked tokens of %s", user_id)
        self.namespace.spawn(self.namespace.revoke(user_id))

    async def drop_connections(self, user_id: str | None = None) -> int:
        sessions = list(self.namespace.sessions.values())
        doomed = [
            s.sid for s in sessions if user_id is None or (s.user and s.user.user_id == user_id)
        ]
        for sid in doomed:
            await self.sio.disconnect(sid)
        log.info("dropped %d connection(s)%s", len(doomed), f" of {user_id}" if user_id else "")
        return len(doomed)

    async def close(self) -> None:
        """Drop every socket, stop background work, close the database."""
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                for sid in list(self.namespace.sessions):
                    with contextlib.suppress(Exception):
                        await self.sio.disconnect(sid)
                # The Engine.IO connections too, or aiohttp waits for their websockets at cleanup.
                if self.sio.eio.sockets:
                    await self.sio.eio.disconnect()
        except TimeoutError:
            # A polling client that stopped polling never collects its close packet, and Engine.IO
            # waits for it until the ping times out (45 s): shutting down held for that long.
            for socket in list(self.sio.eio.sockets.values()):
                await socket.close(wait=False, abort=True)
            self.sio.eio.sockets = {}
        await self.namespace.close()
        await self.sio.shutdown()
        self.store.close()
