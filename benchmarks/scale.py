"""Scale: 10,000 tickets and a 100,000-message conversation in the local store.

This process builds the store through the Store API (as if the console had received it all);
a child process loads it and measures, so that its peak RSS is the console's alone.
"""

import asyncio
import json
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.console import OP1
from benchmarks.strict import PYTHON
from chat_console.protocol import Message, Ticket, TicketStatus, now_utc
from chat_console.protocol.inbound import MessageUpdated
from chat_console.store import Store

LINES = (
    "Hello, my order has not arrived yet and the tracking page says nothing at all.",
    "Could you check the address? It should be 12 Long Street, not 21.",
    "Thanks!",
    "I have been waiting for two weeks now and nobody answers my e-mails, which is frustrating "
    "because I paid for express delivery and the money was taken from my account at once.",
)


def build(path: Path, tickets: int, messages: int) -> tuple[str, float]:
    """A store with `tickets` tickets, one of which holds `messages` messages; returns its id."""
    started = time.perf_counter()
    store = Store(path, operator_id=OP1.user_id)
    base = now_utc() - timedelta(days=30)
    made = [
        Ticket(
            ticket_id=str(uuid.UUID(int=n + 1)),
            ticket_nm=f"Ticket {n}",
            display_nm=f"Customer {n}",
            status_id=(TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.CLOSED)[n % 3],
            owner_id=f"cu-{n}",
            owner_nm=f"Customer {n}",
            handle_by_id="op-1" if n % 3 == 1 else "",
            created_at=base + timedelta(seconds=n),
        )
        for n in range(tickets)
    ]
    store.load_tickets(made)
    big = made[1]

    def message(n: int) -> MessageUpdated:
        own = n % 3 == 2
        return MessageUpdated(
            Message(
                ticket_id=big.ticket_id,
                message_id=str(uuid.UUID(int=10**9 + n)),
                content=LINES[n % len(LINES)],
                created_at=base + timedelta(seconds=10 * n),
                sender_id="op-1" if own else big.owner_id,
                sender_nm="Olivia Operator" if own else big.owner_nm,
                recipient_id=big.owner_id if own else "op-1",
                status_id=3,
            )
        )

    chunk = 10_000
    for first in range(0, messages, chunk):
        store.apply_batch(message(n) for n in range(first, min(messages, first + chunk)))
    store.close()
    return big.ticket_id, time.perf_counter() - started


async def run(tickets: int, messages: int, presses: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        db = Path(folder) / "console.sqlite3"
        ticket_id, built = build(db, tickets, messages)
        process = await asyncio.create_subprocess_exec(
            *PYTHON,
            "-m",
            "benchmarks.child_scale",
            str(db),
            ticket_id,
            str(presses),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await process.communicate()
        if process.returncode:
            raise RuntimeError(f"scale child failed ({process.returncode})")
        figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        figures["build_s"] = built
        figures["messages"] = messages
        return figures


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(10_000, 100_000, 60)), indent=1))
