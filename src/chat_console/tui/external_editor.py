"""A reply written in the operator's own editor: $VISUAL, else $EDITOR, else vi.

The draft goes to a file only the operator can read (0600, in a folder of its own, 0700), which
is deleted as soon as the editor has exited, whatever happened: a reply may hold a customer's
personal data.
"""

import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edited:
    text: str | None  # None: nothing to take back (the problem says why)
    problem: str | None = None


def editor_command() -> list[str]:
    """The editor with its arguments (`EDITOR="code --wait"`), as a shell would split it."""
    chosen = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        return shlex.split(chosen) or ["vi"]
    except ValueError:  # an unbalanced quote: taken as one program's name
        return [chosen]


def edit_in_editor(text: str) -> Edited:
    """Run the editor on `text`; what it saved (without the one newline editors add at the end),
    or why there is nothing."""
    command = editor_command()
    with tempfile.TemporaryDirectory(prefix="chat-console-") as folder:
        path = Path(folder) / "reply.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as file:
                file.write(text + "\n" if text else "")
        except UnicodeEncodeError:  # a lone surrogate, pasted: no file can hold it as UTF-8
            return Edited(None, "the reply holds a character that UTF-8 cannot encode")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as problem:
            return Edited(None, f"cannot run {command[0]}: {problem.strerror or problem}")
        if done.returncode != 0:
            return Edited(None, f"{command[0]} exited with {done.returncode}")
        try:
            edited = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            return Edited(None, f"cannot read what {command[0]} saved: {problem}")
    edited = edited.replace("\r\n", "\n")
    return Edited(edited.removesuffix("\n"))
