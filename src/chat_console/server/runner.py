"""Run the reference server in-process: for tests, the demo and benchmarks.

async with running_server() as server:
    token = await fetch_token(server.url, "op1", "op1pass")
    ...
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from chat_console.server.accounts import Accounts
from chat_console.server.app import ChatServer
from chat_console.server.connections import (
    HTTP_TIMEOUT,
    LINGER,
    MAX_CONNECTIONS,
    body_deadline,
    cap_connections,
)
from chat_console.server.http_api import ExtrasServed
from chat_console.server.rate_limit import DEFAULT_RATE_LIMIT, RateLimit
from chat_console.server.storage import ServerStore

READY_TIMEOUT = 5.0


class RunningServer:
    """A started server. `store` gives tests read access to tickets and messages."""

    def __init__(self, chat: ChatServer, host: str, port: int) -> None:
        self.chat = chat
        self.host = host
        self.port = port
        self.url = f"http://{host}:{port}"

    @property
    def store(self) -> ServerStore:
        return self.chat.store

    @property
    def served(self) -> ExtrasServed:
        """What the HTTP extras have answered so far (requests, tickets, messages)."""
        return self.chat.http.served

    def revoke_tokens(self, user_id: str) -> None:
        self.chat.revoke_tokens(user_id)

    async def drop_connections(self, user_id: str | None = None) -> int:
        """Disconnect (server side) every socket, or those authenticated as `user_id`; returns how
        many. python-socketio clients do not reconnect after this: it tests a supervisor."""
        return await self.chat.drop_connections(user_id)

    def connected_users(self) -> list[str]:
        """User ids of the sockets that are authenticated right now (one entry per socket)."""
        return [s.user.user_id for s in self.chat.namespace.sessions.values() if s.user]


async def _wait_until_answering(url: str) -> None:
    async def ask() -> None:
        async with aiohttp.ClientSession() as http:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{url}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.02)

    await asyncio.wait_for(ask(), READY_TIMEOUT)


@asynccontextmanager
async def running_server(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    db_path: str = ":memory:",
    accounts: Accounts | None = None,
    token_ttl: float = 3600.0,
    auth_timeout: float = 1.0,
    admin_token: str | None = None,
    rate_limit: RateLimit = DEFAULT_RATE_LIMIT,
    http_timeout: float = HTTP_TIMEOUT,
    max_connections: int = MAX_CONNECTIONS,
    http_extras: bool = True,
    http_cursors: bool = True,
) -> AsyncIterator[RunningServer]:
    """Start the server (port 0 picks a free port) and yield once it answers HTTP.
    `admin_token` turns on the admin surface (`server/admin.py`); `http_timeout` and
    `max_connections` bound half-sent requests (`server/connections.py`); `http_extras=False`
    answers 404 on /api/ and `http_cursors=False` ignores `since=` (`server/http_api.py`)."""
    chat = ChatServer(
        db_path=db_path,
        accounts=accounts,
        token_ttl=token_ttl,
        auth_timeout=auth_timeout,
        admin_token=admin_token,
        rate_limit=rate_limit,
        http_extras=http_extras,
        http_cursors=http_cursors,
    )
    chat.app.middlewares.append(body_deadline(http_timeout))
    runner = web.AppRunner(
        chat.app,
        handle_signals=False,
        access_log=None,
        keepalive_timeout=http_timeout,
        lingering_time=LINGER,
    )
    await runner.setup()
    assert runner.server is not None  # set up above
    cap_connections(runner.server, max_connections)
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        real_port = int(runner.addresses[0][1])
        chat.start_background()
        running = RunningServer(chat, host, real_port)
        await _wait_until_answering(running.url)
        yield running
    finally:
        await chat.close()
        await runner.cleanup()
        await chat.reap()
