"""One owner of a history file at a time: an exclusive lock beside it, saying who holds it."""

import os
from pathlib import Path

from chat_console.store import HistoryLock
from chat_console.tui.sample_data import fixed_clock


def test_a_second_lock_on_the_same_history_is_refused_and_names_the_owner(tmp_path: Path) -> None:
    history = tmp_path / "op-1@host.sqlite3"
    first, second = HistoryLock(history), HistoryLock(history)
    assert first.acquire(fixed_clock())
    assert not second.acquire(fixed_clock()) and not second.held
    assert not second.is_free()
    holder = second.holder()
    assert holder.pid == os.getpid() and holder.since == fixed_clock()
    first.release()
    assert second.is_free()
    assert second.acquire(fixed_clock())
    assert not first.acquire(fixed_clock())
    second.release()
