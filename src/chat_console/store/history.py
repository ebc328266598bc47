"""Opening an operator's history file: who owns it, and what retention removes at start.

The console that holds the file's lock (`HistoryLock`) owns it: it reads and writes the file and
sends its outbox, and removes closed tickets older than `keep_days` as it opens it. Any other
console on the same file gets an in-memory copy of it: it can show the queue, the conversations
and live events, but it writes nothing to the file and sends nothing (the console builds it no
courier), and says why for as long as it runs, or until the owner quits and it takes over.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

import platformdirs

from chat_console.protocol import now_utc
from chat_console.store.owner import HistoryLock
from chat_console.store.store import Purged, Store


def history_file(user_id: str, host: str, folder: Path | None = None) -> Path:
    """One file per operator and server, in the user data directory unless told otherwise."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{user_id}@{host}")
    return (folder or Path(platformdirs.user_data_dir("chat-console"))) / f"{name}.sqlite3"


@dataclass
class History:
    store: Store
    lock: HistoryLock
    purged: Purged
    reopen: Callable[[], Store]  # the file's store, owned

    def take_over(self) -> Store | None:
        """Once the owner has quit: own the file, and read it again (what the copy applied
        meanwhile is dropped; the new owner resyncs). The file's store, or None while another
        console owns it."""
        if self.lock.held or not self.lock.acquire(now_utc()):
            return None
        try:
            store = self.reopen()
        except BaseException:
            self.lock.release()
            raise
        self.store.close()
        self.store = store
        return store

    @property
    def owned(self) -> bool:
        return self.lock.held

    def read_only_reason(self) -> str | None:
        """Why this console may not write the file, or None when it owns it; asked again as it
        runs, since the owner may quit meanwhile."""
        if self.lock.held:
            return None
        if self.lock.is_free():
            return "the console that owned this history has quit"
        holder = self.lock.holder()
        who = ", ".join(
            part
            for part in (
                f"pid {holder.pid}" if holder.pid else "",
                f"since {holder.since.astimezone():%H:%M}" if holder.since else "",
            )
            if part
        )
        return (
            f"another console ({who}) owns this history"
            if who
            else ("another console owns this history")
        )

    def close(self) -> None:
        self.store.close()
        self.lock.release()


def open_history(
    path: Path,
    *,
    operator_id: str,
    keep_days: float,
    now: datetime,
    messages_per_ticket: int,
    bytes_per_ticket: int,
) -> History:
    """The file's store: owned (and purged of closed tickets older than `keep_days`) if nobody
    else holds it, else an in-memory copy that never writes the file."""
    lock = HistoryLock(path)
    owned = lock.acquire(now)
    opener = partial(
        Store,
        path,
        operator_id=operator_id,
        messages_per_ticket=messages_per_ticket,
        bytes_per_ticket=bytes_per_ticket,
    )
    try:
        store = opener(copy_only=not owned)
        purged = store.purge(now - timedelta(days=keep_days)) if owned else Purged()
    except BaseException:
        lock.release()
        raise
    return History(store, lock, purged, opener)
