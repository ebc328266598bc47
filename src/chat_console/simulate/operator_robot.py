"""A simulated second operator (op2, "Oscar Other") so the demo shows hijacks and hand-backs.

It is a raw Socket.IO client like the customers: it authenticates, subscribes to its own channel and
the operators' channel, keeps a picture of every ticket from the events (and GET /api/tickets at
start), and from time to time either hijacks a ticket that op-1 handles (`assignTicket` with
handleById null) or hands one it holds back to op-1 (`assignTicket` with "op-1").
"""

import asyncio
import contextlib
import logging
import random
import uuid
from typing import Any

import socketio
from socketio.exceptions import SocketIOError

from chat_console.protocol import EmitEvent, ListenEvent, Message, Ticket, TicketStatus, User, emits
from chat_console.protocol.inbound import (
    MessageUpdated,
    ProtocolError,
    TicketAccepted,
    TicketCreated,
    TicketStatusUpdated,
    decode,
)
from chat_console.simulate.http_client import list_tickets, password_grant, who_am_i
from chat_console.simulate.pacing import sleep_or_stop

log = logging.getLogger("chat_console.server.robot")

CONNECT_TIMEOUT = 10.0
GREETING = "Hi, Oscar here. I am taking over this conversation for a moment."


class OperatorRobot:
    def __init__(
        self,
        url: str,
        username: str = "op2",
        password: str = "op2pass",
        *,
        colleague_id: str = "op-1",
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.username = username
        self._password = password
        self.colleague_id = colleague_id
        self.rng = rng or random.Random()
        self.user_id = ""
        self.full_name = ""
        self.tickets: dict[str, Ticket] = {}
        self._token = ""
        self._authenticated = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=True, handle_sigint=False)
        self.sio.on("connect", self._on_connect)
        self.sio.on("*", self._on_event)

    async def connect(self) -> None:
        self._token = await password_grant(self.url, self.username, self._password)
        me = await who_am_i(self.url, self._token)
        self.user_id, self.full_name = str(me["userId"]), str(me.get("fullNm") or "")
        for wire in await list_tickets(self.url, self._token):
            with contextlib.suppress(ValueError):
                ticket = Ticket.model_validate(wire)
                self.tickets[ticket.ticket_id] = ticket
        await self.sio.connect(self.url, transports=["websocket"], wait_timeout=CONNECT_TIMEOUT)
        await asyncio.wait_for(self._authenticated.wait(), CONNECT_TIMEOUT)

    async def close(self) -> None:
        if self.sio.connected:
            with contextlib.suppress(SocketIOError):
                await self.sio.emit(EmitEvent.UNSUBSCRIBE_OPERATOR)
            await self.sio.disconnect()

    async def act_once(self) -> str | None:
        """Hand back a ticket it holds (half the time, if any) or hijack one of op-1's.

        Returns the ticketId it acted on, or None if there was nothing to do or it was refused.
        """
        mine = self._open_tickets(self.user_id)
        theirs = self._open_tickets(self.colleague_id)
        if mine and (not theirs or self.rng.random() < 0.5):
            ticket = self.rng.choice(mine)
            handle_by: str | None = self.colleague_id
        elif theirs:
            ticket = self.rng.choice(theirs)
            handle_by = None  # hijack to self
        else:
            return None
        error = await self.sio.call(
            EmitEvent.ASSIGN_TICKET,
            emits.assign_ticket(ticket.ticket_id, handle_by),
            timeout=CONNECT_TIMEOUT,
        )
        if error:
            log.info("%s: assignTicket refused: %s", self.username, error)
            return None
        if handle_by is None:
            await self._say(ticket, GREETING)
        return ticket.ticket_id

    def _open_tickets(self, handler_id: str) -> list[Ticket]:
        return sorted(
            (
                t
                for t in self.tickets.values()
                if t.handle_by_id == handler_id and t.status_id != TicketStatus.CLOSED
            ),
            key=lambda t: t.ticket_id,
        )

    async def _say(self, ticket: Ticket, text: str) -> None:
        message = Message(
            ticket_id=ticket.ticket_id,
            message_id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            content=text,
        )
        await self.sio.call(
            EmitEvent.UPDATE_MESSAGE,
            emits.update_message(message, ticket.owner_id or ""),
            timeout=CONNECT_TIMEOUT,
        )

    def _handles(self, ticket_id: str) -> bool:
        ticket = self.tickets.get(ticket_id)
        return ticket is not None and ticket.handle_by_id == self.user_id

    async def _on_connect(self) -> None:
        self._authenticated.clear()
        await self.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(self._token))

    async def _on_event(self, event: str, *args: Any) -> None:
        if event == ListenEvent.AUTHENTICATED:
            me = User(user_id=self.user_id, full_nm=self.full_name)
            await self.sio.emit(EmitEvent.SUBSCRIBE, emits.subscribe(me))
            await self.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
            self._authenticated.set()
            return
        if event == ListenEvent.UNAUTHENTICATED:
            return  # the demo never revokes op2; a stale robot simply stops acting
        try:
            decoded = decode(event, args)
        except ProtocolError as error:
            log.warning("robot dropped an unreadable event: %s", error)
            return
        match decoded:
            case TicketCreated(ticket=ticket) | TicketAccepted(ticket=ticket):
                self.tickets[ticket.ticket_id] = ticket
            case TicketStatusUpdated(ticket_id=ticket_id, status=status):
                if ticket_id in self.tickets:
                    self.tickets[ticket_id] = self.tickets[ticket_id].model_copy(
                        update={"status_id": status}
                    )
            case MessageUpdated(message=message) if self._handles(message.ticket_id):
                # Messages for op2 are acknowledged like a real console would; messages on the
                # operators' channel for unhandled tickets are left for the human operator.
                for receipt in (emits.confirm_delivered(message), emits.confirm_read(message)):
                    await self.sio.emit(EmitEvent.UPDATE_MESSAGE_STATUS, receipt)


async def run_operator_robot(
    url: str,
    stop: asyncio.Event,
    *,
    pace: float = 1.0,
    first_after: float = 60.0,
    every: tuple[float, float] = (60.0, 120.0),
    rng: random.Random | None = None,
) -> None:
    """Act no sooner than `first_after` s, then every `every` s (all divided by `pace`)."""
    robot = OperatorRobot(url, rng=rng)
    try:
        await robot.connect()
        delay = first_after
        while not await sleep_or_stop(stop, delay / pace):
            try:
                await robot.act_once()
            except SocketIOError as error:
                log.info("robot could not act: %s", error)
            delay = robot.rng.uniform(*every)
    finally:
        await robot.close()
