"""Issue 10, item 5: packets of ~6 MB (1 MB of content written as `\\u0001` escapes) must not keep
the server's memory high once they have been handled. `serve` runs in a process of its own, as
an operator runs it; its resident size is read from /proc."""

import asyncio
import sys
from pathlib import Path

from chat_console.protocol import EmitEvent, Message, emits
from tests.helpers import WAIT, Peer
from tests.server.conftest import open_ticket

SOCKETS, PACKETS = 6, 3  # ~110 MB of packets, handled at once
SLACK_MB = 60  # above the resident size before the packets: their copies must be given back


def resident_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


async def _url(process: asyncio.subprocess.Process) -> str:
    assert process.stderr is not None
    async with asyncio.timeout(WAIT * 2):
        while True:
            line = (await process.stderr.readline()).decode()
            assert line, "serve exited before listening"
            if "serving on " in line:
                return line.partition("serving on ")[2].partition(" ")[0]


async def _send_large(peer: Peer, ticket_id: str, name: str) -> object:
    message = Message(ticket_id=ticket_id, message_id=name, content="\x01" * 1_000_000)
    return await peer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, ""), within=60)


async def test_large_packets_do_not_keep_the_server_large(tmp_path: Path) -> None:
    command = ("serve", "--port", "0", "--db", str(tmp_path / "db.sqlite3"), "--rate-limit", "0")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chat_console", *command, stderr=asyncio.subprocess.PIPE
    )
    peers = [Peer() for _ in range(SOCKETS)]
    try:
        url = await _url(process)
        for peer in peers:
            await peer.login(url, "cu1", "cu1pass", operator=False)
        await open_ticket(peers[0])
        before = resident_mb(process.pid)
        acks = await asyncio.gather(
            *(
                _send_large(p, "t-1", f"m-{n}-{k}")
                for n, p in enumerate(peers)
                for k in range(PACKETS)
            )
        )
        assert acks == [None] * (SOCKETS * PACKETS)
        for peer in peers:
            await peer.close()
        async with asyncio.timeout(WAIT * 4):  # bounds the wait; passes as soon as memory is back
            while resident_mb(process.pid) > before + SLACK_MB:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.2)
    finally:
        await asyncio.gather(*(peer.close() for peer in peers))
        process.terminate()
        await asyncio.wait_for(process.communicate(), WAIT * 2)
