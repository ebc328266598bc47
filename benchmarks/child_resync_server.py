"""Child: the reference server on a file database until stdin closes (`--no-cursors`: it ignores
`since=`). Prints {"url": ...} when ready; JSON commands on stdin, each answered with one line:
{"seed": {"tickets": T, "messages": M}} stores T open tickets of three messages each, the first
with M messages; {"write": N, "ticket": ID} stores N new customer messages; {"served": true}
answers what the HTTP extras have served so far."""

import asyncio
import json
import sys
import uuid
from dataclasses import asdict
from datetime import datetime, timedelta

from chat_console.protocol import Message, Ticket, now_utc
from chat_console.server.rate_limit import RateLimit
from chat_console.server.runner import running_server
from chat_console.server.storage import ServerStore


def seed(store: ServerStore, tickets: int, messages: int) -> list[str]:
    start = now_utc() - timedelta(days=30)
    ids = []
    for n in range(tickets):
        ticket = Ticket(ticket_id=f"t-{n:04d}", ticket_nm=f"Ticket {n}", owner_id="cu-1")
        store.add_ticket(ticket.model_copy(update={"created_at": start}))
        write(store, ticket.ticket_id, messages if n == 0 else 3, start)
        ids.append(ticket.ticket_id)
    return ids


def write(store: ServerStore, ticket_id: str, count: int, start: datetime | None = None) -> None:
    at = start or now_utc()
    for n in range(count):
        store.add_message(
            Message(
                ticket_id=ticket_id,
                message_id=str(uuid.uuid4()),
                content=f"message {n} of a long conversation",
                sender_id="cu-1",
                recipient_id="op-1",
                created_at=at + timedelta(milliseconds=n),
            )
        )


async def main() -> None:
    db, cursors = sys.argv[1], "--no-cursors" not in sys.argv[2:]
    unlimited = RateLimit.unlimited()
    async with running_server(
        port=0, db_path=db, auth_timeout=5.0, rate_limit=unlimited, http_cursors=cursors
    ) as server:
        print(json.dumps({"url": server.url}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if "seed" in command:
                answer: object = seed(server.store, **command["seed"])
            elif "write" in command:
                write(server.store, command["ticket"], command["write"])
                answer = command["write"]
            else:
                answer = asdict(server.served)
            print(json.dumps({"answer": answer}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
