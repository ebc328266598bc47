"""The layers below tui/ never import Textual, checked in a fresh interpreter."""

import subprocess
import sys

LOWER_LAYERS = (
    "chat_console.protocol",
    "chat_console.store",
    "chat_console.client",
    "chat_console.server",
    "chat_console.simulate",
    "chat_console.config",
    "chat_console.doctor",
)


def modules_after_importing(*packages: str) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {packages!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(result.stdout.split())


def test_lower_layers_do_not_import_textual() -> None:
    loaded = modules_after_importing(*LOWER_LAYERS)
    assert set(LOWER_LAYERS) <= loaded  # the imports really happened
    assert not {m for m in loaded if m == "textual" or m.startswith(("textual.", "rich"))}


def test_the_check_would_see_textual() -> None:
    # Guards the guard: importing the console does load Textual, so the test above can fail.
    assert "textual" in modules_after_importing("chat_console.tui.app")
