"""Logged-in peers for the server tests: two operators and two customers on one server."""

from collections.abc import AsyncIterator

import pytest

from chat_console.protocol import EmitEvent, Message, Ticket, emits
from chat_console.server.runner import RunningServer
from tests.helpers import Peer


async def _peer(server: RunningServer, username: str, operator: bool) -> AsyncIterator[Peer]:
    peer = Peer()
    await peer.login(server.url, username, f"{username}pass", operator=operator)
    try:
        yield peer
    finally:
        await peer.close()


@pytest.fixture
async def op1(server: RunningServer) -> AsyncIterator[Peer]:
    async for peer in _peer(server, "op1", operator=True):
        yield peer


@pytest.fixture
async def op2(server: RunningServer) -> AsyncIterator[Peer]:
    async for peer in _peer(server, "op2", operator=True):
        yield peer


@pytest.fixture
async def cu1(server: RunningServer) -> AsyncIterator[Peer]:
    async for peer in _peer(server, "cu1", operator=False):
        yield peer


@pytest.fixture
async def cu2(server: RunningServer) -> AsyncIterator[Peer]:
    async for peer in _peer(server, "cu2", operator=False):
        yield peer


async def open_ticket(customer: Peer, ticket_id: str = "t-1", name: str = "Help") -> Ticket:
    """createTicket, asserting success; returns the ticket as the customer sent it."""
    ticket = Ticket(ticket_id=ticket_id, ticket_nm=name)
    assert await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
    return ticket


async def accept(operator: Peer, ticket: Ticket, owner_id: str = "cu-1") -> None:
    accepted = ticket.model_copy(update={"owner_id": owner_id})
    assert await operator.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(accepted)) is None


async def write(peer: Peer, ticket_id: str, message_id: str, text: str, to: str = "") -> object:
    """updateMessage; returns the ack's error (None on success)."""
    message = Message(ticket_id=ticket_id, message_id=message_id, content=text)
    return await peer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, to))
