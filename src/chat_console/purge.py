"""`chat-console purge`: closed tickets older than [history] keep_days (or --older-than) leave the
operator's history file now, and the file gives the space back (VACUUM).

The console does the same at start, without the VACUUM (a rewrite of the whole file the operator
would wait for; SQLite reuses the freed pages). A console running on the file owns it: then this
command changes nothing and says which console to quit.
"""

import argparse
import sqlite3
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from chat_console.protocol import now_utc
from chat_console.store.history import History, history_file, open_history


def run_purge(args: argparse.Namespace) -> int:
    from chat_console.config import ConfigError, load_settings

    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as problem:
        print(f"chat-console purge: {problem}", file=sys.stderr)
        return 2
    days = settings.history.keep_days if args.older_than is None else args.older_than
    path = history_file(settings.operator.user_id, urlsplit(settings.server.url).netloc)
    if not path.is_file():
        print(f"nothing to purge: no history at {path}")
        return 0
    try:
        history = open_history(
            path,
            operator_id=settings.operator.user_id,
            keep_days=days,
            now=now_utc(),
            messages_per_ticket=settings.history.messages_per_ticket,
            bytes_per_ticket=settings.history.bytes_per_ticket,
        )
    except (sqlite3.Error, OSError) as problem:
        print(f"chat-console purge: cannot open {path}: {problem}", file=sys.stderr)
        return 2
    try:
        return _report(history, path, days)
    finally:
        history.close()


def _report(history: History, path: Path, days: float) -> int:
    if not history.owned:
        print(
            f"chat-console purge: {history.read_only_reason()}: {path} is left as it is."
            " The console removes old closed tickets itself as it starts; or quit it and run"
            " purge again.",
            file=sys.stderr,
        )
        return 1
    before = _size(path)
    purged = history.purged
    if purged.tickets:
        history.store.vacuum()
    cutoff = now_utc() - timedelta(days=days)
    print(
        f"removed {_count(purged.tickets, 'closed ticket')},"
        f" {_count(purged.messages, 'message')} and {_count(purged.drafts, 'draft')}"
        f" (last activity before {cutoff:%Y-%m-%d %H:%M} UTC) from {path}"
    )
    if purged.tickets:
        print(f"vacuumed: {before / 2**20:.1f} MB -> {_size(path) / 2**20:.1f} MB")
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
