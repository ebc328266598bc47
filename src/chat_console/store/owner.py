"""One console at a time owns a history file: it alone writes it and sends its outbox.

An operator who opens a second ssh session and starts the console again gets the same file. SQLite
would let both write (WAL and a busy timeout make the writes safe, not the meaning: both would send
the same outbox, and each would overwrite the other's rows from its own memory). So the owner holds
an exclusive `flock` on a file beside the history for as long as it runs; the kernel releases it
when the process ends however it ends, so a crash never leaves a stale lock. The owner writes its
pid and start time into the lock file, for the other console to say who owns it.
"""

import fcntl
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO


@dataclass(frozen=True)
class Holder:
    """Who owns a history file, as the owner wrote it (None where it could not be read)."""

    pid: int | None
    since: datetime | None


class HistoryLock:
    def __init__(self, history: Path) -> None:
        self.path = history.with_name(history.name + ".lock")
        self._file: TextIO | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, now: datetime) -> bool:
        """Take the lock if nobody holds it; True if this process owns the history now."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # "a+": opening must not truncate what the current owner wrote before we hold the lock.
        file = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        file.seek(0)
        file.truncate()
        file.write(f"{os.getpid()} {now.isoformat()}\n")
        file.flush()
        self._file = file
        return True

    def holder(self) -> Holder:
        """Who holds it, as far as the lock file says."""
        try:
            pid, since = self.path.read_text(encoding="utf-8").split()
            return Holder(int(pid), datetime.fromisoformat(since))
        except (OSError, ValueError):  # being written right now, or not ours to read
            return Holder(None, None)

    def is_free(self) -> bool:
        """Nobody holds the lock at this moment. A probe: flock has no test, so it takes the
        lock and lets go at once (a console starting in that instant would find it taken)."""
        if self._file is not None:
            return False
        try:
            with self.path.open("a+", encoding="utf-8") as file:
                fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # BlockingIOError: someone holds it
            return False
        return True  # closing the file released the probe's lock

    def release(self) -> None:
        # The lock file stays: deleting it would let a third process lock a new file of the same
        # name while a second still waits on the old one.
        file, self._file = self._file, None
        if file is not None:
            file.close()
