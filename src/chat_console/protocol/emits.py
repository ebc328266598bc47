"""One function per emit, returning its positional arguments in the order of PROTOCOL.md's table.

The ack callback, where an emit has one, is not part of the tuple: python-socketio passes it as
`callback=` (or `call()` waits for it). Keeping the order here, and only here, means the client,
the reference server's simulated customers and the tests cannot disagree about it.
"""

from typing import Any

from chat_console.protocol.enums import MessageStatus, TicketStatus
from chat_console.protocol.models import Message, Ticket, User, to_wire

ALL_MESSAGES = "all"

Args = tuple[Any, ...]


def authenticate(access_token: str) -> Args:
    return ({"accessToken": access_token},)


def subscribe(user: User) -> Args:
    return (to_wire(user),)


def subscribe_operator() -> Args:
    return ()


def unsubscribe(user: User) -> Args:
    return (to_wire(user),)


def unsubscribe_operator() -> Args:
    return ()


def create_ticket(ticket: Ticket) -> Args:
    return (ticket.ticket_id, to_wire(ticket))


def update_message(message: Message, recipient_id: str) -> Args:
    """`recipient_id`: the ticket's `ownerId` if an operator writes, else its `handleById`."""
    return (message.ticket_id, message.message_id, to_wire(message), recipient_id)


def confirm_delivered(received: Message) -> Args:
    return (
        received.message_id,
        int(MessageStatus.DELIVERED),
        received.recipient_id,
        received.sender_id,
        True,
    )


def confirm_read(received: Message) -> Args:
    return (
        received.message_id,
        int(MessageStatus.READ),
        received.recipient_id,
        received.sender_id,
        False,
    )


def confirm_all_read(recipient_id: str, sender_id: str) -> Args:
    """Every message from `sender_id` to `recipient_id` (this operator) has been read."""
    return (ALL_MESSAGES, int(MessageStatus.READ), recipient_id, sender_id, False)


def accept_ticket(ticket: Ticket) -> Args:
    accepted = ticket.model_copy(update={"status_id": TicketStatus.OPEN})
    return (ticket.ticket_id, to_wire(accepted), ticket.owner_id)


def update_ticket_status(ticket: Ticket, status: TicketStatus) -> Args:
    changed = ticket.model_copy(update={"status_id": status})
    return (ticket.ticket_id, to_wire(changed), int(status), ticket.owner_id)


def typing(ticket_id: str, recipient_id: str | None) -> Args:
    """Operators send the ticket's `ownerId`; customers send its `handleById`."""
    return (ticket_id, recipient_id)


def assign_ticket(ticket_id: str, handle_by_id: str | None) -> Args:
    """`handle_by_id=None` hijacks the ticket to the sender."""
    return ({"ticketId": ticket_id, "handleById": handle_by_id},)
