"""kill -9 of a console mid-send, then a restart: the outbox goes out once, SQLite intact."""

import asyncio
import sqlite3
import sys
from collections import Counter
from pathlib import Path

from benchmarks.chaos_harness import OPERATOR, ServerProcess, Side, accept, open_ticket

from tests.helpers import eventually

ROOT = Path(__file__).resolve().parents[2]


def count(path: Path, table: str) -> int:
    """Rows in the console's table, read while it writes (0 until its schema exists)."""
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # the child is creating the file and its tables right now
        return 0


async def console(url: str, store: Path, ticket: str, messages: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.faults.console_child",
        url,
        str(store),
        ticket,
        str(messages),
        "0.01",
        cwd=ROOT,
    )


async def test_a_console_killed_mid_send_resends_its_outbox_once_after_a_restart(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    url = server_process.url
    tid = await open_ticket(url)
    helper = Side(url, OPERATOR, tmp_path / "helper.sqlite3")
    await helper.start()
    await accept(helper, tid)
    store = tmp_path / "console.sqlite3"

    first = await console(url, store, tid, 200)
    try:
        await eventually(lambda: count(store, "messages") >= 40, within=20)
        # Mid-send: the server stops answering, so one emit is in flight (it may still be read
        # and stored once the server runs again: a lost ack) and more wait in the outbox.
        server_process.freeze()
        await eventually(lambda: count(store, "outbox") >= 3, within=10)
    finally:
        first.kill()  # SIGKILL: no orderly anything
        server_process.thaw()
    assert await first.wait() == -9

    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        written = [c for (c,) in db.execute("SELECT json_extract(body, '$.content') FROM messages")]
    assert 40 <= len(written) < 200

    second = await console(url, store, tid, 0)  # only what the dead one left behind
    assert await asyncio.wait_for(second.wait(), 60) == 0
    assert count(store, "outbox") == 0

    stored = Counter(m.content for m in await helper.client.fetch_messages(tid) or [])
    assert set(stored) == set(written)
    assert max(stored.values()) == 1
    await helper.stop()
