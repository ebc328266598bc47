"""The payloads that once bricked, killed or blinded the console, sent by a server that relays
anything, to the real console on a pseudo-terminal: it shows them (bad parts as visible stand-ins),
quits with status 0, and comes up again from its history, in a time zone on the other side.

What the terminal draws is read back through pyte, a terminal emulator: no queue row may run over
the pane's border, and no word may be missing from a line."""

import asyncio
from pathlib import Path

import pyte
import pytest

from tests.client.tiny_server import TinyServer, tiny_server
from tests.hostile.corpus import RESTART_PAYLOADS, WIDTH_CORPUS, Payload
from tests.hostile.test_terminal_bytes import COLUMNS, ROWS, Terminal, start_console, until


def write_config(folder: Path, url: str) -> Path:
    config = folder / "config.toml"
    config.write_text(
        f'[server]\nurl = "{url}"\n[auth]\ntoken = "t0ken-for-restarts"\n'
        '[operator]\nuser_id = "op-1"\nfull_name = "Olivia Operator"\n'
    )
    config.chmod(0o600)
    return config


def drawn(output: bytes) -> list[str]:
    """The screen's rows as a terminal would show them after `output`."""
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.ByteStream(screen).feed(output)
    return list(screen.display)


async def send_all(server: TinyServer, payloads: tuple[Payload, ...]) -> None:
    (sid,) = server.sids
    for payload in payloads:
        await server.sio.emit(payload.event, payload.args, to=sid)


async def run_once(folder: Path, server: TinyServer, payloads: tuple[Payload, ...]) -> Terminal:
    """Start the console, send `payloads`, open the first ticket, wait for every expected text
    to be drawn, quit: the terminal's bytes."""
    process, terminal = await start_console(folder, write_config(folder, server.url))
    try:
        await until(lambda: len(server.sids) == 1)
        await terminal.until("● online".encode())
        await send_all(server, payloads)
        await terminal.until(b"Cliff")
        terminal.type(b"\r")  # open the ticket under the cursor: Cliff's, the longest waiting
        for entry in WIDTH_CORPUS:
            await terminal.until(entry.shown.encode(), within=30)
        terminal.type(b"\x11")  # ctrl+q
        async with asyncio.timeout(30):
            assert await process.wait() == 0
    finally:
        (folder / f"terminal-{len(list(folder.glob('terminal-*')))}.out").write_bytes(  # noqa: ASYNC240
            terminal.output
        )  # for a failure's post-mortem
        if process.returncode is None:
            process.kill()
            await process.wait()
        terminal.close()
    return terminal


def check_screen(output: bytes) -> None:
    text = output.decode("utf-8")  # strict: a lone surrogate would have to be a raw byte here
    for entry in WIDTH_CORPUS:
        for raw in entry.never_drawn:
            assert raw not in text, entry.name
    rows = drawn(output)
    border = rows[0].index("▎")  # the queue pane's right edge, on the views bar's row
    queue_rows = [row for row in rows if "▎" in row]
    assert any("Cliff\\u3164" in row[:border] for row in queue_rows), rows
    for row in queue_rows:  # nothing of a queue row pushed the border or ran past it
        assert row.index("▎") == border, rows
        assert "FAKE-OVERLAY" not in row[:border], row
    shown = "\n".join(rows)
    for entry in WIDTH_CORPUS:
        assert any(line in shown for line in entry.lines), (entry.name, rows)


async def test_hostile_payloads_show_and_survive_restarts_in_two_time_zones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with tiny_server() as server:
        monkeypatch.setenv("TZ", "Asia/Tokyo")  # the child's: 9999-12-31T23:59Z is past its end
        first = await run_once(tmp_path, server, RESTART_PAYLOADS)
        check_screen(bytes(first.output))
        monkeypatch.setenv("TZ", "America/New_York")  # 0001-01-01T00:00Z is before its start
        again = await run_once(tmp_path, server, ())  # from the history alone
        check_screen(bytes(again.output))
    (log_file,) = list(tmp_path.rglob("console.log"))  # noqa: ASYNC240 - the child has exited
    log = log_file.read_text()
    assert "Traceback" not in log and "unreadable" not in log
