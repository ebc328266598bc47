"""Search (issue 14): full-text search of the local history, 100,000 messages at full size.

The store is built through the Store API (as a console that received it all), over 500 tickets,
from a vocabulary with a few very common words and a long tail, so queries range from a word in
nearly every message to one in ten. Timed: the index built as an older file opens, a query as the
console's search screen asks it (the newest 200 matches), one ticket's matches, and the shell
command's whole path (reading a copy of the file, then every match).
"""

import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from chat_console.history_tools import find
from chat_console.protocol import Message, Ticket, TicketStatus, now_utc
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import Store
from chat_console.store.search import ensure_index

SIZES = {"full": 100_000, "quick": 20_000, "tiny": 500}
TICKETS = 500
SCREEN_LIMIT = 200  # what the console's search screen asks for
TARGET_MS = 50
RARE = "zebracorn"  # in ten messages
COMMON = ("the", "order", "please", "thanks", "delivery", "refund", "address", "account")


def _words() -> list[str]:
    return [*COMMON, *(f"w{n}" for n in range(5000))]


def build(path: Path, messages: int) -> None:
    rng = random.Random(14)
    vocabulary = _words()
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]  # Zipf
    store = Store(path, operator_id="op-1")
    base = now_utc() - timedelta(days=20)
    store.apply_batch(
        TicketCreated(
            Ticket(
                ticket_id=f"t{n}",
                ticket_nm=f"Ticket {n}",
                owner_id=f"cu-{n}",
                owner_nm=f"Customer {n}",
                status_id=TicketStatus.OPEN,
            )
        )
        for n in range(TICKETS)
    )
    rare = set(rng.sample(range(messages), min(10, messages)))
    batch = []
    for n in range(messages):
        words = rng.choices(vocabulary, weights, k=rng.randint(4, 30))
        if n in rare:
            words.append(RARE)
        batch.append(
            MessageUpdated(
                Message(
                    ticket_id=f"t{n % TICKETS}",
                    message_id=f"m{n}",
                    content=" ".join(words),
                    sender_id=f"cu-{n % TICKETS}",
                    created_at=base + timedelta(seconds=n),
                )
            )
        )
        if len(batch) == 5000:
            store.apply_batch(batch)
            batch = []
    store.apply_batch(batch)
    store.close()


def _times(run: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p99(times: list[float]) -> float:
    return sorted(times)[max(0, round(len(times) * 0.99) - 1)]


def run(messages: int, repeat: int = 50) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        path = Path(folder) / "history.sqlite3"
        build(path, messages)
        with sqlite3.connect(path) as db:  # as an older console left the file: no index
            db.execute("DROP TABLE message_text")
            for name in ("added", "removed", "changed"):
                db.execute(f"DROP TRIGGER message_text_{name}")
        with sqlite3.connect(path) as db:
            started = time.perf_counter()
            ensure_index(db)
            index_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        store = Store(path, operator_id="op-1")
        open_ms = (time.perf_counter() - started) * 1000
        queries = [RARE, "refund", "the order", "w12", "deli", "w4000 the"]
        screen = [
            t
            for q in queries
            for t in _times(
                lambda q=q: find(store, q, None, SCREEN_LIMIT), repeat // len(queries) + 1
            )
        ]
        one_ticket = _times(lambda: store.search("the", "t7", SCREEN_LIMIT), repeat)
        store.close()

        def shell() -> None:
            copy = Store(path, operator_id="op-1", copy_only=True)
            copy.search(RARE)
            copy.close()

        cli = _times(shell, 3)
    return {
        "index_ms": index_ms,
        "open_ms": open_ms,
        "screen_p50_ms": statistics.median(screen),
        "screen_p99_ms": _p99(screen),
        "ticket_p99_ms": _p99(one_ticket),
        "cli_ms": statistics.median(cli),
    }
