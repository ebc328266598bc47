"""A console running against the real reference server, with raw peers for the other parties."""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from chat_console.client import OAuthTokens, OperatorClient
from chat_console.protocol import EmitEvent, Message, MessageType, Ticket, User, emits, now_utc
from chat_console.protocol.inbound import TicketAccepted
from chat_console.server.runner import RunningServer
from chat_console.store import Store
from chat_console.tui.app import ConsoleApp
from chat_console.tui.console_config import ConsoleConfig, OperatorChoice
from tests.helpers import WAIT, Peer, eventually

OP1 = User(user_id="op-1", full_nm="Olivia Operator")


class SteppingClock:
    """Real time plus whatever the test adds: expiry can be tested without sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return now_utc() + self.offset


@dataclass
class Live:
    app: ConsoleApp
    pilot: Pilot[int]
    server: RunningServer
    customer: Peer
    clock: SteppingClock
    peers: list[Peer] = field(default_factory=list)
    bells: list[int] = field(default_factory=list)

    async def until(self, condition: Callable[[], object], within: float = WAIT) -> None:
        """Wait (bounded) for state the console reaches through its own event loop."""
        await eventually(condition, within, pause=self.pilot.pause, every=0.02)

    async def open_ticket(self, title: str = "Missing order") -> Ticket:
        ticket = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm=title, display_nm=title)
        err = await self.customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
        assert not err, err
        await self.until(lambda: self.app.store.ticket(ticket.ticket_id) is not None)
        return ticket

    async def customer_says(
        self, ticket_id: str, text: str, type: MessageType = MessageType.TEXT
    ) -> Message:
        message = Message(
            ticket_id=ticket_id, message_id=str(uuid.uuid4()), content=text, type=type
        )
        err = await self.customer.call(
            EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, "op-1")
        )
        assert not err, err
        await self.until(lambda: self.app.store.message(message.message_id) is not None)
        return message

    async def operator(self, username: str = "op2", password: str = "op2pass") -> Peer:
        peer = Peer()
        await peer.login(self.server.url, username, password, operator=True)
        self.peers.append(peer)
        return peer

    def believe_mine(self, ticket_id: str) -> None:
        """The console believes it holds the ticket (a stale view); the server knows better."""
        record = self.app.store.ticket(ticket_id)
        assert record is not None
        stale = record.ticket.model_copy(update={"handle_by_id": OP1.user_id})
        self.app.store.apply(TicketAccepted(stale))

    async def select(self, ticket_id: str) -> None:
        self.app.main.queue.focus()
        await self.until(lambda: self.app.main.queue.select(ticket_id))

    def notifications(self) -> list[tuple[str, str, str]]:
        return [(n.title, str(n.message), n.severity) for n in self.app._notifications]


def console_app(server: RunningServer, clock: SteppingClock, **config: Any) -> ConsoleApp:
    settings = ConsoleConfig(
        user=OP1,
        server_host=server.url.removeprefix("http://"),
        operators=(OperatorChoice("op-2", "Oscar Other"),),
        **config,
    )
    return ConsoleApp(
        settings,
        store=Store(":memory:", operator_id=OP1.user_id, clock=clock),
        clock=clock,
        client_factory=lambda listener: OperatorClient(
            url=server.url,
            user=OP1,
            tokens=OAuthTokens(
                f"{server.url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"
            ),
            listener=listener,
            ack_timeout=WAIT,
        ),
    )


@pytest.fixture
async def live_factory(
    server: RunningServer,
) -> AsyncIterator[Callable[..., Any]]:
    """`async with live_factory(**config) as live:` a console online as op1, and customer cu1."""
    from contextlib import asynccontextmanager

    opened: list[Peer] = []

    @asynccontextmanager
    async def start(
        size: tuple[int, int] = (100, 30), toasts: bool = False, **config: Any
    ) -> AsyncIterator[Live]:
        clock = SteppingClock()
        app = console_app(server, clock, **config)
        customer = Peer()
        await customer.login(server.url, "cu1", "cu1pass", operator=False)
        opened.append(customer)
        async with app.run_test(size=size, notifications=toasts) as pilot:
            live = Live(app, pilot, server, customer, clock)
            app.bell = lambda: live.bells.append(1)  # type: ignore[method-assign]
            await live.until(lambda: app.main.connection[0] == "online")
            try:
                yield live
            finally:
                opened.extend(live.peers)

    yield start
    for peer in opened:
        await peer.close()


@pytest.fixture
async def live(live_factory: Callable[..., Any]) -> AsyncIterator[Live]:
    async with live_factory() as running:
        yield running
