"""Ticket rows of PROTOCOL.md: createTicket -> ticketCreated, acceptTicket -> ticketAccepted
(readings 8, 9), updateTicketStatus -> ticketStatusUpdated, assignTicket -> notifyOfAssignment."""

from chat_console.protocol import EmitEvent, ListenEvent, Ticket, TicketStatus, emits
from chat_console.server.runner import RunningServer
from tests.helpers import Peer
from tests.server.conftest import accept, open_ticket

# createTicket / ticketCreated


async def test_create_ticket_fills_server_fields_and_reaches_operators_only(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer, cu2: Peer
) -> None:
    sent = Ticket(ticket_id="t-1", ticket_nm="Lost parcel", owner_id="forged", status_id=200)
    assert await cu1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(sent)) is None
    for operator in (op1, op2):
        (wire,) = await operator.next(ListenEvent.TICKET_CREATED)
        assert wire["ticketId"] == "t-1"
        assert wire["ownerId"] == "cu-1" and wire["ownerNm"] == "Carl Customer"
        assert wire["statusId"] == 100 and wire["handleById"] == ""
        assert wire["isExternal"] is False and wire["createdAt"].endswith("Z")
        assert wire["displayNm"] == "Lost parcel"
    for customer in (cu1, cu2):
        await customer.roundtrip()
        assert customer.seen(ListenEvent.TICKET_CREATED) == []


async def test_create_ticket_is_for_customers_only(server: RunningServer, op1: Peer) -> None:
    ticket = Ticket(ticket_id="t-op", ticket_nm="x")
    assert await op1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) == "customers only"
    assert server.store.get_ticket("t-op") is None


async def test_create_ticket_again_is_idempotent_for_its_owner_and_refused_for_others(
    server: RunningServer, op1: Peer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await op1.next(ListenEvent.TICKET_CREATED)
    assert await cu1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
    assert (
        await cu2.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
        == "ticketId already in use"
    )
    await op1.roundtrip()
    assert len(op1.seen(ListenEvent.TICKET_CREATED)) == 1
    assert len(server.store.tickets()) == 1


async def test_create_ticket_with_a_payload_that_does_not_validate_is_an_error_ack(
    server: RunningServer, cu1: Peer
) -> None:
    assert await cu1.call(EmitEvent.CREATE_TICKET, "t-x", "not an object") == (
        "ticketObject must be an object"
    )
    ack = await cu1.call(EmitEvent.CREATE_TICKET, "t-x", {"statusId": "banana"})
    assert ack.startswith("invalid ticketObject")
    assert await cu1.call(EmitEvent.CREATE_TICKET) == "ticketId must be a non-empty string"
    assert server.store.tickets() == []


# acceptTicket / ticketAccepted


async def test_accept_ticket_goes_to_owner_and_every_operator(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    for peer in (op1, op2, cu1):
        (wire,) = await peer.next(ListenEvent.TICKET_ACCEPTED)
        assert wire["statusId"] == 200
        assert wire["handleById"] == "op-1" and wire["handleByNm"] == "Olivia Operator"
    await cu2.roundtrip()
    assert cu2.seen(ListenEvent.TICKET_ACCEPTED) == []


async def test_accept_ticket_handled_by_another_operator_is_refused(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    ack = await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket))
    assert ack == "already accepted by Olivia Operator"
    stored = server.store.get_ticket(ticket.ticket_id)
    assert stored is not None and stored.handle_by_id == "op-1"


async def test_accept_ticket_refusals(server: RunningServer, op1: Peer, cu1: Peer) -> None:
    unknown = Ticket(ticket_id="nope")
    assert await op1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(unknown)) == (
        "unknown ticket"
    )
    ticket = await open_ticket(cu1)
    assert await cu1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket)) == (
        "operators only"
    )
    closing = emits.update_ticket_status(ticket, TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *closing) is None
    assert await op1.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket)) == (
        "ticket is closed"
    )


async def test_accepting_a_ticket_one_already_handles_is_a_quiet_success(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    await accept(op1, ticket)
    await op1.roundtrip()
    assert len(op1.seen(ListenEvent.TICKET_ACCEPTED)) == 1


# updateTicketStatus / ticketStatusUpdated


async def test_update_ticket_status_goes_to_owner_and_operators(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    args = emits.update_ticket_status(ticket, TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *args) is None
    for peer in (op1, op2, cu1):
        assert await peer.next(ListenEvent.TICKET_STATUS_UPDATED) == ("t-1", 10000)
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.status_id == TicketStatus.CLOSED
    assert stored.handle_by_id == "op-1"  # a status change never changes the handler
    reopen = emits.update_ticket_status(ticket, TicketStatus.OPEN)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *reopen) is None
    assert await cu1.next(ListenEvent.TICKET_STATUS_UPDATED) == ("t-1", 200)


async def test_update_ticket_status_refusals(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    wire = emits.update_ticket_status(ticket, TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, wire[0], wire[1], 300, "cu-1") == (
        "bad status"
    )
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, wire[0], wire[1], True, "cu-1") == (
        "bad status"
    )
    assert await cu1.call(EmitEvent.UPDATE_TICKET_STATUS, *wire) == "operators only"
    await accept(op1, ticket)
    assert await op2.call(EmitEvent.UPDATE_TICKET_STATUS, *wire) == (
        "not yours: handled by another operator"
    )
    gone = emits.update_ticket_status(Ticket(ticket_id="nope"), TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *gone) == "unknown ticket"
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.status_id == TicketStatus.OPEN


# assignTicket / notifyOfAssignment


async def test_hijack_notifies_previous_and_new_handler_and_updates_every_queue(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1, name="Lost parcel")
    await accept(op1, ticket)
    await op2.next(ListenEvent.TICKET_ACCEPTED)
    assert await op2.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket("t-1", None)) is None
    assert await op1.next(ListenEvent.NOTIFY_OF_ASSIGNMENT) == ("t-1", 0, "Lost parcel")
    assert await op2.next(ListenEvent.NOTIFY_OF_ASSIGNMENT) == ("t-1", 1, "Lost parcel")
    for peer in (op1, op2, cu1):
        await peer.roundtrip()
        (wire,) = peer.seen(ListenEvent.TICKET_ACCEPTED)[-1]
        assert wire["handleById"] == "op-2"


async def test_assign_to_another_operator_and_assigning_a_new_ticket_accepts_it(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    assert await op1.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket("t-1", "op-2")) is None
    assert await op2.next(ListenEvent.NOTIFY_OF_ASSIGNMENT) == ("t-1", 1, "Help")
    (wire,) = await cu1.next(ListenEvent.TICKET_ACCEPTED)
    assert wire["statusId"] == 200 and wire["handleById"] == "op-2"
    await op1.roundtrip()
    assert op1.seen(ListenEvent.NOTIFY_OF_ASSIGNMENT) == []  # nobody had it before


async def test_assign_ticket_refusals(server: RunningServer, op1: Peer, cu1: Peer) -> None:
    await open_ticket(cu1)
    assign = emits.assign_ticket
    assert await op1.call(EmitEvent.ASSIGN_TICKET, *assign("t-1", "ghost")) == "unknown operator"
    assert await op1.call(EmitEvent.ASSIGN_TICKET, *assign("t-1", "cu-1")) == "unknown operator"
    assert await op1.call(EmitEvent.ASSIGN_TICKET, *assign("nope", None)) == "unknown ticket"
    assert await cu1.call(EmitEvent.ASSIGN_TICKET, *assign("t-1", None)) == "operators only"
    ack = await op1.call(EmitEvent.ASSIGN_TICKET, {"handleById": None})
    assert ack.startswith("invalid assign object")
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.handle_by_id == ""
