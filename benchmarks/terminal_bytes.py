"""Terminal bytes: what the real console writes to its terminal, as an ssh link would carry it.

The console runs as `python -m chat_console` on a pseudo-terminal of a fixed size, logged in as
op1 against the reference server (in the benchmark's process: the console, the process
measured, has its own); every byte it writes is read from the master side. The same scenario
each run: 30 new tickets have waited 5 to 34 minutes (the probe's the longest, at the top), then
- idle: nothing happens for a while (waiting times move on);
- open conversation: the probe ticket is opened (Enter) and its customer writes, one message at a
  time;
- closed conversations: back to the queue (Escape); the other tickets' customers write;
- flood: 200 messages a second over those tickets.
A phase's bytes include a settling second after its last message, so what it caused is counted.
"""

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import sys
import tempfile
import termios
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.processes import child
from chat_console.server.runner import RunningServer, running_server
from chat_console.simulate.customers import SimulatedCustomer

ROWS, COLUMNS = 40, 120
TICKETS = 30  # waiting, the probe's included
PROBE = "Bytes probe"
SETTLE = 1.0  # seconds after a phase's last message, counted with it
START_WAIT = 30.0
START_SETTLE = 8.0  # seconds: the first frames, the history, the start-up notices' timeout
FLOOD_RATE = 200
CLOSED_RATE = 4  # messages a second on closed conversations: one at a time, not a burst


@dataclass
class TerminalBytes:
    idle_bytes_per_s: float
    open_bytes_per_message: float
    closed_bytes_per_message: float
    flood_bytes_per_s: float
    flood_messages: int


class Terminal:
    """The master side of a console's pty: counts what the console writes (keeping only its
    tail, so 20 consoles through a long day hold little), types what it is told."""

    TAIL = 1 << 16  # bytes of output kept to look for a word in

    def __init__(self, master: int) -> None:
        self.master = master
        self.written = 0
        self.tail = b""
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the console closed the terminal
            chunk = b""
        if not chunk:
            asyncio.get_running_loop().remove_reader(self.master)
        self.written += len(chunk)
        self.tail = (self.tail + chunk)[-self.TAIL :]

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    async def until(self, needle: bytes, within: float = START_WAIT) -> None:
        async with asyncio.timeout(within):
            while needle not in self.tail:  # noqa: ASYNC110 - filled by the reader callback
                await asyncio.sleep(0.05)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)


def console_environment(home: Path) -> dict[str, str]:
    """A console's environment with a home of its own and a known terminal."""
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    for variable in ("COLUMNS", "LINES", "TEXTUAL", "NO_COLOR"):
        env.pop(variable, None)
    return env


async def start_on_a_pty(config: Path, home: Path) -> tuple[asyncio.subprocess.Process, Terminal]:
    """`chat-console --config CONFIG` on a pty of ROWS x COLUMNS, at home in `home`."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "chat_console",
        "--config",
        str(config),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=console_environment(home),
        start_new_session=True,
    )
    os.close(slave)
    return process, Terminal(master)


def _config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[server]\nurl = "{url}"\n'
        f'[auth]\ntoken_url = "{url}/oauth/token"\nclient_id = "chat-console"\n'
        'username = "op1"\npassword_command = "echo op1pass"\n'
        '[operator]\nuser_id = "op-1"\nfull_name = "Olivia Operator"\n'
    )
    config.chmod(0o600)
    return config


@asynccontextmanager
async def console_on_a_pty(url: str) -> AsyncIterator[Terminal]:
    with tempfile.TemporaryDirectory(prefix="bench-bytes-") as name:
        folder = Path(name)
        process, terminal = await start_on_a_pty(_config(folder, url), folder)
        try:
            yield terminal
            terminal.type(b"\x11")  # ctrl+q
            async with asyncio.timeout(10):
                await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            terminal.close()


async def _counted(terminal: Terminal, phase: asyncio.Future[object] | None = None) -> int:
    """Bytes written while `phase` runs, and in the settling second after it."""
    start = terminal.written
    if phase is not None:
        await phase
    await asyncio.sleep(SETTLE)
    return terminal.written - start


def _waited_for_minutes(server: RunningServer) -> None:
    """Every ticket as if it had waited 5 to 34 minutes (the probe's the longest): a queue that
    has waited a while, not one whose waiting times are all in their first minute."""
    now = datetime.now(UTC)
    tickets = sorted(server.store.tickets(), key=lambda t: t.ticket_nm != PROBE)
    for n, ticket in enumerate(tickets):
        waited = timedelta(minutes=34 - n, seconds=n * 7)
        server.store.save_ticket(ticket.model_copy(update={"created_at": now - waited}))


async def run(idle_seconds: float, messages: int, flood_seconds: float) -> TerminalBytes:
    # The server in this process: the console, the process measured, has its own.
    async with running_server() as server:
        url = server.url
        probe = SimulatedCustomer(url, "cu1", "cu1pass", read_delay=0.2)
        await probe.connect()
        ticket = await probe.open_ticket(PROBE)
        async with child("child_load", url, "2", str(TICKETS - 1), "1") as load:
            await load.read()
            _waited_for_minutes(server)
            async with console_on_a_pty(url) as terminal:
                await terminal.until(b"Load ticket")
                await asyncio.sleep(START_SETTLE)

                start = terminal.written
                await asyncio.sleep(idle_seconds)
                idle = (terminal.written - start) / idle_seconds

                terminal.type(b"\r")  # open the probe's ticket
                await asyncio.sleep(2.0)

                async def probe_writes() -> None:
                    for n in range(messages):
                        await probe.say(ticket.ticket_id, f"Where is my parcel? #{n}")
                        await asyncio.sleep(1 / CLOSED_RATE)

                opened = await _counted(terminal, asyncio.ensure_future(probe_writes()))

                terminal.type(b"\x1b")  # back to the queue: the other tickets are closed
                await asyncio.sleep(2.0)
                await load.send(do="rate", rate=CLOSED_RATE, seconds=messages / CLOSED_RATE)
                closed_sent = asyncio.ensure_future(load.read(within=60 + messages))
                closed = await _counted(terminal, closed_sent)
                closed_acked = int(closed_sent.result()["acked"])

                await load.send(do="rate", rate=FLOOD_RATE, seconds=flood_seconds)
                flood_sent = asyncio.ensure_future(load.read(within=60 + flood_seconds))
                flooded = await _counted(terminal, flood_sent)
        await probe.close()
    flood = flood_sent.result()
    # Over the flood's own span (until its last ack), though the bytes include the settling
    # second: the figure errs high, not low.
    return TerminalBytes(
        idle_bytes_per_s=idle,
        open_bytes_per_message=opened / messages,
        closed_bytes_per_message=closed / max(1, closed_acked),
        flood_bytes_per_s=flooded / float(flood["seconds"]),
        flood_messages=int(flood["acked"]),
    )
