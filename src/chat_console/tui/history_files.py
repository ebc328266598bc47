"""The open conversation out of the console: a Markdown file (`E`) or text in $PAGER (`|`)."""

import os
import re
import shlex
import subprocess
from datetime import tzinfo
from pathlib import Path

import platformdirs

from chat_console.export import Format, export, images_folder
from chat_console.protocol import now_utc
from chat_console.store import Store


def export_folder() -> Path:
    """Where saved images go too: the downloads folder, else the console's data folder."""
    return Path(platformdirs.user_downloads_dir() or platformdirs.user_data_dir("chat-console"))


def export_to_file(store: Store, ticket_id: str, timezone: tzinfo | None) -> Path:
    folder = export_folder()
    folder.mkdir(parents=True, exist_ok=True)
    # The short id, as the console shows it: the notice saying where must fit at 80 columns.
    safe_id = re.sub(r"[^A-Za-z0-9_-]", "", ticket_id)[:8] or "ticket"
    stem = f"chat-{safe_id}-{now_utc():%Y%m%d-%H%M%S}"
    path, stem = _new_file(folder, stem)
    try:
        images = images_folder(folder, stem)
        text = export(store, ticket_id, Format.MARKDOWN, images, folder, timezone)
        path.write_text(text, encoding="utf-8")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _new_file(folder: Path, stem: str) -> tuple[Path, str]:
    """`<stem>.md`, else `<stem>-2.md`, … created empty here: two exports in one second (or
    two ids alike in their first characters) never replace each other's file."""
    for n in range(1, 1000):
        name = stem if n == 1 else f"{stem}-{n}"
        path = folder / f"{name}.md"
        try:
            with path.open("x", encoding="utf-8"):
                return path, name
        except FileExistsError:
            continue
    raise FileExistsError(f"{folder / stem}.md and 998 more exist")


def as_text(store: Store, ticket_id: str, timezone: tzinfo | None) -> str:
    """The conversation as the pager shows it; its images go where `E` puts them."""
    folder = export_folder()
    return export(store, ticket_id, Format.TEXT, images_folder(folder, ticket_id), folder, timezone)


def run_pager(text: str) -> str | None:
    """Run $PAGER on the text; what went wrong, or None."""
    command = shlex.split(os.environ.get("PAGER") or "less")
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), check=False)
    except OSError as problem:
        return f"cannot run {command[0]}: {problem.strerror or problem}"
    return None if done.returncode == 0 else f"{command[0]} exited with {done.returncode}"


def as_shown(path: Path) -> str:
    """`~/…` for a path in the operator's home: what a notice has room for."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
