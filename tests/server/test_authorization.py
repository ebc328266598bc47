"""Who may do what on the reference server: roles, ticket ownership, forged tokens, the rate limit
and the packet size cap. Every refusal is an error ack with the reason and changes nothing."""

import asyncio

import aiohttp

from chat_console.protocol import EmitEvent, ListenEvent, Message, Ticket, TicketStatus, emits
from chat_console.protocol.limits import MAX_PACKET_BYTES
from chat_console.server.rate_limit import RATE_LIMITED, RateLimit
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import WAIT, Peer, eventually, fetch_token
from tests.server.conftest import accept, open_ticket, write

OPERATORS_ONLY = "operators only"
NOT_YOURS_TO_WRITE = "not yours: only the ticket's owner or handler may write"


async def test_a_customer_cannot_accept_assign_change_status_or_join_the_operators(
    server: RunningServer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    owned = ticket.model_copy(update={"owner_id": "cu-1"})
    for customer in (cu1, cu2):
        acks = [
            await customer.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(owned)),
            await customer.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket("t-1", None)),
            await customer.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket("t-1", "op-1")),
            await customer.call(
                EmitEvent.UPDATE_TICKET_STATUS,
                *emits.update_ticket_status(owned, TicketStatus.CLOSED),
            ),
        ]
        assert acks == [OPERATORS_ONLY] * 4
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.status_id == TicketStatus.NEW and not stored.handle_by_id

    await cu2.sio.emit(EmitEvent.SUBSCRIBE_OPERATOR)
    await open_ticket(cu1, "t-2")
    await cu2.roundtrip()
    assert cu2.seen(ListenEvent.TICKET_CREATED) == []  # not in the operators' channel


async def test_a_customer_cannot_touch_another_customers_ticket(
    server: RunningServer, op1: Peer, cu1: Peer, cu2: Peer
) -> None:
    await open_ticket(cu1)
    assert await write(cu1, "t-1", "m-1", "mine") is None
    await op1.next(ListenEvent.MESSAGE_UPDATED)
    assert await write(cu2, "t-1", "m-2", "not mine") == NOT_YOURS_TO_WRITE
    assert await cu2.call(EmitEvent.UPDATE_MESSAGE_STATUS, "m-1", 3, "cu-2", "cu-1", False) == (
        "not yours: only the message's recipient may confirm it"
    )
    bulk = emits.confirm_all_read("op-1", "cu-1")
    assert await cu2.call(EmitEvent.UPDATE_MESSAGE_STATUS, *bulk) == (
        "not yours: recipientId is not you"
    )
    await cu2.sio.emit(EmitEvent.TYPING, emits.typing("t-1", "op-1"))
    await cu2.roundtrip()
    await op1.roundtrip()
    assert op1.seen(ListenEvent.TYPING) == []
    assert [m.message_id for m in server.store.messages("t-1")] == ["m-1"]
    assert server.store.get_message("m-1").status_id == 1  # type: ignore[union-attr]

    token = await fetch_token(server.url, "cu2", "cu2pass")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        async with http.get(f"{server.url}/api/tickets/t-1/messages") as response:
            assert response.status == 403
        async with http.get(f"{server.url}/api/tickets") as response:
            assert await response.json() == []


async def test_what_a_customer_claims_about_owner_and_sender_is_not_believed(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    forged = Ticket(ticket_id="t-9", ticket_nm="x", owner_id="cu-2", handle_by_id="op-2")
    assert await cu1.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(forged)) is None
    stored = server.store.get_ticket("t-9")
    assert stored is not None and stored.owner_id == "cu-1" and not stored.handle_by_id
    message = Message(ticket_id="t-9", message_id="m-9", content="hi", sender_id="op-1")
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, "op-2")) is None
    (relayed,) = await op1.next(ListenEvent.MESSAGE_UPDATED)
    assert relayed["senderId"] == "cu-1" and relayed["senderNm"] == "Carl Customer"


async def test_an_operator_cannot_write_or_close_what_another_operator_handles(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    owned = ticket.model_copy(update={"owner_id": "cu-1"})
    assert await write(op2, "t-1", "m-1", "mine now?", to="cu-1") == NOT_YOURS_TO_WRITE
    closing = emits.update_ticket_status(owned, TicketStatus.CLOSED)
    assert await op2.call(EmitEvent.UPDATE_TICKET_STATUS, *closing) == (
        "not yours: handled by another operator"
    )
    assert await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(owned)) == (
        "already accepted by Olivia Operator"
    )
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.handle_by_id == "op-1"
    assert stored.status_id == TicketStatus.OPEN and server.store.messages("t-1") == []


async def test_a_forged_token_is_unauthenticated_and_earns_nothing() -> None:
    # A long auth timeout: a busy machine must not drop the socket before the test is done.
    async with running_server(auth_timeout=30) as server:
        await _forged_tokens_refused(server)


async def _forged_tokens_refused(server: RunningServer) -> None:
    customer_token = await fetch_token(server.url, "cu1", "cu1pass")
    operator_token = await fetch_token(server.url, "op1", "op1pass")
    version, payload, _ = customer_token.split(".")
    spliced = f"{version}.{payload}.{operator_token.split('.')[2]}"  # a real signature, elsewhere
    flipped = customer_token[:-2] + ("B" if customer_token[-2] == "A" else "A") + customer_token[-1]
    for forged in (spliced, flipped, "v1..", "", "x" * 5000):
        peer = Peer()
        await peer.connect(server.url)
        try:
            await peer.sio.emit(EmitEvent.AUTHENTICATE, emits.authenticate(forged))
            (answer,) = await peer.next(ListenEvent.UNAUTHENTICATED)
            assert answer == {"message": "invalid or expired token"}
            ticket = Ticket(ticket_id="forged", ticket_nm="x")
            ack = await peer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
            assert ack == "not authenticated"
        finally:
            await peer.close()
    assert server.store.get_ticket("forged") is None


async def test_a_peer_over_the_rate_limit_gets_an_error_ack_then_may_go_on() -> None:
    async with running_server(rate_limit=RateLimit(per_second=20, burst=5)) as server:
        peer = Peer()
        await peer.login(server.url, "cu1", "cu1pass", operator=False)  # 2 of the 5
        try:
            acks = []
            for n in range(6):
                ticket = Ticket(ticket_id=f"t-{n}", ticket_nm="burst")
                acks.append(await peer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)))
            limited = [isinstance(ack, str) and ack.startswith(RATE_LIMITED) for ack in acks]
            assert any(limited) and acks[0] is None
            refused = [f"t-{n}" for n, ack in enumerate(acks) if limited[n]]
            assert all(server.store.get_ticket(tid) is None for tid in refused)
            late = Ticket(ticket_id="late", ticket_nm="after a pause")
            async with asyncio.timeout(WAIT):  # the bucket refills: 20 a second
                while await peer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(late)):  # noqa: ASYNC110 - the state is the server's
                    await asyncio.sleep(0.02)
            assert server.store.get_ticket("late") is not None
        finally:
            await peer.close()


async def test_a_packet_over_the_size_cap_costs_the_connection(
    server: RunningServer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    message = Message(ticket_id="t-1", message_id="big", content="\x00" * (MAX_PACKET_BYTES // 6))
    await cu1.sio.emit(EmitEvent.UPDATE_MESSAGE, emits.update_message(message, ""))
    await eventually(lambda: not cu1.sio.connected)
    assert server.store.get_message("big") is None
