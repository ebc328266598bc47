"""Fixtures: a real socket.io 2.5.1 server (Node) on a free loopback port, and event recorders."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import aiohttp
import pytest
import socketio

from chat_console.client.eio3.client import SocketIO2Client

NODE_V2_DIR = Path(__file__).resolve().parent.parent / "node_v2"
# Short heartbeats so that "several ping intervals" and "a dead link" take about a second.
PING_INTERVAL_MS = 300
PING_TIMEOUT_MS = 600  # generous: a busy CI machine must not look like a dead link
STARTUP_TIMEOUT = 15.0


def _cannot_run(reason: str) -> NoReturn:
    """Skip where node may be missing; in CI, where it is present, fail: the 2.x tests must run."""
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"socket.io 2.x tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def node_v2_dir() -> Path:
    """The Node server's directory, with its pinned dependencies installed (or a skip)."""
    if shutil.which("node") is None:
        _cannot_run("node is not installed: the socket.io 2.x server cannot run")
    if not (NODE_V2_DIR / "node_modules" / "socket.io").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            _cannot_run("tests/node_v2/node_modules is missing and npm is not installed")
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_V2_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0:
            _cannot_run(f"npm ci failed in tests/node_v2: {result.stderr.strip()[-300:]}")
    return NODE_V2_DIR


@dataclass
class NodeServer:
    """A running `node server.js` child process."""

    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def admin(self, action: str, user: str) -> dict[str, Any]:
        """POST /admin/<action>?user=<user> (revoke, token, disconnect)."""
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.url}/admin/{action}", params={"user": user}) as response,
        ):
            response.raise_for_status()
            return dict(await response.json())

    async def socket_count(self) -> int:
        """How many Socket.IO sockets the server holds right now."""
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{self.url}/admin/health") as response,
        ):
            return int((await response.json())["sockets"])

    def freeze(self) -> None:
        """Stop the process without closing its sockets: the link goes silent, as if cut."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@contextlib.asynccontextmanager
async def started_node_server(
    node_v2_dir: Path, port: int = 0, **settings: str
) -> AsyncIterator[NodeServer]:
    """`node server.js PORT` (0: a free one) with short heartbeats; `settings` override its env."""
    env = {
        **os.environ,
        "PING_INTERVAL_MS": str(PING_INTERVAL_MS),
        "PING_TIMEOUT_MS": str(PING_TIMEOUT_MS),
        "AUTH_TIMEOUT_MS": "1000",
        **settings,
    }
    process = await asyncio.create_subprocess_exec(
        "node",
        "server.js",
        str(port),
        cwd=node_v2_dir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        first_line = await asyncio.wait_for(process.stdout.readline(), STARTUP_TIMEOUT)
        if not first_line.strip().isdigit():
            rest = await asyncio.wait_for(process.stdout.read(2000), STARTUP_TIMEOUT)
            pytest.fail(f"node server did not start: {(first_line + rest).decode()!r}")
        yield NodeServer(process, int(first_line))
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
                process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.fixture
async def node_server(node_v2_dir: Path) -> AsyncIterator[NodeServer]:
    async with started_node_server(node_v2_dir) as server:
        yield server


# socket.io 2.x as behind a load balancer that does not pass websockets: it refuses them and
# offers no upgrade, so the link must live on HTTP long-polling.
POLLING_ONLY = {"TRANSPORTS": "polling"}


@pytest.fixture
async def node_server_polling_only(node_v2_dir: Path) -> AsyncIterator[NodeServer]:
    async with started_node_server(node_v2_dir, **POLLING_ONLY) as server:
        yield server


@dataclass
class Recorder:
    """Everything a client received, in order, with a bounded wait for the next match."""

    received: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def attach(self, client: SocketIO2Client) -> None:
        client.on("connect", lambda: self.record("connect", ()))
        client.on("disconnect", lambda reason: self.record("disconnect", (reason,)))
        client.on("*", lambda event, *args: self.record(event, args))

    def record(self, event: str, args: tuple[Any, ...]) -> None:
        self.received.append((event, args))
        self.changed.set()

    def of(self, event: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.received if name == event]

    async def expect(
        self,
        event: str,
        match: Callable[[tuple[Any, ...]], bool] = lambda args: True,
        within: float = 5.0,
    ) -> tuple[Any, ...]:
        """The first recorded `event` whose args satisfy `match`, waiting up to `within` s."""
        async with asyncio.timeout(within):
            while True:
                for args in self.of(event):
                    if match(args):
                        return args
                self.changed.clear()
                await self.changed.wait()


async def call(
    client: SocketIO2Client | socketio.AsyncClient,
    event: str,
    data: Any = None,
    within: float = 10.0,
) -> Any:
    """Emit with an ack and return what python-socketio's `call()` would: None, the ack's single
    value, or the tuple of several. Either generation's client: both take `callback=`."""
    answer: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def acknowledge(*args: Any) -> None:
        if not answer.done():
            answer.set_result(args)

    await client.emit(event, data, callback=acknowledge)
    args = await asyncio.wait_for(answer, within)
    if not args:
        return None
    return args[0] if len(args) == 1 else args


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[[], tuple[SocketIO2Client, Recorder]]]:
    """Clients with recorders attached; every one is disconnected at teardown."""
    made: list[SocketIO2Client] = []

    def make() -> tuple[SocketIO2Client, Recorder]:
        client, recorder = SocketIO2Client(), Recorder()
        recorder.attach(client)
        made.append(client)
        return client, recorder

    yield make
    for client in made:
        await client.disconnect()


@pytest.fixture
def free_port() -> Iterator[int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port
