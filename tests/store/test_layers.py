import subprocess
import sys


def test_the_store_imports_neither_textual_nor_the_network() -> None:
    code = (
        "import sys, chat_console.store; "
        "print(sorted(m for m in ('textual', 'socketio', 'aiohttp', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
