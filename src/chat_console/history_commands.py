"""`chat-console search` (and its kin): read the configured operator's history file and print.

The file is read as a copy (`Store(copy_only=True)`), whether or not a console owns it: these
commands never write it, so they run beside a console and never wait for its lock. The copy is
SQLite's backup of the file into memory (a 100,000-message history is read in well under a
second); a file written before the search index existed gets it built in that copy.
"""

import argparse
import sqlite3
import sys
from urllib.parse import urlsplit

from chat_console.history_tools import find, json_line, terminal_line
from chat_console.store import Store
from chat_console.store.history import history_file


def _history(args: argparse.Namespace, command: str) -> tuple[Store | None, int]:
    """The operator's history as a read-only copy, or None and the exit code to give."""
    from chat_console.config import ConfigError, load_settings

    try:
        settings = load_settings(getattr(args, "config", None))
    except ConfigError as problem:
        print(f"chat-console {command}: {problem}", file=sys.stderr)
        return None, 2
    path = history_file(settings.operator.user_id, urlsplit(settings.server.url).netloc)
    if not path.is_file():
        print(f"chat-console {command}: no history at {path}", file=sys.stderr)
        return None, 1
    try:
        return Store(path, operator_id=settings.operator.user_id, copy_only=True), 0
    except (sqlite3.Error, OSError) as problem:
        print(f"chat-console {command}: cannot read {path}: {problem}", file=sys.stderr)
        return None, 2


def run_search(args: argparse.Namespace) -> int:
    """One line per match, newest first; exit 0 with matches, 1 without (as grep), 2 on error."""
    store, code = _history(args, "search")
    if store is None:
        return code
    try:
        matches = find(store, args.query, args.ticket)
    finally:
        store.close()
    show = json_line if args.json else terminal_line
    for match in matches:
        print(show(match))
    return 0 if matches else 1
