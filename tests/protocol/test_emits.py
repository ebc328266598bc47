"""Pins every emit builder to the positional order of PROTOCOL.md's emit table."""

from datetime import UTC, datetime

import pytest

from chat_console.protocol import Message, MessageStatus, Ticket, TicketStatus, User, emits
from chat_console.protocol.events import EMITS_WITH_ACK, EmitEvent

TICKET = Ticket.model_validate(
    {
        "ticketId": "t-1",
        "displayNm": "Carl",
        "ticketNm": "Refund",
        "statusId": 100,
        "ownerId": "cu-1",
        "handleById": "",
        "createdAt": "2026-11-25T01:02:03.456Z",
    }
)
RECEIVED = Message.model_validate(
    {
        "ticketId": "t-1",
        "messageId": "m-1",
        "content": "hello",
        "recipientId": "op-1",
        "senderId": "cu-1",
        "statusId": 1,
    }
)


def test_authenticate_sends_access_token_object() -> None:
    assert emits.authenticate("tok") == ({"accessToken": "tok"},)


def test_subscribe_and_unsubscribe_send_the_user_object() -> None:
    user = User(user_id="op-1", full_nm="Olivia Operator", program_id="p")
    wire = {"userId": "op-1", "fullNm": "Olivia Operator", "programId": "p"}
    for built in (emits.subscribe(user), emits.unsubscribe(user)):
        assert len(built) == 1
        assert {k: v for k, v in built[0].items() if v is not None} == wire


def test_operator_channel_emits_have_no_arguments() -> None:
    assert emits.subscribe_operator() == ()
    assert emits.unsubscribe_operator() == ()


def test_update_message_is_ticket_message_object_recipient() -> None:
    message = Message(ticket_id="t-1", message_id="m-9", content="hi")
    ticket_id, message_id, body, recipient = emits.update_message(message, "cu-1")
    assert (ticket_id, message_id, recipient) == ("t-1", "m-9", "cu-1")
    assert body["content"] == "hi" and body["messageId"] == "m-9" and body["type"] == 1


def test_delivery_receipt_copies_ids_and_sends_true() -> None:
    assert emits.confirm_delivered(RECEIVED) == ("m-1", 2, "op-1", "cu-1", True)


def test_single_read_receipt_sends_false() -> None:
    assert emits.confirm_read(RECEIVED) == ("m-1", 3, "op-1", "cu-1", False)


def test_bulk_read_receipt_uses_all() -> None:
    assert emits.confirm_all_read("op-1", "cu-1") == ("all", 3, "op-1", "cu-1", False)


def test_accept_sets_status_open_before_the_emit() -> None:
    ticket_id, body, owner = emits.accept_ticket(TICKET)
    assert (ticket_id, owner) == ("t-1", "cu-1")
    assert body["statusId"] == 200
    assert TICKET.status_id is TicketStatus.NEW  # the caller's object is not changed


def test_update_ticket_status_is_id_object_status_owner() -> None:
    ticket_id, body, status, owner = emits.update_ticket_status(TICKET, TicketStatus.CLOSED)
    assert (ticket_id, status, owner) == ("t-1", 10000, "cu-1")
    assert body["statusId"] == 10000


def test_typing_is_ticket_then_recipient() -> None:
    assert emits.typing("t-1", "cu-1") == ("t-1", "cu-1")


@pytest.mark.parametrize(("target", "expected"), [(None, None), ("op-2", "op-2")])
def test_assign_ticket_sends_one_assign_object(target: str | None, expected: str | None) -> None:
    assert emits.assign_ticket("t-1", target) == ({"ticketId": "t-1", "handleById": expected},)


def test_create_ticket_is_id_then_object() -> None:
    ticket_id, body = emits.create_ticket(TICKET)
    assert ticket_id == "t-1" and body["ticketId"] == "t-1" and body["ownerId"] == "cu-1"


def test_timestamps_go_out_with_milliseconds_and_z() -> None:
    message = Message(
        ticket_id="t", message_id="m", created_at=datetime(2026, 1, 2, 3, 4, 5, 678901, UTC)
    )
    assert emits.update_message(message, "x")[2]["createdAt"] == "2026-01-02T03:04:05.678Z"


def test_every_acked_emit_is_in_the_table() -> None:
    assert {e.value for e in EMITS_WITH_ACK} == {
        "createTicket",
        "updateMessage",
        "acceptTicket",
        "updateTicketStatus",
        "updateMessageStatus",
        "assignTicket",
    }
    assert EmitEvent.AUTHENTICATE not in EMITS_WITH_ACK
    assert MessageStatus.READ == 3
