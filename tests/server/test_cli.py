"""`chat-console serve` and `chat-console customers` as processes: they work and stop on Ctrl-C."""

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

from chat_console.protocol import ListenEvent
from chat_console.server.runner import RunningServer
from tests.helpers import WAIT, Peer, eventually, fetch_token

CLI = [sys.executable, "-m", "chat_console"]


async def _start(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *CLI, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )


async def _interrupt(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode is not None
    return process.returncode, err.decode()


async def test_serve_listens_logs_without_secrets_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "served.sqlite3"
    process = await _start("serve", "--port", "0", "--db", str(db))
    try:
        assert process.stderr is not None
        url, before = "", ""
        async with asyncio.timeout(WAIT * 2):
            while not url:
                line = (await process.stderr.readline()).decode()
                assert line, "serve exited before listening"
                before += line
                found = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
                url = found.group(1) if found else ""
        token = await fetch_token(url, "op1", "op1pass")
        peer = Peer()
        await peer.connect(url)
        await peer.sio.emit("authenticate", {"accessToken": token})
        await peer.next(ListenEvent.AUTHENTICATED)
        await peer.close()
    finally:
        code, log = await _interrupt(process)
        log = before + log
    assert code == 0
    assert "authenticated" in log and "op-1" in log
    assert token not in log
    # the demo accounts are announced, passwords and all (they are public); nowhere else
    assert "demo accounts enabled" in log and log.count("op1pass") == 1
    assert "Traceback" not in log
    assert db.exists()


async def test_customers_command_opens_tickets_and_stops_on_ctrl_c(
    server: RunningServer, op1: Peer
) -> None:
    process = await _start("customers", "--url", server.url, "--count", "2", "--pace", "50")
    try:
        for _ in range(2):
            await op1.next(ListenEvent.TICKET_CREATED, within=WAIT * 2)
    finally:
        code, log = await _interrupt(process)
    assert code == 0, log
    assert "Traceback" not in log
    await eventually(lambda: server.connected_users() == ["op-1"])


async def test_customers_command_against_nothing_is_a_clear_error() -> None:
    process = await _start("customers", "--url", "http://127.0.0.1:9", "--count", "1")
    _, err = await asyncio.wait_for(process.communicate(), WAIT * 2)
    assert process.returncode == 2
    assert err.decode().startswith("chat-console customers: error: cannot run customers")


async def test_serve_on_a_busy_port_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = await _start("serve", "--port", str(port))
        _, err = await asyncio.wait_for(process.communicate(), WAIT * 2)
    assert process.returncode == 2
    assert f"chat-console serve: error: cannot listen on 127.0.0.1:{port}" in err.decode()
    assert "Traceback" not in err.decode()
