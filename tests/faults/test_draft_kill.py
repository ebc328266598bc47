"""kill -9 of a console while a reply is half written: the draft is in SQLite when it restarts."""

import asyncio
import sqlite3
import sys
from pathlib import Path

from chat_console.protocol import Ticket, TicketStatus
from chat_console.protocol.inbound import TicketCreated
from chat_console.store import Store
from chat_console.tui.sample_data import ME, fixed_clock
from tests.helpers import WAIT

ROOT = Path(__file__).resolve().parents[2]


async def test_a_half_written_reply_survives_the_console_being_killed(tmp_path: Path) -> None:
    path = tmp_path / "console.sqlite3"
    store = Store(path, operator_id=ME.user_id, clock=fixed_clock)
    mine = Ticket(
        ticket_id="t-a",
        ticket_nm="Double charge",
        owner_id="cu-1",
        owner_nm="Carl",
        status_id=TicketStatus.OPEN,
        handle_by_id=ME.user_id,
    )
    store.apply_batch([TicketCreated(mine)])
    store.close()

    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.faults.draft_child",
        str(path),
        "t-a",
        "refund on its way",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 6 * WAIT)
        assert line.strip() == b"typed"
    finally:
        child.kill()  # SIGKILL: no orderly quit, no final commit
    assert await child.wait() == -9

    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert Store(path, operator_id=ME.user_id).draft("t-a") == "refund on its way"
