"""Fixtures for the client tests: a listener that records, and operator clients that clean up."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import pytest
from aiohttp import web

from chat_console.client import (
    Backoff,
    ClientEvent,
    ConnectionState,
    ConnectionStateChanged,
    OperatorClient,
    StaticToken,
    TokenProvider,
)
from chat_console.protocol import EmitEvent, Ticket, User, emits
from chat_console.protocol.inbound import TicketCreated
from chat_console.server import http_api
from chat_console.server.runner import RunningServer
from tests.helpers import WAIT, Peer, fetch_token

E = TypeVar("E")

OP1 = User(user_id="op-1", full_nm="Olivia Operator")
OP2 = User(user_id="op-2", full_nm="Oscar Other")


class Recorder:
    """The listener: keeps every event and lets a test wait (bounded) for one that matches."""

    def __init__(self) -> None:
        self.events: list[ClientEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: ClientEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    def states(self) -> list[ConnectionState]:
        return [e.state for e in self.of(ConnectionStateChanged)]

    async def next(
        self, kind: type[E], where: Callable[[E], bool] = lambda _: True, within: float = WAIT
    ) -> E:
        """The first recorded `kind` event matching `where`, waiting up to `within` seconds."""
        async with asyncio.timeout(within):
            while True:
                for event in self.events:
                    if isinstance(event, kind) and where(event):
                        return event
                self._changed.clear()
                await self._changed.wait()

    async def after(
        self, mark: int, kind: type[E], where: Callable[[E], bool] = lambda _: True
    ) -> E:
        """Like `next`, but only among events recorded after index `mark`."""
        async with asyncio.timeout(WAIT):
            while True:
                for event in self.events[mark:]:
                    if isinstance(event, kind) and where(event):
                        return event
                self._changed.clear()
                await self._changed.wait()

    def mark(self) -> int:
        return len(self.events)


FAST = dict(first=0.05, ceiling=0.2)

ClientFactory = Callable[..., Awaitable[tuple[OperatorClient, Recorder]]]


@pytest.fixture
async def make_client() -> AsyncIterator[ClientFactory]:
    """`await make_client(url, tokens=..., user=OP1, start=True, **options)`; stopped afterwards."""
    made: list[OperatorClient] = []

    async def make(
        url: str,
        *,
        tokens: TokenProvider,
        user: User = OP1,
        start: bool = True,
        **options: Any,
    ) -> tuple[OperatorClient, Recorder]:
        recorder = Recorder()
        options.setdefault("backoff", Backoff(**FAST))
        client = OperatorClient(url=url, user=user, tokens=tokens, listener=recorder, **options)
        made.append(client)
        if start:
            await client.start()
        return client, recorder

    yield make
    for client in made:
        await client.stop()


@pytest.fixture
async def op1(server: RunningServer, make_client: ClientFactory) -> tuple[OperatorClient, Recorder]:
    """op-1's client, ONLINE on the reference server."""
    token = await fetch_token(server.url, "op1", "op1pass")
    client, recorder = await make_client(server.url, tokens=StaticToken(token))
    assert client.state is ConnectionState.ONLINE
    await settle(client)
    return client, recorder


async def settle(client: OperatorClient) -> None:
    """An acked round trip: the server handles a socket's events in order, so once this is
    answered, the subscriptions sent before it are in effect."""
    await client.mark_all_read("nobody")


async def customer(url: str, name: str = "cu1") -> Peer:
    """A customer on a raw Socket.IO connection, authenticated and subscribed."""
    peer = Peer()
    await peer.login(url, name, f"{name}pass", operator=False)
    return peer


@pytest.fixture
async def cu1(server: RunningServer) -> AsyncIterator[Peer]:
    peer = await customer(server.url, "cu1")
    yield peer
    await peer.close()


async def open_ticket(peer: Peer, recorder: Recorder, title: str = "Help") -> Ticket:
    """The customer opens a ticket; returns it as the operator's client received it."""
    ticket_id = str(uuid.uuid4())
    draft = Ticket(ticket_id=ticket_id, display_nm=title, ticket_nm=title)
    assert await peer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(draft)) is None
    created = await recorder.next(TicketCreated, lambda e: e.ticket.ticket_id == ticket_id)
    return created.ticket


TokenRequest = tuple[str | None, dict[str, str]]  # the Authorization header and the form


@pytest.fixture
def token_requests(monkeypatch: pytest.MonkeyPatch) -> list[TokenRequest]:
    """What the reference server's token endpoint is sent, as it reads it."""
    seen: list[TokenRequest] = []
    read_form = http_api._form

    async def recording(request: web.Request) -> dict[str, str]:
        form = await read_form(request)
        seen.append((request.headers.get("Authorization"), form))
        return form

    monkeypatch.setattr(http_api, "_form", recording)
    return seen
