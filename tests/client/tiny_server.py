"""A tiny, misbehaving Socket.IO server (real python-socketio on aiohttp, on a free port).

The reference server is well-behaved; this one does what a flaky or foreign server might: never
acknowledges, never answers `authenticate`, drops the socket after `unauthenticated`, or sends
events the protocol cannot read. It has no HTTP extras (every /api path is 404) unless given
`api`: fixed JSON answers for GET paths, whatever they are asked.
"""

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import socketio
from aiohttp import web


class AuthReply(Enum):
    ACCEPT = "accept"  # `authenticated`
    SILENT = "silent"  # nothing at all
    REJECT_AND_DROP = "reject-and-drop"  # `unauthenticated`, then disconnect the socket


@dataclass
class TinyServer:
    url: str
    sio: socketio.AsyncServer
    received: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    connects: int = 0
    sids: set[str] = field(default_factory=set)
    # The answers to the events the catch-all handler holds, in arrival order: a test answers
    # one with `held_for(event)[i].set_result(None)` (success) or a refusal's words.
    held: list[tuple[str, "asyncio.Future[str | None]"]] = field(default_factory=list)
    answer_at_once: bool = False  # from now on, acknowledge every event as it comes

    def held_for(self, event: str) -> list["asyncio.Future[str | None]"]:
        return [answer for name, answer in self.held if name == event]

    def emitted(self, event: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.received if name == event]

    async def drop(self) -> None:
        for sid in list(self.sids):
            await self.sio.disconnect(sid)


@asynccontextmanager
async def tiny_server(
    *,
    auth: AuthReply = AuthReply.ACCEPT,
    on_subscribe: list[tuple[str, Any]] | None = None,
    tls: ssl.SSLContext | None = None,
    api: dict[str, Any] | None = None,
) -> AsyncIterator[TinyServer]:
    """`on_subscribe`: (event, args) to send right after the client's `subscribeOperator`;
    `tls`: serve https with this server-side context; `api`: GET path -> JSON body."""
    sio = socketio.AsyncServer(async_mode="aiohttp", logger=False, engineio_logger=False)
    app = web.Application()
    sio.attach(app)
    for path, body in (api or {}).items():

        async def answer(request: web.Request, body: Any = body) -> web.Response:
            return web.json_response(body)

        app.router.add_get(path, answer)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
    await site.start()
    scheme = "https" if tls else "http"
    server = TinyServer(f"{scheme}://127.0.0.1:{runner.addresses[0][1]}", sio)

    @sio.on("connect")
    async def connect(sid: str, environ: Any, auth_data: Any = None) -> None:
        server.connects += 1
        server.sids.add(sid)

    @sio.on("disconnect")
    async def disconnect(sid: str, reason: Any = None) -> None:
        server.sids.discard(sid)

    @sio.on("authenticate")
    async def authenticate(sid: str, *args: Any) -> None:
        server.received.append(("authenticate", args))
        if auth is AuthReply.ACCEPT:
            await sio.emit("authenticated", True, to=sid)
        elif auth is AuthReply.REJECT_AND_DROP:
            await sio.emit("unauthenticated", {"message": "go away"}, to=sid)
            await sio.disconnect(sid)

    @sio.on("subscribeOperator")
    async def subscribe_operator(sid: str, *args: Any) -> None:
        server.received.append(("subscribeOperator", args))
        for event, data in on_subscribe or []:
            await sio.emit(event, data, to=sid)

    @sio.on("*")
    async def never_answer(event: str, sid: str, *args: Any) -> str | None:
        # Each event is handled in its own task, so holding this one withholds only its ack.
        server.received.append((event, args))
        if server.answer_at_once or event == "typing":  # typing has no ack to hold
            return None
        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        server.held.append((event, answer))
        return await answer

    try:
        yield server
    finally:
        for _, answer in server.held:
            if not answer.done():
                answer.set_result(None)
        # Close the sockets first: aiohttp's cleanup would otherwise wait for them for a long time.
        for sid in list(server.sids):
            await sio.disconnect(sid)
        await sio.shutdown()
        await runner.cleanup()
