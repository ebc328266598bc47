"""`chat-console search` and `chat-console export`: read the operator's history file, and print.

The file is read as a copy (`Store(copy_only=True)`), whether or not a console owns it: these
commands never write it, so they run beside a console and never wait for its lock. The copy is
SQLite's backup of the file into memory (a 100,000-message history is read in well under a
second); a file written before the search index existed gets it built in that copy.
"""

import argparse
import sqlite3
import sys
from pathlib import Path
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


def run_export(args: argparse.Namespace) -> int:
    """The conversation to --output (its images in a folder beside it), else to stdout (its
    images in a folder in the current directory); exit 1 if the history has no such ticket."""
    from chat_console.export import Format, NotInHistory, export, images_folder

    store, code = _history(args, "export")
    if store is None:
        return code
    output: Path | None = args.output
    place = output.parent if output is not None else Path.cwd()
    images = images_folder(place, output.stem if output else args.ticket_id)
    try:
        text = export(store, args.ticket_id, Format(args.format), images, place)
    except NotInHistory:
        print(f"chat-console export: no ticket {args.ticket_id!r} in the history", file=sys.stderr)
        return 1
    except OSError as problem:
        print(f"chat-console export: cannot write the images: {problem}", file=sys.stderr)
        return 2
    finally:
        store.close()
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as problem:
        print(f"chat-console export: cannot write {output}: {problem}", file=sys.stderr)
        return 2
    print(f"exported to {output}", file=sys.stderr)
    return 0
