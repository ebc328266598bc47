"""Resync after a reconnect (issue 13): its cost must follow what changed, not the length of a
conversation. The server runs in its own process on a file database holding `tickets` open
tickets, one of them a long conversation; the console's client resyncs (client/resync.py, the
call a reconnect makes) after ten new messages, with the server's `since=` cursor and, for a
server without cursors, with the newest page of each open conversation."""

import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.console import OP1
from benchmarks.processes import Child, child
from chat_console.client import OAuthTokens, OperatorClient
from chat_console.client.resync import resync
from chat_console.store import Store

NEW = 10  # messages written in the long conversation while the console was away
# Per benchmark size (run.py's Size names): open tickets, and the long conversation's lengths.
SIZES = {"full": (200, (100, 100_000)), "quick": (200, (100, 20_000)), "tiny": (5, (20, 500))}
TARGET_MS = 1000  # a reconnect's resync with 200 open tickets and a 100,000-message conversation


@dataclass(frozen=True)
class ResyncFigures:
    messages: int  # in the long conversation
    first_ms: float  # the first resync: no cursor yet, the newest page of each open ticket
    since_ms: float  # a reconnect's resync with the server's cursor
    since_fetched: int  # messages the server's extras answered for it
    pages_ms: float  # a reconnect's resync against the same server without cursors
    whole_ms: float  # the long conversation's whole history, as every resync fetched it before


async def _ask(server: Child, **command: Any) -> Any:
    await server.send(**command)
    return (await server.read(within=600))["answer"]


async def _timed_resync(client: OperatorClient, store: Store) -> float:
    started = time.perf_counter()
    await resync(client, store)
    return (time.perf_counter() - started) * 1000


async def _client(url: str) -> OperatorClient:
    tokens = OAuthTokens(f"{url}/oauth/token", "password", "chat-console", "", "op1", "op1pass")
    client = OperatorClient(url=url, user=OP1, tokens=tokens, listener=lambda event: None)
    await client.start()
    return client


async def _with_cursors(db: Path, folder: Path, tickets: int, messages: int) -> dict[str, float]:
    async with child("child_resync_server", str(db)) as server:
        url = (await server.read())["url"]
        long_one = (await _ask(server, seed={"tickets": tickets, "messages": messages}))[0]
        client = await _client(url)
        try:
            store = Store(folder / "history.sqlite3", operator_id=OP1.user_id)
            first = await _timed_resync(client, store)
            await resync(client, store)  # the delivery receipts the first one sent, back
            await _ask(server, write=NEW, ticket=long_one)
            before = (await _ask(server, served=True))["messages"]
            since = await _timed_resync(client, store)
            fetched = (await _ask(server, served=True))["messages"] - before
            started = time.perf_counter()
            await client.fetch_messages(long_one)
            whole = (time.perf_counter() - started) * 1000
            store.close()
        finally:
            await client.stop()
    return {"first": first, "since": since, "fetched": fetched, "whole": whole}


async def _without_cursors(db: Path, folder: Path) -> float:
    async with child("child_resync_server", str(db), "--no-cursors") as server:
        url = (await server.read())["url"]
        client = await _client(url)
        try:
            store = Store(folder / "history-pages.sqlite3", operator_id=OP1.user_id)
            await resync(client, store)
            await _ask(server, write=NEW, ticket=min(store.queue()))
            pages = await _timed_resync(client, store)
            store.close()
        finally:
            await client.stop()
    return pages


async def measure(tickets: int, messages: int) -> ResyncFigures:
    with tempfile.TemporaryDirectory(prefix="bench-resync-") as name:
        folder = Path(name)
        db = folder / "server.sqlite3"
        found = await _with_cursors(db, folder, tickets, messages)
        pages = await _without_cursors(db, folder)
    return ResyncFigures(
        messages,
        found["first"],
        found["since"],
        int(found["fetched"]),
        pages,
        found["whole"],
    )


async def run(tickets: int, lengths: tuple[int, ...]) -> list[ResyncFigures]:
    return [await measure(tickets, length) for length in lengths]


if __name__ == "__main__":
    for figures in asyncio.run(run(*SIZES["tiny"])):
        print(figures)
