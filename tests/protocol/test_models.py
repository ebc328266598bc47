from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from chat_console.protocol import Message, MessageType, Ticket, TicketStatus, to_wire


def test_ticket_reads_camel_case_keeps_unknown_fields_and_empty_timestamps() -> None:
    ticket = Ticket.model_validate(
        {
            "ticketId": "t",
            "statusId": 200,
            "lastResponseAt": "",
            "createdAt": "2026-11-25T10:00:00.000Z",
            "colour": "blue",
        }
    )
    assert ticket.status_id is TicketStatus.OPEN
    assert ticket.last_response_at is None
    assert ticket.created_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert to_wire(ticket)["colour"] == "blue"


def test_optional_fields_are_optional_but_ids_are_not() -> None:
    assert Message.model_validate({"ticketId": "t", "messageId": "m"}).type is MessageType.TEXT
    with pytest.raises(ValidationError):
        Message.model_validate({"ticketId": "t"})
    with pytest.raises(ValidationError):
        Ticket.model_validate({"ticketId": ""})


def test_unknown_status_code_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Ticket.model_validate({"ticketId": "t", "statusId": 42})


def test_a_bad_optional_field_costs_the_field_not_the_message() -> None:
    message = Message.model_validate(
        {"ticketId": "t", "messageId": "m", "createdAt": "yesterday", "content": None}
    )
    assert message.created_at is None and message.content == ""


def test_epoch_milliseconds_read_as_a_timestamp() -> None:
    ticket = Ticket.model_validate({"ticketId": "t", "createdAt": 1_767_225_600_000})
    assert ticket.created_at == datetime(2026, 1, 1, tzinfo=UTC)
