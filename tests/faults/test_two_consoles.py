"""Two consoles of one operator on one history file (a second ssh session): the first owns the
file and sends its outbox, the second shows read-only and why and sends nothing; once the first
is killed, the second takes over and sends what it left, exactly once; a restart owns it again."""

import asyncio
import os
import sqlite3
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.chaos_harness import OPERATOR, ServerProcess, Side, accept, open_ticket

from chat_console.protocol import Ticket, now_utc
from chat_console.protocol.compose import message_to_customer
from chat_console.protocol.inbound import TicketCreated
from chat_console.store import Store
from chat_console.store.history import history_file
from tests.faults.test_console_kill import count
from tests.helpers import WAIT, eventually

ROOT = Path(__file__).resolve().parents[2]
Child = asyncio.subprocess.Process


def write_config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[server]\nurl = "{url}"\n'
        f'[auth]\ntoken_url = "{url}/oauth/token"\nclient_id = "chat-console"\n'
        'username = "op1"\npassword = "op1pass"\n'
        '[operator]\nuser_id = "op-1"\n'
    )
    config.chmod(0o600)
    return config


def seed(path: Path, ticket: Ticket, left: list[str]) -> None:
    """The history as a crash left it: the ticket, and messages still in the outbox."""
    store = Store(path, operator_id=OPERATOR[0].user_id)
    store.apply_batch([TicketCreated(ticket)])
    for text in left:
        store.record_outgoing(message_to_customer(ticket, OPERATOR[0], text, created_at=now_utc()))
    store.close()


def contents(path: Path) -> list[str]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [c for (c,) in db.execute("SELECT json_extract(body, '$.content') FROM messages")]


async def start(config: Path, data: Path) -> Child:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.faults.history_child",
        str(config),
        cwd=ROOT,
        env={**os.environ, "XDG_DATA_HOME": str(data), "XDG_STATE_HOME": str(data)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def line(child: Child) -> str:
    assert child.stdout is not None
    return (await asyncio.wait_for(child.stdout.readline(), 6 * WAIT)).decode().strip()


async def ask(child: Child, command: str) -> str:
    assert child.stdin is not None
    child.stdin.write(command.encode() + b"\n")
    await child.stdin.drain()
    return await line(child)


async def status_until(child: Child, words: str, *, absent: str) -> str:
    async with asyncio.timeout(6 * WAIT):
        # Another process: no event to await.
        while words not in (status := await ask(child, "status")) or absent in status:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return status


async def test_one_console_owns_the_history_and_the_read_only_other_takes_over_when_it_dies(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    url = server_process.url
    tid = await open_ticket(url)
    helper = Side(url, OPERATOR, tmp_path / "helper.sqlite3")
    await helper.start()
    await accept(helper, tid)
    ticket = helper.store.ticket(tid)
    assert ticket is not None
    data = tmp_path / "data"
    config = write_config(tmp_path, url)
    path = history_file("op-1", urlsplit(url).netloc, data / "chat-console")
    seed(path, ticket.ticket, ["left-1", "left-2"])
    children: list[Child] = []
    try:
        first = await start(config, data)
        children.append(first)
        assert await line(first) == "ready owner"
        await eventually(lambda: count(path, "outbox") == 0, within=6 * WAIT)

        second = await start(config, data)
        children.append(second)
        assert await line(second) == "ready read-only"
        assert f"read-only: another console (pid {first.pid}, since " in await ask(second, "status")
        answer = await ask(second, f"send {tid} from-second")
        assert answer.startswith("refused read-only: another console")

        server_process.freeze()  # what the first writes now stays in its outbox
        try:
            assert await ask(first, f"send {tid} written-1") == "sent"
            assert await ask(first, f"send {tid} written-2") == "sent"
            assert count(path, "outbox") == 2
        finally:
            first.kill()  # SIGKILL: its lock goes with it
            server_process.thaw()
        assert await first.wait() == -9

        # The owner is gone: the second takes over, sends what it left, and may write now.
        await status_until(second, "● online", absent="read-only")
        await eventually(lambda: count(path, "outbox") == 0, within=6 * WAIT)
        assert await ask(second, f"send {tid} now-mine") == "sent"
        await eventually(lambda: count(path, "outbox") == 0, within=6 * WAIT)
        assert await ask(second, "quit") == "quit 0"
        assert await second.wait() == 0

        third = await start(config, data)  # a restart owns the file again
        children.append(third)
        assert await line(third) == "ready owner"
        assert await ask(third, "quit") == "quit 0"
    finally:
        for child in children:
            if child.returncode is None:
                child.kill()
                await child.wait()

    stored = Counter(m.content for m in await helper.client.fetch_messages(tid) or [])
    assert stored == Counter(["left-1", "left-2", "written-1", "written-2", "now-mine"])
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    await helper.stop()
