"""A small HTTP forward proxy for the tests, on 127.0.0.1, that records what passed through it.

It does what a corporate proxy does, and no more: plain http requests arrive in absolute-URI form
(`GET http://host:port/path HTTP/1.1`) and are forwarded (an `Upgrade: websocket` request stays
open and is piped both ways); `CONNECT host:port` opens a tunnel. It can insist on credentials
(407 without the right `Proxy-Authorization`) and refuse CONNECT (403). Also here: a TLS front
that puts a certificate before a plain server, so that https and wss go through CONNECT.
"""

import asyncio
import base64
import contextlib
import ssl
import subprocess
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Passed:
    """One request the proxy was sent: `CONNECT` with `host:port`, or a method and its URL."""

    method: str
    target: str
    authorization: str | None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path if self.method != "CONNECT" else ""


class ForwardProxy:
    def __init__(
        self,
        *,
        credentials: str | None = None,
        allow_connect: bool = True,
        keep_alive: bool = False,
    ) -> None:
        self.seen: list[Passed] = []
        self.upgraded: list[str] = []  # CONNECT targets whose tunnel carried a websocket upgrade
        self._expected = (
            "Basic " + base64.b64encode(credentials.encode()).decode() if credentials else None
        )
        self._allow_connect = allow_connect
        # Keep the client's connection open across plain requests, as real proxies do (each one is
        # still sent upstream on a connection of its own); else one request per connection.
        self._keep_alive = keep_alive
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def targets(self) -> list[str]:
        return [f"{p.method} {p.target}" for p in self.seen]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        except asyncio.CancelledError:
            pass  # closed by close(): asyncio would log a cancelled connection task as an error
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await self._serve_one(reader, writer):
            pass

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Serve one request; True when the connection may carry another."""
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        request_line, *header_lines = [line for line in head.split("\r\n") if line]
        method, target, version = request_line.split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
        authorization = next(
            (value for name, value in headers if name.lower() == "proxy-authorization"), None
        )
        self.seen.append(Passed(method, target, authorization))
        if self._expected is not None and authorization != self._expected:
            writer.write(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
            )
            await writer.drain()
            return False
        if method == "CONNECT":
            await self._tunnel(target, reader, writer)
            return False
        return await self._forward(method, target, version, headers, reader, writer)

    async def _tunnel(
        self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if not self._allow_connect:
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        host, port = target.rsplit(":", 1)
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await pipe(reader, writer, up_reader, up_writer, lambda: self.upgraded.append(target))

    async def _forward(
        self,
        method: str,
        target: str,
        version: str,
        headers: list[tuple[str, ...]],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        upgrade = any(name.lower() == "upgrade" for name, *_ in headers)
        hop_by_hop = {"proxy-authorization", "proxy-connection"}
        if not upgrade:
            hop_by_hop.add("connection")  # upstream, one request per connection
        kept = [f"{name}: {value}" for name, value in headers if name.lower() not in hop_by_hop]
        if not upgrade:
            kept.append("Connection: close")
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        up_reader, up_writer = await asyncio.open_connection(url.hostname, url.port or 80)
        lines = [f"{method} {path} {version}", *kept, "", ""]
        up_writer.write("\r\n".join(lines).encode("latin-1"))
        if upgrade or not self._keep_alive:
            await pipe(reader, writer, up_reader, up_writer)
            return False
        length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        up_writer.write(await reader.readexactly(length))
        answer = await up_reader.read()  # to the end: upstream closes after one response
        up_writer.close()
        writer.write(kept_alive(answer))
        await writer.drain()
        return True


def kept_alive(answer: bytes) -> bytes:
    """An upstream's whole answer, framed by Content-Length for a connection that stays open."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *header_lines = head.decode("latin-1").split("\r\n")
    dropped = {"connection", "content-length", "transfer-encoding", "keep-alive"}
    if any(line.lower().replace(" ", "") == "transfer-encoding:chunked" for line in header_lines):
        body = unchunked(body)
    kept = [line for line in header_lines if line.split(":", 1)[0].lower() not in dropped]
    kept += [f"Content-Length: {len(body)}", "Connection: keep-alive"]
    return "\r\n".join([status, *kept, "", ""]).encode("latin-1") + body


def unchunked(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


async def pipe(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
    on_upgrade: Callable[[], None] | None = None,
) -> None:
    """Copy both ways until either side ends, then close both; `on_upgrade` is called if the
    upstream's first bytes (in clear) answer a websocket upgrade."""

    async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        first = sink is writer
        try:
            while data := await source.read(65536):
                if first and on_upgrade and data.startswith(b"HTTP/1.1 101 "):
                    on_upgrade()
                first = False
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sink.close()

    try:
        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
    finally:
        up_writer.close()


@contextlib.asynccontextmanager
async def forward_proxy(
    *, credentials: str | None = None, allow_connect: bool = True, keep_alive: bool = False
) -> AsyncIterator[ForwardProxy]:
    proxy = ForwardProxy(
        credentials=credentials, allow_connect=allow_connect, keep_alive=keep_alive
    )
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (key beside it); it is its own CA."""
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return folder / "cert.pem"


@contextlib.asynccontextmanager
async def tls_front(cert: Path, plain_port: int) -> AsyncIterator[int]:
    """A TLS listener that hands each connection, decrypted, to 127.0.0.1:`plain_port`."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, cert.parent / "key.pem")
    tasks: set[asyncio.Task[None]] = set()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", plain_port)
            await pipe(reader, writer, up_reader, up_writer)
        except (OSError, asyncio.CancelledError):  # cancelled: see ForwardProxy._accept
            writer.close()
        finally:
            tasks.discard(task)

    server = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
