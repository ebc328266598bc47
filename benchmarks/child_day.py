"""Child: a help desk's day through the reference server, for the jump-host benchmark (issue 15).

`python -m benchmarks.child_day URL ACCOUNTS_FILE TICKETS MESSAGES` connects every customer of
the accounts file and, for every operator, a desk: a second socket of the operator's account
(the console is the first) that accepts the tickets given to that operator, replies and closes.
Tickets go round robin to the operators; each gets MESSAGES / TICKETS messages, two from the
customer for one reply, then is closed and the next ticket opens. Commands on stdin:
  {"do": "open", "count": K}              K tickets open at once (each with its first message)
  {"do": "run", "messages": N, "rate": R} the next N messages of the day, R a second
and prints {"sent": n, "failed": n, "seconds": s, "cpu": s, "opened": n, "closed": n}.
"""

import asyncio
import contextlib
import itertools
import json
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import socketio
from socketio.exceptions import SocketIOError

from benchmarks.strict import strict
from chat_console.protocol import EmitEvent, ListenEvent, Message, Ticket, TicketStatus, emits
from chat_console.server.accounts import Account, load_accounts
from chat_console.simulate.customers import CustomerError, SimulatedCustomer
from chat_console.simulate.http_client import password_grant

CALL_TIMEOUT = 30.0
TICKET_NAME = "Jump ticket"  # the consoles' output is searched for it
CUSTOMER_LINES = (
    "Hello, my order has not arrived yet and the tracking page says nothing.",
    "I tried that, it still shows the old address.",
    "Order number 4711, placed last Tuesday.",
)
REPLIES = ("Let me check that for you.", "Thanks, one moment please.", "It is on its way now.")


class Desk:
    """An operator's second socket: accepts, replies, closes (the console watches)."""

    def __init__(self, url: str, account: Account) -> None:
        self.url = url
        self.account = account
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self._token = ""
        self._ready = asyncio.Event()
        self.sio.on("connect", self._on_connect)
        self.sio.on(ListenEvent.AUTHENTICATED, self._on_authenticated)

    async def connect(self) -> None:
        self._token = await password_grant(self.url, self.account.username, self.account.password)
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=CALL_TIMEOUT)
        await asyncio.wait_for(self._ready.wait(), CALL_TIMEOUT)

    async def _on_connect(self) -> None:
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(self._token))

    async def _on_authenticated(self, *_: Any) -> None:
        self._ready.set()  # not subscribed: the customers' messages are for the console

    async def call(self, event: str, args: tuple[Any, ...]) -> None:
        error = await self.sio.call(event, args, timeout=CALL_TIMEOUT)
        if error:
            raise CustomerError(str(error))

    async def reply(self, ticket: Ticket, text: str) -> None:
        message = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content=text)
        await self.call(
            EmitEvent.UPDATE_MESSAGE, emits.update_message(message, ticket.owner_id or "")
        )


@dataclass
class Live:
    ticket: Ticket
    customer: SimulatedCustomer
    desk: Desk
    left: int
    said: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Day:
    def __init__(
        self, crowd: list[SimulatedCustomer], desks: list[Desk], tickets: int, messages: int
    ) -> None:
        self.crowd, self.desks = crowd, desks
        self.tickets, self.messages = tickets, messages
        self.live: list[Live] = []
        self.opened = self.closed = self.sent = self.failed = 0
        self._turn = itertools.count()

    def _quota(self, n: int) -> int:
        share, extra = divmod(self.messages, self.tickets)
        return share + (n < extra)

    async def open_one(self) -> None:
        n = self.opened
        if n >= self.tickets:
            return
        self.opened += 1
        customer, desk = self.crowd[n % len(self.crowd)], self.desks[n % len(self.desks)]
        try:
            ticket = await customer.open_ticket(f"{TICKET_NAME} {n}")
            live = Live(ticket, customer, desk, self._quota(n))
            self.live.append(live)
            async with live.lock:
                await self._say(live)  # the first message reaches every operator: nobody has it
                await desk.call(EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket))
        except (CustomerError, SocketIOError, TimeoutError):
            self.failed += 1

    async def _say(self, live: Live) -> None:
        try:
            if live.said % 3 == 2:
                await live.desk.reply(live.ticket, REPLIES[live.said % len(REPLIES)])
            else:
                line = CUSTOMER_LINES[live.said % len(CUSTOMER_LINES)]
                await live.customer.say(live.ticket.ticket_id, f"{line} #{live.said}")
            self.sent += 1
        except (CustomerError, SocketIOError, TimeoutError):
            self.failed += 1
        live.said += 1
        live.left -= 1

    async def step(self) -> None:
        """The next message of the day: on the next live ticket in turn; a ticket that has had
        its share is closed and the next one opens."""
        if not self.live:
            await self.open_one()
            return
        live = self.live[next(self._turn) % len(self.live)]
        async with live.lock:
            if live.left > 0:
                await self._say(live)
            if live.left > 0 or live not in self.live:
                return
            self.live.remove(live)
            with contextlib.suppress(CustomerError, SocketIOError, TimeoutError):
                closing = emits.update_ticket_status(live.ticket, TicketStatus.CLOSED)
                await live.desk.call(EmitEvent.UPDATE_TICKET_STATUS, closing)
                self.closed += 1
        await self.open_one()

    async def run(self, messages: int, rate: float) -> None:
        pending: set[asyncio.Task[None]] = set()
        start, goal = time.perf_counter(), self.sent + self.failed + messages
        for n in itertools.count():
            # A step may send nothing (its ticket was closed meanwhile): count what was sent.
            over = not self.live and self.opened >= self.tickets
            if over or self.sent + self.failed >= goal:
                break
            await asyncio.sleep(max(0.0, start + n / rate - time.perf_counter()))
            task = asyncio.create_task(self.step())
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)


async def main(url: str, accounts_file: str, tickets: int, messages: int) -> None:
    accounts = load_accounts(accounts_file)
    rng = random.Random(15)
    crowd = [
        SimulatedCustomer(
            url, a.username, a.password, read_delay=0.5, rng=random.Random(rng.getrandbits(64))
        )
        for a in accounts.customers()
    ]
    desks = [Desk(url, a) for a in accounts.operators()]
    day = Day(crowd, desks, tickets, messages)
    try:
        await asyncio.gather(*(c.connect() for c in crowd), *(d.connect() for d in desks))
        print(json.dumps({"ready": True}), flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            command: dict[str, Any] = json.loads(line)
            started, cpu, sent = time.perf_counter(), time.process_time(), day.sent
            if command["do"] == "open":
                await asyncio.gather(*(day.open_one() for _ in range(int(command["count"]))))
            else:
                await day.run(int(command["messages"]), float(command["rate"]))
            report = {
                "sent": day.sent - sent,
                "failed": day.failed,
                "seconds": time.perf_counter() - started,
                "cpu": time.process_time() - cpu,
                "opened": day.opened,
                "closed": day.closed,
            }
            print(json.dumps(report), flush=True)
    finally:
        await asyncio.gather(*(c.close() for c in crowd), return_exceptions=True)
        await asyncio.gather(*(d.sio.disconnect() for d in desks), return_exceptions=True)


if __name__ == "__main__":
    strict()
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
