"""The real console on a pseudo-terminal, against the reference server, at DEBUG log level.

A customer sends the hostile corpus; every byte the console writes to the terminal is read from
the master side. None of the injected sequences may be among them, and the visible stand-ins must
be. Then the whole session's log file is searched for every secret the session used."""

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import sys
import termios
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from chat_console.protocol import EmitEvent, Message, MessageStatus, Ticket, emits
from chat_console.server.runner import RunningServer, running_server
from chat_console.server.tokens import Grant
from tests.helpers import Peer, eventually
from tests.hostile.corpus import CORPUS

ROWS, COLUMNS = 50, 160
WAIT = 20.0  # bounds a whole console start-up on a busy machine; never slept through


class Terminal:
    """The master side of a pty: collects what the child writes, types what the test says."""

    def __init__(self, master: int) -> None:
        self.master = master
        self.output = bytearray()
        self.grew = asyncio.Event()
        os.set_blocking(master, False)
        asyncio.get_running_loop().add_reader(master, self._read)

    def _read(self) -> None:
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        if not chunk:
            asyncio.get_running_loop().remove_reader(self.master)
        self.output += chunk
        self.grew.set()

    async def until(self, needle: bytes, within: float = WAIT) -> None:
        async with asyncio.timeout(within):
            while needle not in self.output:
                self.grew.clear()
                await self.grew.wait()

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self.master)
        os.close(self.master)


@pytest.fixture
async def recorded_server() -> AsyncIterator[tuple[RunningServer, list[Grant]]]:
    """The reference server, remembering every token grant it makes (to grep the log for)."""
    grants: list[Grant] = []
    async with running_server() as server:
        tokens = server.chat.tokens
        issue = tokens.issue

        def recording(user_id: str, family: str | None = None) -> Grant:
            grant = issue(user_id, family)
            grants.append(grant)
            return grant

        tokens.issue = recording  # type: ignore[method-assign]
        yield server, grants


def write_config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[server]\nurl = "{url}"\n'
        f'[auth]\ntoken_url = "{url}/oauth/token"\nclient_id = "chat-console"\n'
        'username = "op1"\npassword_command = "echo op1pass"\n'
        '[operator]\nuser_id = "op-1"\nfull_name = "Olivia Operator"\n'
    )
    config.chmod(0o600)
    return config


async def start_on_a_pty(
    *args: str, env: dict[str, str]
) -> tuple[asyncio.subprocess.Process, Terminal]:
    """`python ARGS` on a pty of ROWS x COLUMNS, in its own session."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    return process, Terminal(master)


async def start_console(folder: Path, config: Path) -> tuple[asyncio.subprocess.Process, Terminal]:
    home = {
        name: str(folder / name.lower())
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    }
    env = {
        **os.environ,
        **home,
        "HOME": str(folder),
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "CHAT_CONSOLE_LOG_LEVEL": "DEBUG",
    }
    for name in ("COLUMNS", "LINES", "TEXTUAL", "NO_COLOR"):
        env.pop(name, None)
    return await start_on_a_pty("-m", "chat_console", "--config", str(config), env=env)


async def until(condition: Callable[[], object], within: float = WAIT) -> None:
    await eventually(condition, within, every=0.05)


async def test_no_injected_sequence_reaches_the_terminal_and_no_secret_the_log(
    recorded_server: tuple[RunningServer, list[Grant]], tmp_path: Path
) -> None:
    server, grants = recorded_server
    process, terminal = await start_console(tmp_path, write_config(tmp_path, server.url))
    customer = Peer()
    try:
        await until(lambda: "op-1" in server.connected_users())
        await customer.login(server.url, "cu1", "cu1pass", operator=False)
        ticket = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm=CORPUS[0].text)
        assert await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
        for n, entry in enumerate(CORPUS):
            message = Message(ticket_id=ticket.ticket_id, message_id=f"m-{n}", content=entry.text)
            ack = await customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, ""))
            assert ack is None

        def statuses() -> set[int]:
            return {int(m.status_id) for m in server.store.messages(ticket.ticket_id)}

        await until(lambda: statuses() == {MessageStatus.DELIVERED})  # the console has them all
        # Its client has them; the queue may draw the ticket later on a busy machine, and an
        # Enter on an empty queue opens nothing.
        await terminal.until(b"Carl Customer")
        terminal.type(b"\r")  # open the ticket: it is the only one, under the cursor
        await until(lambda: statuses() == {MessageStatus.READ})  # on screen: read receipts
        await terminal.until("del:␡:del".encode())  # the newest message is drawn
        terminal.type(b"\x11")  # ctrl+q: quit, even with the composer focused
        async with asyncio.timeout(WAIT):
            assert await process.wait() == 0
    finally:
        (tmp_path / "terminal.out").write_bytes(terminal.output)  # for a failure's post-mortem
        if process.returncode is None:
            process.kill()
            await process.wait()
        await customer.close()
        terminal.close()

    screen = terminal.output.decode("utf-8")  # strict: a stray raw byte (a raw C1) fails here
    for entry in CORPUS:
        if entry.injected is not None:
            assert entry.injected not in screen, entry.name
    for sequence in ("\x1b]0;pwned", "\x1b]52;", "\x9b", "\x00", "\u202e", "\u2066", "C1:\x1b"):
        assert sequence not in screen
    for entry in CORPUS:
        assert entry.shown in screen, entry.name

    (log_file,) = list(tmp_path.rglob("console.log"))  # noqa: ASYNC240 - the child has exited
    log = log_file.read_text()
    assert " DEBUG " in log and "authenticate" in log  # a debug log of a real session
    secrets = ["op1pass", *[g.access_token for g in grants], *[g.refresh_token for g in grants]]
    assert len(grants) >= 1
    for secret in secrets:
        assert secret not in log
