"""What the real console asks its terminal, read from the raw bytes of a pseudo-terminal.

A question to the terminal (DA1 for sixel, a kitty graphics query, the cell size) is answered on
stdin. Over an ssh link slower than the asker's patience the answer comes late and Textual reads
it as keys (`ESC[?62;4c` is `c`, our Close key, and digits). So by default the console asks
nothing, from its start through drawing an image and opening the viewer; `[ui] graphics` opts in
to sixel or kitty graphics, and then the question goes out once, before the first frame."""

import asyncio
from pathlib import Path

from tests.client.tiny_server import TinyServer, tiny_server
from tests.hostile.test_payloads_across_restart import write_config
from tests.hostile.test_terminal_bytes import start_console, until
from tests.image_samples import b64, two_colours_png

QUERIES = (b"\x1b[c", b"\x1b_G", b"\x1b[14t", b"\x1b[16t")
FIRST_FRAME = b"\x1b[?1049h"  # Textual's alternate screen: nothing it draws comes before
SIXEL = b"\x1bP"  # a sixel picture is a DCS string; half blocks never write one
PICTURE = {"ticketId": "t-img", "messageId": "m-img", "senderId": "cu-1", "type": 2}


def with_graphics(config: Path, graphics: str) -> Path:
    config.write_text(config.read_text() + f'[ui]\ngraphics = "{graphics}"\n')
    return config


async def send_a_picture(server: TinyServer) -> None:
    (sid,) = server.sids
    ticket = {"ticketId": "t-img", "displayNm": "Imogen"}
    await server.sio.emit("ticketCreated", (ticket,), to=sid)
    content = b64(two_colours_png(16, 8))
    await server.sio.emit("messageUpdated", ({**PICTURE, "content": content},), to=sid)


async def view_a_picture(folder: Path, config: Path, server: TinyServer) -> bytes:
    """Start the console, draw an image inline, open it in the viewer, quit: the raw bytes."""
    process, terminal = await start_console(folder, config)
    try:
        await until(lambda: len(server.sids) == 1)
        await terminal.until("● online".encode())
        await send_a_picture(server)
        await terminal.until(b"Imogen")
        terminal.type(b"\r")  # open Imogen's ticket
        await terminal.until("▀".encode(), within=30)  # drawn inline
        terminal.type(b"\x1b")  # the composer lets go: the conversation has the keys
        await asyncio.sleep(0.2)  # a lone Esc is told from a sequence by the pause after it
        terminal.type(b"V")
        await terminal.until("PNG 16×8".encode(), within=30)  # the viewer's caption
        await asyncio.sleep(0.5)  # what the viewer draws after its caption
        terminal.type(b"\x11")  # ctrl+q
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        (folder / "terminal.out").write_bytes(terminal.output)
        if process.returncode is None:
            process.kill()
            await process.wait()
        terminal.close()
    return bytes(terminal.output)


def asked(output: bytes) -> list[bytes]:
    return [query for query in QUERIES if query in output]


async def test_by_default_the_console_asks_its_terminal_nothing(tmp_path: Path) -> None:
    async with tiny_server() as server:
        output = await view_a_picture(tmp_path, write_config(tmp_path, server.url), server)
    assert FIRST_FRAME in output and "▀".encode() in output
    assert asked(output) == []
    assert SIXEL not in output


async def test_graphics_sixel_asks_once_before_the_first_frame_and_views_in_sixel(
    tmp_path: Path,
) -> None:
    async with tiny_server() as server:
        config = with_graphics(write_config(tmp_path, server.url), "sixel")
        output = await view_a_picture(tmp_path, config, server)
    first_frame = output.index(FIRST_FRAME)
    assert b"\x1b[c" in output[:first_frame]  # the sixel question, before Textual reads keys
    assert asked(output[first_frame:]) == []  # and never again
    assert output.count(b"\x1b[c") == 1
    assert SIXEL in output[first_frame:]  # the viewer drew in sixel, though nobody answered
