"""Every operator action through the client against the reference server, seen from both sides.

The customer is a raw Socket.IO peer (tests.helpers.Peer): what it receives is the wire truth.
"""

import uuid

import pytest

from chat_console.client import (
    ClientError,
    ConnectionState,
    NotConnected,
    OperatorClient,
    StaticToken,
)
from chat_console.protocol import (
    AssignmentChange,
    EmitEvent,
    ListenEvent,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    emits,
)
from chat_console.protocol.inbound import (
    AssignmentNotified,
    Authenticated,
    MessageStatusUpdated,
    MessageUpdated,
    TicketAccepted,
    TicketResponded,
    TicketStatusUpdated,
    Typing,
)
from chat_console.server.runner import RunningServer
from tests.client.conftest import OP2, ClientFactory, Recorder, open_ticket, settle
from tests.helpers import Peer, fetch_token

Op = tuple[OperatorClient, Recorder]


async def customer_says(peer: Peer, ticket: Ticket, content: str) -> Message:
    message = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content=content)
    args = emits.update_message(message, ticket.handle_by_id)
    assert await peer.call(EmitEvent.UPDATE_MESSAGE, *args) is None
    return message


async def accepted(op: Op, peer: Peer) -> Ticket:
    client, recorder = op
    ticket = await open_ticket(peer, recorder)
    await client.accept(ticket)
    event = await recorder.next(TicketAccepted, lambda e: e.ticket.ticket_id == ticket.ticket_id)
    return event.ticket


async def test_handshake_reports_each_state_and_subscribes(
    server: RunningServer, op1: Op, cu1: Peer
) -> None:
    _, recorder = op1
    assert recorder.states() == [
        ConnectionState.CONNECTING,
        ConnectionState.AUTHENTICATING,
        ConnectionState.ONLINE,
    ]
    assert recorder.of(Authenticated)
    assert "op-1" in server.connected_users()
    # subscribeOperator took effect: a new ticket reaches the listener as its typed value.
    ticket = await open_ticket(cu1, recorder, "Printer on fire")
    assert ticket.owner_id == "cu-1"
    assert ticket.display_nm == "Printer on fire"
    assert ticket.status_id is TicketStatus.NEW


async def test_accept_reaches_customer_and_operator(op1: Op, cu1: Peer) -> None:
    ticket = await accepted(op1, cu1)
    assert ticket.handle_by_id == "op-1"
    assert ticket.status_id is TicketStatus.OPEN
    (wire,) = await cu1.next(ListenEvent.TICKET_ACCEPTED)
    assert wire["ticketId"] == ticket.ticket_id
    assert wire["handleById"] == "op-1"


async def test_send_message_reaches_customer_and_ticks_come_back(op1: Op, cu1: Peer) -> None:
    client, recorder = op1
    ticket = await accepted(op1, cu1)
    sent = await client.send_message(ticket, "Hello, how can I help?")
    assert sent.sender_id == "op-1"
    assert sent.recipient_id == "cu-1"
    (wire,) = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    assert wire["messageId"] == sent.message_id
    assert wire["content"] == "Hello, how can I help?"

    received = Message.model_validate(wire)
    assert (
        await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_delivered(received)) is None
    )
    delivered = await recorder.next(MessageStatusUpdated, lambda e: e.message_id == sent.message_id)
    assert delivered.status is MessageStatus.DELIVERED
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(received)) is None
    read = await recorder.next(
        MessageStatusUpdated,
        lambda e: e.message_id == sent.message_id and e.status is MessageStatus.READ,
    )
    assert read.status is MessageStatus.READ


async def test_send_message_keeps_a_chosen_message_id(op1: Op, cu1: Peer) -> None:
    client, _ = op1
    ticket = await accepted(op1, cu1)
    sent = await client.send_message(ticket, "again", message_id="fixed-id-1")
    assert sent.message_id == "fixed-id-1"
    (wire,) = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    assert wire["messageId"] == "fixed-id-1"


async def test_incoming_message_is_confirmed_delivered_automatically(op1: Op, cu1: Peer) -> None:
    _, recorder = op1
    ticket = await accepted(op1, cu1)
    said = await customer_says(cu1, ticket, "my order is late")
    event = await recorder.next(MessageUpdated, lambda e: e.message.message_id == said.message_id)
    assert event.message.content == "my order is late"
    assert event.message.sender_id == "cu-1"
    # Nobody called anything: the client sent the delivery receipt by itself.
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (said.message_id, 2)


async def test_mark_read_and_ticket_responded(op1: Op, cu1: Peer) -> None:
    client, recorder = op1
    ticket = await accepted(op1, cu1)
    said = await customer_says(cu1, ticket, "hello?")
    event = await recorder.next(MessageUpdated, lambda e: e.message.message_id == said.message_id)
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (said.message_id, 2)
    await client.mark_read(event.message)
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (said.message_id, 3)
    responded = await recorder.next(TicketResponded)
    assert responded.ticket_id == ticket.ticket_id


async def test_mark_all_read_marks_every_message_of_the_customer(op1: Op, cu1: Peer) -> None:
    client, recorder = op1
    ticket = await accepted(op1, cu1)
    said = [await customer_says(cu1, ticket, f"message {n}") for n in range(3)]
    for message in said:
        await recorder.next(
            MessageUpdated, lambda e, m=message: e.message.message_id == m.message_id
        )
    ticks = [await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) for _ in said]
    assert {t[1] for t in ticks} == {2}
    await client.mark_all_read("cu-1")
    reads = [await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) for _ in said]
    assert sorted(reads) == sorted((m.message_id, 3) for m in said)


async def test_close_and_reopen(op1: Op, cu1: Peer) -> None:
    client, recorder = op1
    ticket = await accepted(op1, cu1)
    await client.set_status(ticket, TicketStatus.CLOSED)
    closed = await recorder.next(TicketStatusUpdated)
    assert (closed.ticket_id, closed.status) == (ticket.ticket_id, TicketStatus.CLOSED)
    assert await cu1.next(ListenEvent.TICKET_STATUS_UPDATED) == (ticket.ticket_id, 10000)
    await client.set_status(ticket, TicketStatus.OPEN)
    reopened = await recorder.next(TicketStatusUpdated, lambda e: e.status is TicketStatus.OPEN)
    assert reopened.ticket_id == ticket.ticket_id
    assert await cu1.next(ListenEvent.TICKET_STATUS_UPDATED) == (ticket.ticket_id, 200)


async def test_typing_both_ways(op1: Op, cu1: Peer) -> None:
    client, recorder = op1
    ticket = await accepted(op1, cu1)
    await client.typing(ticket)
    assert await cu1.next(ListenEvent.TYPING) == (ticket.ticket_id, "Olivia Operator")
    await cu1.sio.emit(EmitEvent.TYPING, emits.typing(ticket.ticket_id, "op-1"))
    typing = await recorder.next(Typing)
    assert typing.ticket_id == ticket.ticket_id
    assert typing.user_name  # the customer's name, as the server fills it


async def test_hijack_and_assign_notify_both_operators(
    server: RunningServer, op1: Op, cu1: Peer, make_client: ClientFactory
) -> None:
    _, recorder1 = op1
    token2 = await fetch_token(server.url, "op2", "op2pass")
    client2, recorder2 = await make_client(server.url, tokens=StaticToken(token2), user=OP2)
    await settle(client2)
    ticket = await accepted(op1, cu1)

    await client2.hijack(ticket.ticket_id)
    away = await recorder1.next(AssignmentNotified)
    assert (away.ticket_id, away.change) == (ticket.ticket_id, AssignmentChange.TAKEN_AWAY)
    assert away.display_nm == ticket.display_nm
    mine = await recorder2.next(AssignmentNotified)
    assert (mine.ticket_id, mine.change) == (ticket.ticket_id, AssignmentChange.ASSIGNED)

    await client2.assign(ticket.ticket_id, "op-1")
    back = await recorder1.next(AssignmentNotified, lambda e: e.change is AssignmentChange.ASSIGNED)
    assert back.ticket_id == ticket.ticket_id
    handlers = [(await cu1.next(ListenEvent.TICKET_ACCEPTED))[0]["handleById"] for _ in range(3)]
    assert handlers == ["op-1", "op-2", "op-1"]


async def test_error_acks_raise_with_the_servers_words(
    server: RunningServer, op1: Op, cu1: Peer, make_client: ClientFactory
) -> None:
    client1, _ = op1
    token2 = await fetch_token(server.url, "op2", "op2pass")
    client2, _ = await make_client(server.url, tokens=StaticToken(token2), user=OP2)
    ticket = await accepted(op1, cu1)

    with pytest.raises(ClientError) as taken:
        await client2.accept(ticket)
    assert str(taken.value) == "already accepted by Olivia Operator"
    with pytest.raises(ClientError, match=r"^unknown operator$"):
        await client1.assign(ticket.ticket_id, "op-404")
    with pytest.raises(ClientError, match=r"^unknown ticket$"):
        await client1.hijack("no-such-ticket")
    await client1.set_status(ticket, TicketStatus.CLOSED)
    with pytest.raises(ClientError, match=r"^ticket is closed$"):
        await client1.send_message(ticket, "too late")
    # The failed actions changed nothing: the client is still online and usable.
    assert client1.state is ConnectionState.ONLINE
    await client1.set_status(ticket, TicketStatus.OPEN)


async def test_actions_before_start_raise_not_connected(
    server: RunningServer, make_client: ClientFactory
) -> None:
    client, recorder = await make_client(server.url, tokens=StaticToken("x"), start=False)
    ticket = Ticket(ticket_id="t-1", owner_id="cu-1")
    with pytest.raises(NotConnected):
        await client.accept(ticket)
    with pytest.raises(NotConnected):
        await client.send_message(ticket, "hi")
    await client.typing(ticket)  # no ack, nothing to report: dropped while offline
    assert recorder.events == []


async def test_http_extras(op1: Op, cu1: Peer) -> None:
    client, _ = op1
    ticket = await accepted(op1, cu1)
    sent = await client.send_message(ticket, "listed")
    tickets = await client.fetch_tickets()
    assert tickets is not None
    assert [t.ticket_id for t in tickets] == [ticket.ticket_id]
    messages = await client.fetch_messages(ticket.ticket_id)
    assert messages is not None
    assert [m.message_id for m in messages] == [sent.message_id]
    operators = await client.fetch_operators()
    assert operators is not None
    assert {o.user_id for o in operators} == {"op-1", "op-2"}
