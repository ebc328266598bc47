"""server/ imports protocol/ only: no Textual, nothing from client/, store/ or tui/."""

import subprocess
import sys

PROBE = """
import pkgutil, importlib, sys
import chat_console.server as server
for module in pkgutil.iter_modules(server.__path__):
    importlib.import_module(f"chat_console.server.{module.name}")
banned = ("textual", "chat_console.client", "chat_console.store", "chat_console.tui")
print(sorted(m for m in sys.modules if m.split(".")[0] == "textual" or m.startswith(banned[1:])))
print(len([m for m in sys.modules if m.startswith("chat_console.server.")]))
"""


def test_server_modules_import_neither_textual_nor_other_layers() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    )
    offenders, loaded = result.stdout.splitlines()
    assert offenders == "[]"
    assert int(loaded) >= 10  # every server module was really imported
