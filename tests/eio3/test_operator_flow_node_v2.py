"""The protocol's operator flow over the Engine.IO v3 adapter, against the socket.io 2.5.1 server.

Every emit is built by `protocol.emits` and every inbound event read by `protocol.inbound.decode`,
so these tests also show that the adapter carries the wire exactly as python-socketio would.
"""

import uuid
from collections.abc import Callable

from chat_console.client.eio3.client import SocketIO2Client
from chat_console.protocol import (
    EmitEvent,
    ListenEvent,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    User,
    emits,
)
from chat_console.protocol.enums import AssignmentChange
from chat_console.protocol.inbound import (
    AssignmentNotified,
    MessageStatusUpdated,
    MessageUpdated,
    TicketAccepted,
    TicketCreated,
    TicketStatusUpdated,
    Typing,
    decode,
)
from tests.eio3.conftest import NodeServer, Recorder, call

MakeClient = Callable[[], tuple[SocketIO2Client, Recorder]]


async def signed_in(
    node_server: NodeServer, make_client: MakeClient, token: str, user_id: str, operator: bool
) -> tuple[SocketIO2Client, Recorder]:
    """Connect, authenticate, subscribe (and join the operators' channel if an operator)."""
    client, recorder = make_client()
    await client.connect(node_server.url)
    await client.emit(EmitEvent.AUTHENTICATE, emits.authenticate(token))
    await recorder.expect(ListenEvent.AUTHENTICATED)
    await client.emit(EmitEvent.SUBSCRIBE, emits.subscribe(User(user_id=user_id)))
    if operator:
        await client.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())
    # The server handles a socket's packets in order: once this ack is back, the joins are done.
    assert await call(client, EmitEvent.ACCEPT_TICKET, ("no-such-ticket", {}, None)) is not None
    return client, recorder


def new_ticket() -> Ticket:
    return Ticket(ticket_id=str(uuid.uuid4()), display_nm="Printer on fire", ticket_nm="Help")


def new_message(ticket_id: str, content: str) -> Message:
    return Message(ticket_id=ticket_id, message_id=str(uuid.uuid4()), content=content)


async def test_operator_flow_from_new_ticket_to_read_receipts(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    operator, op_events = await signed_in(node_server, make_client, "op1-token", "op-1", True)
    customer, cu_events = await signed_in(node_server, make_client, "cu1-token", "cu-1", False)

    # A customer opens a ticket; the operators' channel hears of it.
    ticket = new_ticket()
    assert await call(customer, EmitEvent.CREATE_TICKET, emits.create_ticket(ticket)) is None
    created = decode(ListenEvent.TICKET_CREATED, await op_events.expect(ListenEvent.TICKET_CREATED))
    assert isinstance(created, TicketCreated)
    assert created.ticket.ticket_id == ticket.ticket_id
    assert created.ticket.owner_id == "cu-1"
    assert created.ticket.status_id is TicketStatus.NEW

    # The operator accepts it; owner and operators learn who handles it.
    assert (
        await call(operator, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(created.ticket)) is None
    )
    for events in (cu_events, op_events):
        accepted = decode(ListenEvent.TICKET_ACCEPTED, await events.expect("ticketAccepted"))
        assert isinstance(accepted, TicketAccepted)
        assert accepted.ticket.handle_by_id == "op-1"
        assert accepted.ticket.status_id is TicketStatus.OPEN
        handled = accepted.ticket

    # Operator -> customer, acknowledged; the server fills in the sender.
    hello = new_message(ticket.ticket_id, "Hello, how can I help? [b]not markup[/b]")
    assert (
        await call(operator, EmitEvent.UPDATE_MESSAGE, emits.update_message(hello, "cu-1")) is None
    )
    got = decode(ListenEvent.MESSAGE_UPDATED, await cu_events.expect(ListenEvent.MESSAGE_UPDATED))
    assert isinstance(got, MessageUpdated)
    assert (got.message.message_id, got.message.sender_id) == (hello.message_id, "op-1")
    assert got.message.content == hello.content

    # Customer -> operator, now routed to the handler alone.
    reply = new_message(ticket.ticket_id, "It is on fire. 🔥")
    assert (
        await call(customer, EmitEvent.UPDATE_MESSAGE, emits.update_message(reply, "op-1")) is None
    )
    received = decode(
        ListenEvent.MESSAGE_UPDATED,
        await op_events.expect(
            ListenEvent.MESSAGE_UPDATED, lambda a: a[0]["messageId"] == reply.message_id
        ),
    )
    assert isinstance(received, MessageUpdated)
    assert received.message.content == "It is on fire. 🔥"
    assert received.message.recipient_id == "op-1"

    # Delivery receipt from the operator reaches the customer as messageStatusUpdated.
    delivered = emits.confirm_delivered(received.message)
    assert await call(operator, EmitEvent.UPDATE_MESSAGE_STATUS, delivered) is None
    status = decode(
        ListenEvent.MESSAGE_STATUS_UPDATED,
        await cu_events.expect(ListenEvent.MESSAGE_STATUS_UPDATED),
    )
    assert status == MessageStatusUpdated(reply.message_id, MessageStatus.DELIVERED)

    # The customer reads the operator's message: the operator sees the read tick.
    read = emits.confirm_read(got.message)
    assert await call(customer, EmitEvent.UPDATE_MESSAGE_STATUS, read) is None
    status = decode(
        ListenEvent.MESSAGE_STATUS_UPDATED,
        await op_events.expect(ListenEvent.MESSAGE_STATUS_UPDATED),
    )
    assert status == MessageStatusUpdated(hello.message_id, MessageStatus.READ)

    # Typing reaches the other party with the typist's name.
    await operator.emit(EmitEvent.TYPING, emits.typing(ticket.ticket_id, "cu-1"))
    typing = decode(ListenEvent.TYPING, await cu_events.expect(ListenEvent.TYPING))
    assert typing == Typing(ticket.ticket_id, "Olga Operator")

    # Closing the ticket is announced to its owner.
    closing = emits.update_ticket_status(handled, TicketStatus.CLOSED)
    assert await call(operator, EmitEvent.UPDATE_TICKET_STATUS, closing) is None
    closed = decode(
        ListenEvent.TICKET_STATUS_UPDATED,
        await cu_events.expect(ListenEvent.TICKET_STATUS_UPDATED),
    )
    assert closed == TicketStatusUpdated(ticket.ticket_id, TicketStatus.CLOSED)


async def test_a_resent_message_is_acknowledged_but_delivered_once(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    operator, _ = await signed_in(node_server, make_client, "op1-token", "op-1", True)
    customer, cu_events = await signed_in(node_server, make_client, "cu1-token", "cu-1", False)
    ticket = new_ticket()
    assert await call(customer, EmitEvent.CREATE_TICKET, emits.create_ticket(ticket)) is None
    assert await call(operator, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket)) is None

    first = new_message(ticket.ticket_id, "once")
    for _ in range(2):  # the outbox re-sends after a reconnect with the same messageId
        assert (
            await call(operator, EmitEvent.UPDATE_MESSAGE, emits.update_message(first, "cu-1"))
            is None
        )
    marker = new_message(ticket.ticket_id, "after")
    assert (
        await call(operator, EmitEvent.UPDATE_MESSAGE, emits.update_message(marker, "cu-1")) is None
    )
    await cu_events.expect(ListenEvent.MESSAGE_UPDATED, lambda a: a[0]["content"] == "after")
    contents = [args[0]["content"] for args in cu_events.of(ListenEvent.MESSAGE_UPDATED)]
    assert contents == ["once", "after"]


async def test_error_acks_carry_the_servers_words(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    olga, _ = await signed_in(node_server, make_client, "op1-token", "op-1", True)
    oscar, _ = await signed_in(node_server, make_client, "op2-token", "op-2", True)
    customer, _ = await signed_in(node_server, make_client, "cu1-token", "cu-1", False)
    ticket = new_ticket()
    assert await call(customer, EmitEvent.CREATE_TICKET, emits.create_ticket(ticket)) is None
    assert await call(olga, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket)) is None

    taken = await call(oscar, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket))
    assert taken == "ticket is already handled by another operator"
    refused = await call(customer, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket))
    assert refused == "only operators accept tickets"
    stranger = new_ticket()
    missing = await call(olga, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(stranger))
    assert missing == "no such ticket"

    newcomer, _ = make_client()
    await newcomer.connect(node_server.url)
    early = await call(newcomer, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket))
    assert early == "not authenticated"


async def test_hijack_tells_the_previous_handler(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    olga, olga_events = await signed_in(node_server, make_client, "op1-token", "op-1", True)
    oscar, _ = await signed_in(node_server, make_client, "op2-token", "op-2", True)
    customer, _ = await signed_in(node_server, make_client, "cu1-token", "cu-1", False)
    ticket = new_ticket()
    assert await call(customer, EmitEvent.CREATE_TICKET, emits.create_ticket(ticket)) is None
    assert await call(olga, EmitEvent.ACCEPT_TICKET, emits.accept_ticket(ticket)) is None

    assert (
        await call(oscar, EmitEvent.ASSIGN_TICKET, emits.assign_ticket(ticket.ticket_id, None))
        is None
    )
    notified = decode(
        ListenEvent.NOTIFY_OF_ASSIGNMENT,
        await olga_events.expect(ListenEvent.NOTIFY_OF_ASSIGNMENT),
    )
    assert notified == AssignmentNotified(
        ticket.ticket_id, AssignmentChange.TAKEN_AWAY, "Printer on fire"
    )


async def test_revoked_token_then_fresh_token_then_events_flow_again(
    node_server: NodeServer, make_client: MakeClient
) -> None:
    operator, op_events = await signed_in(node_server, make_client, "op1-token", "op-1", True)
    customer, _ = await signed_in(node_server, make_client, "cu1-token", "cu-1", False)

    assert await node_server.admin("revoke", "op-1") == {"revoked": 1}
    (why,) = await op_events.expect(ListenEvent.UNAUTHENTICATED)
    assert why == {"message": "token revoked"}

    # Get a new token and authenticate again on the same link, then subscribe again.
    fresh = (await node_server.admin("token", "op-1"))["accessToken"]
    await operator.emit(EmitEvent.AUTHENTICATE, emits.authenticate(fresh))
    await op_events.expect(
        ListenEvent.AUTHENTICATED, lambda a: len(op_events.of("authenticated")) > 1
    )
    await operator.emit(EmitEvent.SUBSCRIBE, emits.subscribe(User(user_id="op-1")))
    await operator.emit(EmitEvent.SUBSCRIBE_OPERATOR, emits.subscribe_operator())

    ticket = new_ticket()
    assert await call(customer, EmitEvent.CREATE_TICKET, emits.create_ticket(ticket)) is None
    created = await op_events.expect(ListenEvent.TICKET_CREATED)
    assert created[0]["ticketId"] == ticket.ticket_id
    assert operator.connected  # re-authenticated in time: the server kept the socket

    # The revoked token no longer opens a session.
    late, late_events = make_client()
    await late.connect(node_server.url)
    await late.emit(EmitEvent.AUTHENTICATE, emits.authenticate("op1-token"))
    assert await late_events.expect(ListenEvent.UNAUTHENTICATED) == (
        {"message": "invalid access token"},
    )
