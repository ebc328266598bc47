"""Messages this side writes, built in one place so the client and its outbox build them alike."""

import uuid
from datetime import datetime

from chat_console.protocol.enums import MessageType
from chat_console.protocol.models import Message, Ticket, User, now_utc


class NoRecipient(ValueError):
    """The ticket names no customer, so a message in it has nobody to go to."""


def message_to_customer(
    ticket: Ticket,
    sender: User,
    content: str,
    *,
    type: MessageType = MessageType.TEXT,
    message_id: str | None = None,
    created_at: datetime | None = None,
) -> Message:
    """A message from `sender` to the ticket's customer; a fresh messageId unless one is given."""
    if not ticket.owner_id:
        raise NoRecipient("this ticket has no customer to write to")
    return Message(
        ticket_id=ticket.ticket_id,
        message_id=message_id or str(uuid.uuid4()),
        recipient_id=ticket.owner_id,
        recipient_nm=ticket.owner_nm,
        content=content,
        type=type,
        created_at=created_at or now_utc(),
        sender_id=sender.user_id,
        sender_nm=sender.full_nm,
        program_id=sender.program_id or ticket.program_id,
    )
