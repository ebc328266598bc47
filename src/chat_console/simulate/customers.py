"""Simulated customers: real Socket.IO clients that open tickets, type, write, confirm and answer.

Used by `chat-console customers`, the demo, tests and benchmarks. A customer speaks the protocol
exactly as an external program would: password grant on /oauth/token, `authenticate`, `subscribe`,
then `createTicket`/`updateMessage`/`typing`, and `updateMessageStatus` 2 then 3 for everything it
receives. Seeded, its choices (ids, lines, delays) are reproducible.
"""

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
import socketio
from socketio.exceptions import SocketIOError

from chat_console.protocol import (
    EmitEvent,
    ListenEvent,
    Message,
    Ticket,
    TicketStatus,
    User,
    emits,
)
from chat_console.protocol.inbound import (
    MessageUpdated,
    ProtocolError,
    TicketAccepted,
    TicketStatusUpdated,
    decode,
)
from chat_console.simulate.http_client import TokenRefused, password_grant, who_am_i
from chat_console.simulate.operator_robot import run_operator_robot
from chat_console.simulate.pacing import sleep_or_stop

log = logging.getLogger("chat_console.simulate.customers")

DEMO_CUSTOMERS: tuple[tuple[str, str], ...] = (
    ("cu1", "cu1pass"),
    ("cu2", "cu2pass"),
    ("cu3", "cu3pass"),
)
CONNECT_TIMEOUT = 10.0
RECONNECT_PAUSES = (0.5, 10.0)  # seconds: the first pause after the server ends a session, the most

OPENING_LINES = (
    "Hello, my order has not arrived yet.",
    "Hi! I cannot log in to my account.",
    "Good morning, I was charged twice this month.",
    "Hey, the app crashes when I open settings.",
    "Hello, how do I change my delivery address?",
    "Hi there, my discount code is not accepted.",
)
TICKET_NAMES = (
    "Missing order",
    "Login trouble",
    "Double charge",
    "App crash",
    "Change address",
    "Discount code",
)
ANSWERS = (
    "Thanks, let me check.",
    "Yes, that is right.",
    "It still does not work, I am afraid.",
    "Order number 4711.",
    "Okay, I tried that just now.",
    "Great, that helped. Thank you!",
)


class CustomerError(RuntimeError):
    """The server refused a customer's request; the text is the server's words."""


class SimulatedCustomer:
    """One customer on one socket.

    `received` holds every message the customer got, in arrival order. With `answers=True` the
    customer answers an operator's message (typing first) after a think time scaled by `pace`.
    """

    def __init__(
        self,
        url: str,
        username: str = "cu1",
        password: str = "cu1pass",
        *,
        pace: float = 1.0,
        answers: bool = False,
        read_delay: float = 1.0,
        typing_time: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.username = username
        self._password = password
        self.pace = pace
        self.answers = answers
        self.read_delay = read_delay
        self.typing_time = typing_time
        self.rng = rng or random.Random()
        self.user_id = ""
        self.full_name = ""
        self.received: list[Message] = []
        self._taken = 0
        self.tickets: dict[str, Ticket] = {}
        self._token = ""
        self._authenticated = asyncio.Event()
        self._arrived = asyncio.Condition()
        self._tasks: set[asyncio.Task[Any]] = set()
        self.sio = socketio.AsyncClient(reconnection=True, handle_sigint=False)
        self._closing = False
        self.sio.on("connect", self._on_connect)
        self.sio.on("disconnect", self._on_disconnect)
        self.sio.on("*", self._on_event)

    # connection

    async def connect(self) -> None:
        """Get a token, connect, authenticate and subscribe; returns once subscribed."""
        await self._fetch_token()
        me = await who_am_i(self.url, self._token)
        self.user_id, self.full_name = str(me["userId"]), str(me.get("fullNm") or "")
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=CONNECT_TIMEOUT)
        await asyncio.wait_for(self._authenticated.wait(), CONNECT_TIMEOUT)

    @property
    def online(self) -> bool:
        """Connected and authenticated: what the customer emits now is heard."""
        return self.sio.connected and self._authenticated.is_set()

    async def _on_disconnect(self, reason: str = "") -> None:
        self._authenticated.clear()
        if reason == self.sio.reason.SERVER_DISCONNECT and not self._closing:
            self._spawn(self._come_back())

    async def _come_back(self) -> None:
        """The server ended the session (it restarted, or dropped us). python-socketio reconnects
        by itself only after a transport error, so a customer would emit into a closed namespace
        for good ("/ is not a connected namespace"): come back, with growing pauses."""
        pause, most = RECONNECT_PAUSES
        while not self._closing and not self.sio.connected:
            await asyncio.sleep(pause)
            try:
                await self.connect()
            except (TokenRefused, aiohttp.ClientError, SocketIOError, OSError) as error:
                log.info("%s cannot reconnect yet: %s", self.username, error)
                if self.sio.connected:  # connected but never authenticated: start over
                    await self.sio.disconnect()
                pause = min(pause * 2, most)
        log.info("%s is back", self.username)

    async def _fetch_token(self) -> None:
        self._token = await password_grant(self.url, self.username, self._password)

    async def _on_connect(self) -> None:
        # Runs after every (re)connect: the first emit must be authenticate.
        self._authenticated.clear()
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(self._token))

    async def _reauthenticate(self) -> None:
        with contextlib.suppress(TokenRefused, aiohttp.ClientError, SocketIOError):
            await self._fetch_token()
            await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(self._token))

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.sio.connected:
            with contextlib.suppress(Exception):
                await self.sio.emit(EmitEvent.UNSUBSCRIBE, emits.unsubscribe(self._me()))
            await self.sio.disconnect()

    def _me(self) -> User:
        return User(user_id=self.user_id, full_nm=self.full_name)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # actions

    async def open_ticket(self, ticket_nm: str) -> Ticket:
        ticket = Ticket(ticket_id=self._new_id(), ticket_nm=ticket_nm, display_nm=ticket_nm)
        await self._call(EmitEvent.CREATE_TICKET, emits.create_ticket(ticket))
        opened = ticket.model_copy(
            update={"owner_id": self.user_id, "owner_nm": self.full_name, "handle_by_id": ""}
        )
        self.tickets[ticket.ticket_id] = opened
        return opened

    async def say(self, ticket_id: str, text: str) -> Message:
        handler = self._handler(ticket_id)
        message = Message(ticket_id=ticket_id, message_id=self._new_id(), content=text)
        await self._call(EmitEvent.UPDATE_MESSAGE, emits.update_message(message, handler or ""))
        return message

    async def type(self, ticket_id: str) -> None:
        await self.sio.emit(EmitEvent.TYPING, emits.typing(ticket_id, self._handler(ticket_id)))

    async def type_then_say(self, ticket_id: str, text: str) -> Message:
        await self.type(ticket_id)
        await asyncio.sleep(self.typing_time / self.pace)
        return await self.say(ticket_id, text)

    async def next_message(self, within: float = 5.0) -> Message:
        """Wait for the next message beyond those already counted by earlier calls."""
        wanted = self._taken + 1
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.received) >= wanted), within
            )
        self._taken = wanted
        return self.received[wanted - 1]

    def _handler(self, ticket_id: str) -> str | None:
        ticket = self.tickets.get(ticket_id)
        return (ticket.handle_by_id or None) if ticket else None

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    async def _call(self, event: str, args: tuple[Any, ...]) -> None:
        error = await self.sio.call(event, args, timeout=CONNECT_TIMEOUT)
        if error:
            raise CustomerError(str(error))

    # events from the server

    async def _on_event(self, event: str, *args: Any) -> None:
        if event == ListenEvent.AUTHENTICATED:
            await self.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(self._me()))
            self._authenticated.set()
            return
        if event == ListenEvent.UNAUTHENTICATED:
            self._spawn(self._reauthenticate())
            return
        try:
            decoded = decode(event, args)
        except ProtocolError as error:
            log.warning("%s dropped an unreadable event: %s", self.username, error)
            return
        match decoded:
            case MessageUpdated(message=message):
                await self._on_message(message)
            case TicketAccepted(ticket=ticket):
                self.tickets[ticket.ticket_id] = ticket
            case TicketStatusUpdated(ticket_id=ticket_id, status=status):
                if ticket_id in self.tickets:
                    self.tickets[ticket_id] = self.tickets[ticket_id].model_copy(
                        update={"status_id": status}
                    )

    async def _on_message(self, message: Message) -> None:
        async with self._arrived:
            self.received.append(message)
            self._arrived.notify_all()
        await self.sio.emit(EmitEvent.UPDATE_MESSAGE_STATUS, emits.confirm_delivered(message))
        if message.ticket_id not in self.tickets:
            return  # another socket of the same account opened it; that one reads and answers
        self._spawn(self._read_and_answer(message))

    async def _read_and_answer(self, message: Message) -> None:
        await asyncio.sleep(self.read_delay / self.pace)
        await self.sio.emit(EmitEvent.UPDATE_MESSAGE_STATUS, emits.confirm_read(message))
        ticket = self.tickets.get(message.ticket_id)
        if not self.answers or ticket is None or ticket.status_id == TicketStatus.CLOSED:
            return
        await asyncio.sleep(self.rng.uniform(1.0, 4.0) / self.pace)
        with contextlib.suppress(CustomerError, SocketIOError):
            await self.type_then_say(message.ticket_id, self.rng.choice(ANSWERS))


def _credentials(customers: int | Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(customers, int):
        # More customers than demo accounts share accounts; each answers only its own tickets.
        return [DEMO_CUSTOMERS[i % len(DEMO_CUSTOMERS)] for i in range(customers)]
    return list(customers)


async def run_customer_swarm(
    url: str,
    customers: int | Sequence[tuple[str, str]] = 3,
    pace: float = 1.0,
    stop: asyncio.Event | None = None,
    *,
    initial_tickets: int = 4,
    new_ticket_every: tuple[float, float] = (20.0, 40.0),
    seed: int | None = None,
    on_ready: Callable[[list[SimulatedCustomer]], None] | None = None,
) -> None:
    """Connect the customers, open `initial_tickets` at once, then one more every 20-40 s
    (divided by `pace`), answering operators, until `stop` is set; then close every socket."""
    stop = stop or asyncio.Event()
    rng = random.Random(seed)
    crowd = [
        SimulatedCustomer(
            url,
            username,
            password,
            pace=pace,
            answers=True,
            rng=random.Random(rng.getrandbits(64)),
        )
        for username, password in _credentials(customers)
    ]
    try:
        await asyncio.gather(*(customer.connect() for customer in crowd))
        if on_ready:
            on_ready(crowd)
        # The first tickets are waiting at once, as if the console had just come on duty.
        await asyncio.gather(
            *(_open_and_write(crowd[i % len(crowd)], rng) for i in range(initial_tickets))
        )
        opened = initial_tickets
        low, high = new_ticket_every
        while not await sleep_or_stop(stop, rng.uniform(low, high) / pace):
            await _open_and_write(crowd[opened % len(crowd)], rng)
            opened += 1
    finally:
        await asyncio.gather(*(customer.close() for customer in crowd), return_exceptions=True)


async def _open_and_write(customer: SimulatedCustomer, rng: random.Random) -> None:
    index = rng.randrange(len(TICKET_NAMES))
    try:
        ticket = await customer.open_ticket(TICKET_NAMES[index])
        await customer.type_then_say(ticket.ticket_id, OPENING_LINES[index])
    except (CustomerError, SocketIOError) as error:
        log.warning("customer %s could not open a ticket: %s", customer.username, error)


async def run_demo_population(
    url: str,
    *,
    pace: float = 1.0,
    stop: asyncio.Event,
    seed: int | None = None,
    colleague: bool = True,
) -> None:
    """Everyone the demo needs besides the human operator, until `stop` is set.

    The three demo customers (4 tickets waiting at start, a new one every 20-40 s, typing ~2 s
    before writing, confirming and answering) and op2, who first acts after ~60 s and then every
    60-120 s, hijacking a ticket op-1 handles or handing one back (unless `colleague` is False).
    Times are divided by `pace`.
    Every socket is closed before this returns.
    """
    rng = random.Random(seed)
    swarm_seed, robot_seed = rng.getrandbits(64), rng.getrandbits(64)
    # A TaskGroup, not gather: if one side fails the other is cancelled and awaited, not leaked.
    async with asyncio.TaskGroup() as group:
        group.create_task(run_customer_swarm(url, len(DEMO_CUSTOMERS), pace, stop, seed=swarm_seed))
        if colleague:
            robot = run_operator_robot(url, stop, pace=pace, rng=random.Random(robot_seed))
            group.create_task(robot)
