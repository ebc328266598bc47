"""Message rows of PROTOCOL.md: updateMessage -> messageUpdated (readings 6, 7),
updateMessageStatus -> messageStatusUpdated (readings 3, 5), ticketResponded, typing -> typing."""

from chat_console.protocol import EmitEvent, ListenEvent, MessageStatus, TicketStatus, emits
from chat_console.protocol.models import Message
from chat_console.server.runner import RunningServer
from tests.helpers import Peer
from tests.server.conftest import accept, open_ticket, write

# updateMessage / messageUpdated and reading 7


async def test_customer_message_on_unhandled_ticket_goes_to_every_operator(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    assert await write(cu1, "t-1", "m-1", "hello", to="") is None
    for operator in (op1, op2):
        (wire,) = await operator.next(ListenEvent.MESSAGE_UPDATED)
        assert wire["messageId"] == "m-1" and wire["content"] == "hello"
        assert wire["senderId"] == "cu-1" and wire["senderNm"] == "Carl Customer"
        assert wire["statusId"] == 1 and wire["createdAt"].endswith("Z")
    await cu1.roundtrip()
    assert cu1.seen(ListenEvent.MESSAGE_UPDATED) == []  # not echoed to the sender


async def test_customer_message_on_handled_ticket_goes_to_the_handler_only(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    assert await write(cu1, "t-1", "m-1", "are you there?", to="op-1") is None
    (wire,) = await op1.next(ListenEvent.MESSAGE_UPDATED)
    assert wire["recipientId"] == "op-1" and wire["recipientNm"] == "Olivia Operator"
    await op2.roundtrip()
    assert op2.seen(ListenEvent.MESSAGE_UPDATED) == []


async def test_operator_message_goes_to_the_ticket_owner_only(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    # the recipientId argument is not trusted: the owner is the recipient
    assert await write(op1, "t-1", "m-op", "how can I help?", to="cu-2") is None
    (wire,) = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    assert wire["senderId"] == "op-1" and wire["recipientId"] == "cu-1"
    for other in (op2, cu2):
        await other.roundtrip()
        assert other.seen(ListenEvent.MESSAGE_UPDATED) == []
    stored = server.store.get_ticket("t-1")
    assert stored is not None and stored.last_response_at is not None


async def test_repeated_message_id_is_stored_and_routed_once(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    assert await write(cu1, "t-1", "m-1", "hello") is None
    assert await write(cu1, "t-1", "m-1", "hello") is None  # a re-send after a lost ack
    await op1.roundtrip()
    assert len(op1.seen(ListenEvent.MESSAGE_UPDATED)) == 1
    assert [m.message_id for m in server.store.messages("t-1")] == ["m-1"]


async def test_message_id_of_someone_else_is_refused(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    assert await write(cu1, "t-1", "m-1", "hello") is None
    assert await write(op1, "t-1", "m-1", "hijacked id") == "messageId already in use"
    stored = server.store.get_message("m-1")
    assert stored is not None and stored.content == "hello"


async def test_only_owner_or_handler_may_write(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    not_yours = "not yours: only the ticket's owner or handler may write"
    assert await write(op1, "t-1", "m-a", "before accepting") == not_yours
    await accept(op1, ticket)
    assert await write(op2, "t-1", "m-b", "not mine") == not_yours
    assert await write(cu2, "t-1", "m-c", "not mine either") == not_yours
    assert await write(op1, "nope", "m-d", "no ticket") == "unknown ticket"
    assert server.store.messages("t-1") == []


async def test_writing_to_a_closed_ticket_is_refused(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    close = emits.update_ticket_status(ticket, TicketStatus.CLOSED)
    assert await op1.call(EmitEvent.UPDATE_TICKET_STATUS, *close) is None
    assert await write(cu1, "t-1", "m-1", "hello?") == "ticket is closed"


async def test_update_message_payload_that_does_not_validate_is_an_error_ack(
    server: RunningServer, cu1: Peer
) -> None:
    await open_ticket(cu1)
    bad_type = {"content": "x", "type": 99}
    ack = await cu1.call(EmitEvent.UPDATE_MESSAGE, "t-1", "m-1", bad_type, "")
    assert ack == "invalid messageObject: type"
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE, "t-1", "", {}, "") == (
        "messageId must be a non-empty string"
    )
    assert server.store.messages("t-1") == []


# updateMessageStatus / messageStatusUpdated and reading 5


async def _conversation(op1: Peer, cu1: Peer, customer_lines: int = 2) -> list[str]:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    ids = [f"m-{n}" for n in range(customer_lines)]
    for message_id in ids:
        assert await write(cu1, "t-1", message_id, f"line {message_id}") is None
    return ids


async def test_delivered_then_read_reach_the_sender(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    assert await write(op1, "t-1", "m-op", "hi") is None
    (wire,) = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    received = Message.model_validate(wire)
    delivered = emits.confirm_delivered(received)
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *delivered) is None
    assert await op1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == ("m-op", 2)
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(received)) is None
    assert await op1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == ("m-op", 3)
    stored = server.store.get_message("m-op")
    assert stored is not None and stored.status_id == MessageStatus.READ


async def test_status_only_moves_forward(server: RunningServer, op1: Peer, cu1: Peer) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    assert await write(op1, "t-1", "m-op", "hi") is None
    (wire,) = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    received = Message.model_validate(wire)
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(received)) is None
    assert await op1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == ("m-op", 3)
    late = emits.confirm_delivered(received)
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *late) is None
    await op1.roundtrip()
    assert op1.seen(ListenEvent.MESSAGE_STATUS_UPDATED) == [("m-op", 3)]
    stored = server.store.get_message("m-op")
    assert stored is not None and stored.status_id == MessageStatus.READ


async def test_only_the_recipient_may_confirm(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer, cu2: Peer
) -> None:
    ids = await _conversation(op1, cu1, customer_lines=1)
    assert await write(op1, "t-1", "m-op", "hi") is None
    not_yours = "not yours: only the message's recipient may confirm it"
    for peer, message_id in ((op2, ids[0]), (cu2, "m-op"), (op1, "m-op"), (cu1, ids[0])):
        ack = await peer.call(EmitEvent.UPDATE_MESSAGE_STATUS, message_id, 3, "", "", False)
        assert ack == not_yours
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, "gone", 2, "", "", True) == (
        "unknown message"
    )
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, ids[0], 1, "", "", True) == (
        "bad status"
    )
    assert all(m.status_id == MessageStatus.SENT for m in server.store.messages("t-1"))


async def test_bulk_read_answers_one_status_per_changed_message_and_ticket_responded(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ids = await _conversation(op1, cu1, customer_lines=3)
    single = await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, ids[0], 3, "op-1", "cu-1", False)
    assert single is None
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (ids[0], 3)
    await op1.roundtrip()
    assert op1.seen(ListenEvent.TICKET_RESPONDED) == []  # two still unread

    bulk = emits.confirm_all_read("op-1", "cu-1")
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *bulk) is None
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (ids[1], 3)
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (ids[2], 3)
    for operator in (op1, op2):
        assert await operator.next(ListenEvent.TICKET_RESPONDED) == ("t-1",)

    # nothing left to change: no more events
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, *bulk) is None
    await cu1.roundtrip()
    await op1.roundtrip()
    assert len(cu1.seen(ListenEvent.MESSAGE_STATUS_UPDATED)) == 3
    assert len(op1.seen(ListenEvent.TICKET_RESPONDED)) == 1
    await cu1.roundtrip()
    assert cu1.seen(ListenEvent.TICKET_RESPONDED) == []  # operators only


async def test_bulk_read_for_someone_else_is_refused(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    await _conversation(op1, cu1, customer_lines=1)
    assert (
        await op2.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_all_read("op-1", "cu-1"))
        == "not yours: recipientId is not you"
    )
    # op2 confirming "all" for itself changes nothing on op1's ticket
    assert (
        await op2.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_all_read("op-2", "cu-1"))
        is None
    )
    assert all(m.status_id == MessageStatus.SENT for m in server.store.messages("t-1"))


async def test_delivery_alone_does_not_count_as_responded(
    server: RunningServer, op1: Peer, cu1: Peer
) -> None:
    ids = await _conversation(op1, cu1, customer_lines=1)
    assert await op1.call(EmitEvent.UPDATE_MESSAGE_STATUS, ids[0], 2, "op-1", "cu-1", True) is None
    assert await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED) == (ids[0], 2)
    await op1.roundtrip()
    assert op1.seen(ListenEvent.TICKET_RESPONDED) == []


# typing


async def test_typing_is_relayed_to_the_recipient_with_the_senders_name(
    server: RunningServer, op1: Peer, op2: Peer, cu1: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await cu1.sio.emit(EmitEvent.TYPING, emits.typing("t-1", None))  # unhandled: operators
    for operator in (op1, op2):
        assert await operator.next(ListenEvent.TYPING) == ("t-1", "Carl Customer")
    await accept(op1, ticket)
    await op1.sio.emit(EmitEvent.TYPING, emits.typing("t-1", "cu-1"))
    assert await cu1.next(ListenEvent.TYPING) == ("t-1", "Olivia Operator")
    await cu1.sio.emit(EmitEvent.TYPING, emits.typing("t-1", "op-1"))
    assert await op1.next(ListenEvent.TYPING) == ("t-1", "Carl Customer")
    await op2.roundtrip()
    assert len(op2.seen(ListenEvent.TYPING)) == 1


async def test_typing_is_dropped_when_sender_may_not_see_or_recipient_is_no_party(
    server: RunningServer, op1: Peer, cu1: Peer, cu2: Peer
) -> None:
    ticket = await open_ticket(cu1)
    await accept(op1, ticket)
    await cu2.sio.emit(EmitEvent.TYPING, emits.typing("t-1", "op-1"))  # not cu2's ticket
    await op1.sio.emit(EmitEvent.TYPING, emits.typing("t-1", "cu-2"))  # cu-2 is no party
    await op1.sio.emit(EmitEvent.TYPING, emits.typing("nope", "cu-1"))  # unknown ticket
    # in this order, each round trip happens after the emits of the sockets before it were handled
    await cu2.roundtrip()
    await op1.roundtrip()
    await cu1.roundtrip()
    assert op1.seen(ListenEvent.TYPING) == []
    assert cu2.seen(ListenEvent.TYPING) == []
    assert cu1.seen(ListenEvent.TYPING) == []
