"""`chat-console init` writes the documented example where the console reads it, private, and never
over an existing file (which may hold the only copy of a secret)."""

import os
import stat
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parents[1] / "config.example.toml"


def init(*argv: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_CONSOLE_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    return subprocess.run(
        [sys.executable, "-m", "chat_console.cli", "init", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_init_writes_the_example_where_the_console_looks_private(tmp_path: Path) -> None:
    done = init(home=tmp_path)
    written = tmp_path / "config" / "chat-console" / "config.toml"
    assert done.returncode == 0, done.stderr
    assert str(written) in done.stdout and "chat-console doctor" in done.stdout
    assert written.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_init_never_replaces_an_existing_config(tmp_path: Path) -> None:
    mine = tmp_path / "work.toml"
    mine.write_text('[auth]\ntoken = "the only copy"\n', encoding="utf-8")
    done = init("--config", str(mine), home=tmp_path)
    assert done.returncode == 1
    assert "exists already" in done.stderr and str(mine) in done.stderr
    assert mine.read_text(encoding="utf-8") == '[auth]\ntoken = "the only copy"\n'


def test_init_says_why_it_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    done = init("--config", str(blocker / "config.toml"), home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.startswith("chat-console init: cannot create ") and done.stderr[-1] == "\n"
    assert f"{blocker} is a file, not a folder" in done.stderr and "Traceback" not in done.stderr
