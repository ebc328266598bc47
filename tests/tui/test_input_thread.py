"""The console's input thread sleeps until the terminal has something (no wake every 0.1 s, as
Textual's does: issue 15, idle CPU), and still gives every key: a lone ESC becomes the escape key
once its delay is over, and stopping input (quitting, or a suspension for $EDITOR) ends the
thread at once (else the app would never end). An ESC that starts no sequence is the escape key
also when the next key comes in the same read, as over ssh (Textual made them one key)."""

import asyncio
import os
from pathlib import Path

from tests.helpers import eventually
from tests.hostile.test_terminal_bytes import WAIT, start_on_a_pty


async def test_keys_a_lone_escape_and_quitting_go_through_the_quiet_input_thread(
    tmp_path: Path,
) -> None:
    keys = tmp_path / "keys"
    keys.touch()
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TEXTUAL", None)
    process, terminal = await start_on_a_pty("-m", "tests.tui.keys_child", str(keys), env=env)

    def got() -> list[str]:
        return keys.read_text().split()

    try:
        await eventually(lambda: got() == ["ready"], WAIT, every=0.05)
        terminal.type(b"a")
        await eventually(lambda: got() == ["ready", "a"], WAIT, every=0.05)
        terminal.type(b"\x1b")  # nothing follows: only the parser's deadline can end it
        await eventually(lambda: got() == ["ready", "a", "escape"], WAIT, every=0.05)
        terminal.type(b"\x1b[A")  # a whole sequence in one read: one key
        await eventually(lambda: got()[-1:] == ["up"], WAIT, every=0.05)
        terminal.type(b"s")
        await eventually(lambda: got()[-2:] == ["s", "suspended"], WAIT, every=0.05)
        terminal.type(b"b")  # the input thread started again after the suspension
        await eventually(lambda: got()[-1:] == ["b"], WAIT, every=0.05)
        terminal.type(b"q")
        async with asyncio.timeout(WAIT):
            assert await process.wait() == 0
        assert got() == ["ready", "a", "escape", "up", "s", "suspended", "b", "q"]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        terminal.close()


async def test_escape_then_a_key_is_two_keys_even_in_one_read(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    keys.touch()
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("TEXTUAL", None)
    process, terminal = await start_on_a_pty("-m", "tests.tui.keys_child", str(keys), env=env)

    async def typed(data: bytes, *expected: str) -> None:
        before = len(keys.read_text().split())
        terminal.type(data)
        await eventually(lambda: keys.read_text().split()[before:] == list(expected), WAIT)

    try:
        await eventually(lambda: keys.read_text().split() == ["ready"], WAIT, every=0.05)
        await typed(b"\x1ba", "escape", "a")  # Textual: alt+a
        await typed(b"\x1b\r", "escape", "enter")  # Textual: enter (in the composer: send)
        await typed(b"\x1b/", "escape", "slash")  # Textual: slash
        await typed(b"\x1b\x1bv", "escape", "escape", "v")
        terminal.type(b"\x1b")  # the ESC ends a read: the next one says what it was
        await asyncio.sleep(0.02)
        await typed(b"n", "escape", "n")
        await typed(b"\x1b[B", "down")  # a sequence is still one key
        await typed(b"\x1bx", "alt+x")  # a chord the app binds stays a chord
        await typed(b"\x1b[200~hi\x1b[201~", "paste:hi")  # pasted text is not keys
        await typed(b"q", "q")
        async with asyncio.timeout(WAIT):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        terminal.close()
