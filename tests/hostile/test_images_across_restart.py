"""Hostile images, sent by a server that relays anything, to the real console on a pseudo-terminal:
each is shown as one line that says why, or drawn when it is a picture, the console quits with
status 0, and draws them all again from its history after a restart."""

import asyncio
import os
import pty
import subprocess
import sys
from pathlib import Path

from chat_console.images import MAX_PIXELS
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from tests.client.tiny_server import TinyServer, tiny_server
from tests.hostile.test_payloads_across_restart import drawn, write_config
from tests.hostile.test_terminal_bytes import Terminal, start_console, until
from tests.image_samples import b64, bomb_png, two_colours_png

IMAGES = {
    "bomb": b64(bomb_png(50_000, 50_000)),
    "wide-bomb": b64(bomb_png(2**31 - 1, 1)),
    "not-base64": "!!not base64!!\x1b[2J",
    "not-an-image": b64(b"%PDF-1.4\n" + bytes(100)),
    "damaged": b64(two_colours_png(64, 32)[:90]),
    "over-the-cap": "A" * (MAX_CONTENT_BYTES + 4),
    "picture": b64(two_colours_png(16, 8)),
}
SHOWN = (
    f"[image too large: 50000×50000 pixels (over {MAX_PIXELS // 1_000_000} MP)]",
    f"[image too large: {2**31 - 1}×1 pixels",
    "[image: invalid data]",
    "[image: not a PNG, JPEG, GIF or WebP]",
    "[image: damaged past its header]",  # its header is whole, what follows is cut
    "[image too large: 1.0 MB of data]",
    "▀" * 16,  # the picture, 16 half blocks wide
)


def payloads() -> list[tuple[str, dict[str, object]]]:
    found = [("ticketCreated", {"ticketId": "t-img", "displayNm": "Imogen"})]
    for name, content in IMAGES.items():
        message = {"ticketId": "t-img", "messageId": name, "senderId": "cu-1", "type": 2}
        found.append(("messageUpdated", {**message, "senderNm": "Imogen", "content": content}))
    return found


async def run_once(folder: Path, server: TinyServer, send: bool) -> bytes:
    process, terminal = await start_console(folder, write_config(folder, server.url))
    try:
        await until(lambda: len(server.sids) == 1)
        await terminal.until("● online".encode())
        if send:
            (sid,) = server.sids
            for event, data in payloads():
                await server.sio.emit(event, (data,), to=sid)
        await terminal.until(b"Imogen")
        terminal.type(b"\r")  # open Imogen's ticket
        for line in (*SHOWN[:-1], "▀"):  # the picture's cells have colours between them
            await terminal.until(line.encode(), within=30)
        terminal.type(b"\x11")  # ctrl+q
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        (folder / f"images-{send}.out").write_bytes(terminal.output)
        if process.returncode is None:
            process.kill()
            await process.wait()
        terminal.close()
    return bytes(terminal.output)


def check_screen(output: bytes) -> None:
    shown = "\n".join(drawn(output))
    for line in SHOWN:
        assert line in shown, (line, shown)
    assert "\x1b[2J" not in output.decode("utf-8").split("Imogen", 1)[1]


async def test_hostile_images_are_refused_in_one_line_and_survive_a_restart(
    tmp_path: Path,
) -> None:
    async with tiny_server() as server:
        check_screen(await run_once(tmp_path, server, send=True))
        check_screen(await run_once(tmp_path, server, send=False))  # from the history alone
    (log_file,) = list(tmp_path.rglob("console.log"))  # noqa: ASYNC240 - the child has exited
    log = log_file.read_text()
    assert "Traceback" not in log and "unreadable" not in log


async def test_a_console_whose_stdin_is_no_terminal_starts_all_the_same(tmp_path: Path) -> None:
    """With `[ui] graphics = "sixel"` textual-image asks the terminal through stdin; where stdin
    is no terminal that fails (termios), which must not stop the console: it draws half blocks."""
    master, slave = pty.openpty()
    env = {**os.environ, "HOME": str(tmp_path), "TERM": "xterm-256color"}
    env |= {name: str(tmp_path / name.lower()) for name in ("XDG_STATE_HOME", "XDG_DATA_HOME")}
    async with tiny_server() as server:
        config = write_config(tmp_path, server.url)
        config.write_text(config.read_text() + '[ui]\ngraphics = "sixel"\n')
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "chat_console", "--config", str(config)),
            stdin=subprocess.DEVNULL,
            stdout=slave,
            stderr=slave,
            env=env,
            start_new_session=True,
        )
        os.close(slave)
        terminal = Terminal(master)
        try:
            await until(lambda: len(server.sids) == 1)
            await terminal.until("● online".encode())
        finally:
            process.kill()
            await process.wait()
            terminal.close()
    (log_file,) = list(tmp_path.rglob("console.log"))  # noqa: ASYNC240 - the child has exited
    log = log_file.read_text()
    assert "terminal graphics: cannot ask the terminal" in log
    assert "Traceback" not in log
