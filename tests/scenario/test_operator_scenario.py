"""The operator's end-to-end scenario through `OperatorClient`, against both server generations.

Each test runs twice: against the reference server (Socket.IO 3.x/4.x, python-socketio) and
against a real socket.io 2.5.1 server (Node). The client is created with the default
`protocol = "auto"`, so it also proves that the probe picks the right transport. The customer is
a raw Socket.IO peer: what it receives is the wire truth.
"""

import uuid

import pytest

from chat_console.client import ClientError, ConnectionState, ConnectionStateChanged, NotConnected
from chat_console.protocol import EmitEvent, ListenEvent, Message, Ticket, TicketStatus, emits
from chat_console.protocol.enums import MessageStatus
from chat_console.protocol.inbound import (
    MessageStatusUpdated,
    MessageUpdated,
    TicketAccepted,
    TicketCreated,
    TicketResponded,
    TicketStatusUpdated,
    Typing,
    Unauthenticated,
)
from tests.client.conftest import ClientFactory, Recorder
from tests.scenario.backends import Backend, Customer

State = ConnectionState


def became(state: State):  # type: ignore[no-untyped-def]
    return lambda event: event.state is state


async def opened_ticket(customer: Customer, recorder: Recorder, title: str) -> Ticket:
    """The customer opens a ticket; returns it as the operator's client received it."""
    draft = Ticket(ticket_id=str(uuid.uuid4()), display_nm=title, ticket_nm=title)
    assert await customer.call(EmitEvent.CREATE_TICKET, emits.create_ticket(draft)) is None
    created = await recorder.next(TicketCreated, lambda e: e.ticket.ticket_id == draft.ticket_id)
    return created.ticket


async def test_a_ticket_from_arrival_to_close(backend: Backend, make_client: ClientFactory) -> None:
    client, recorder = await make_client(backend.url, tokens=backend.operator_tokens())
    assert recorder.states() == [State.CONNECTING, State.AUTHENTICATING, State.ONLINE]
    assert client.protocol is backend.generation
    assert recorder.of(ConnectionStateChanged)[-1].protocol is backend.generation
    customer = await backend.customer()
    try:
        # A customer opens a ticket; the operator accepts it; the customer hears who handles it.
        ticket = await opened_ticket(customer, recorder, "Printer on fire")
        assert ticket.owner_id == "cu-1" and ticket.status_id is TicketStatus.NEW
        await client.accept(ticket)
        accepted = await recorder.next(TicketAccepted)
        assert accepted.ticket.handle_by_id == "op-1"
        assert accepted.ticket.status_id is TicketStatus.OPEN
        (wire_ticket,) = await customer.next(ListenEvent.TICKET_ACCEPTED)
        assert wire_ticket["handleById"] == "op-1"
        ticket = accepted.ticket

        # Operator -> customer, then the customer's receipts come back as ticks.
        sent = await client.send_message(ticket, "Hello, how can I help? [b]not markup[/b]")
        (wire,) = await customer.next(ListenEvent.MESSAGE_UPDATED)
        assert (wire["messageId"], wire["content"]) == (sent.message_id, sent.content)
        received = Message.model_validate(wire)
        for status, receipt in (
            (MessageStatus.DELIVERED, emits.confirm_delivered(received)),
            (MessageStatus.READ, emits.confirm_read(received)),
        ):
            assert await customer.call(EmitEvent.UPDATE_MESSAGE_STATUS, receipt) is None
            tick = await recorder.next(MessageStatusUpdated, lambda e, s=status: e.status is s)
            assert tick.message_id == sent.message_id

        # Customer -> operator: the client confirms delivery by itself, and a read all.
        said = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content="🔥!")
        reply = emits.update_message(said, "op-1")
        assert await customer.call(EmitEvent.UPDATE_MESSAGE, reply) is None
        got = await recorder.next(MessageUpdated)
        assert (got.message.message_id, got.message.content) == (said.message_id, "🔥!")
        assert await customer.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (said.message_id, 2)
        await client.mark_all_read("cu-1")
        assert await customer.next(
            ListenEvent.MESSAGE_STATUS_UPDATED, lambda args: args[1] == 3
        ) == (said.message_id, 3)
        assert (await recorder.next(TicketResponded)).ticket_id == ticket.ticket_id

        # Typing, both ways.
        await client.typing(ticket)
        assert await customer.next(ListenEvent.TYPING) == (ticket.ticket_id, backend.operator_name)
        await customer.emit(EmitEvent.TYPING, emits.typing(ticket.ticket_id, "op-1"))
        assert (await recorder.next(Typing)).ticket_id == ticket.ticket_id

        # A refusal reaches the operator as the server's words; nothing else breaks.
        with pytest.raises(ClientError) as refused:
            await client.accept(Ticket(ticket_id="no-such-ticket"))
        assert str(refused.value)

        # Close: the owner and the operator both learn it.
        await client.set_status(ticket, TicketStatus.CLOSED)
        closed = await recorder.next(TicketStatusUpdated)
        assert (closed.ticket_id, closed.status) == (ticket.ticket_id, TicketStatus.CLOSED)
        assert await customer.next(ListenEvent.TICKET_STATUS_UPDATED) == (ticket.ticket_id, 10000)

        # Assign to another operator, and hijack back: both accepted by the server.
        other = await opened_ticket(customer, recorder, "Second ticket")
        await client.assign(other.ticket_id, "op-2")
        await client.hijack(other.ticket_id)
    finally:
        await customer.close()


async def test_a_server_restart_on_the_same_port_is_ridden_out(
    backend: Backend, make_client: ClientFactory
) -> None:
    tokens = backend.operator_tokens()
    client, recorder = await make_client(backend.url, tokens=tokens)
    mark = recorder.mark()

    await backend.stop()
    lost = await recorder.after(mark, ConnectionStateChanged, became(State.RECONNECTING))
    assert lost.reason and lost.protocol is backend.generation
    with pytest.raises(NotConnected):
        await client.accept(Ticket(ticket_id="t-1"))

    await backend.start()  # same port; the new server knows no token it did not issue itself
    mark = recorder.mark()
    await recorder.after(mark, ConnectionStateChanged, became(State.ONLINE))
    assert client.protocol is backend.generation  # remembered, not probed into doubt
    await client.mark_all_read("nobody")  # acked: the subscriptions sent before it hold
    customer = await backend.customer()
    try:
        ticket = await opened_ticket(customer, recorder, "after the restart")
        await client.accept(ticket)
    finally:
        await customer.close()


async def test_a_revoked_token_is_replaced_on_the_same_connection(
    backend: Backend, make_client: ClientFactory
) -> None:
    tokens = backend.operator_tokens()
    client, recorder = await make_client(backend.url, tokens=tokens)
    before = await tokens.get()
    mark = recorder.mark()

    await backend.revoke_operator()

    await recorder.after(mark, Unauthenticated)
    await recorder.after(mark, ConnectionStateChanged, became(State.ONLINE))
    states = [e.state for e in recorder.events[mark:] if isinstance(e, ConnectionStateChanged)]
    assert states == [State.AUTHENTICATING, State.ONLINE]  # no reconnect
    assert await tokens.get() != before
    await client.mark_all_read("nobody")
    customer = await backend.customer()
    try:
        ticket = await opened_ticket(customer, recorder, "after the revocation")
        await client.accept(ticket)
    finally:
        await customer.close()
