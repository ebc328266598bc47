"""Who may do what to a ticket or message, and where events go: the server's decisions, pure.

Decisions recorded here (see also the module docs of namespace.py):
- A ticket's parties are its owner (the customer) and its handler (`handleById`, an operator).
- A customer's message is "for" whoever handles the ticket now; while nobody does, for any
  operator. An operator's message is for the ticket's owner. Only that recipient may confirm it.
"""

from typing import Any

from chat_console.protocol import Message, Ticket, TicketStatus, to_wire
from chat_console.server.accounts import Account, Role

OPERATORS_ROOM = "operators"


def user_room(user_id: str) -> str:
    return f"user:{user_id}"


def handler_of(ticket: Ticket) -> str | None:
    return ticket.handle_by_id or None


def is_closed(ticket: Ticket) -> bool:
    return ticket.status_id == TicketStatus.CLOSED


def may_see(user: Account, ticket: Ticket) -> bool:
    return user.role is Role.OPERATOR or ticket.owner_id == user.user_id


def may_write(user: Account, ticket: Ticket) -> bool:
    return user.user_id in (ticket.owner_id, handler_of(ticket))


def is_party(user_id: str | None, ticket: Ticket) -> bool:
    return bool(user_id) and user_id in (ticket.owner_id, handler_of(ticket))


def message_rooms(message: Message, ticket: Ticket) -> str:
    """Reading 7: where a new message goes."""
    if message.sender_id == ticket.owner_id:
        handler = handler_of(ticket)
        return user_room(handler) if handler else OPERATORS_ROOM
    return user_room(ticket.owner_id or "")


def ticket_rooms(ticket: Ticket) -> list[str]:
    """Reading 8: ticket changes go to the owner and to every operator."""
    return [user_room(ticket.owner_id or ""), OPERATORS_ROOM]


def may_confirm(user: Account, message: Message, ticket: Ticket) -> bool:
    """Only a message's recipient may mark it delivered or read."""
    if message.sender_id == user.user_id:
        return False
    if message.sender_id == ticket.owner_id:
        handler = handler_of(ticket)
        return user.role is Role.OPERATOR and (handler is None or handler == user.user_id)
    return user.user_id == ticket.owner_id


def ticket_wire(ticket: Ticket) -> dict[str, Any]:
    """The wire form, with the empty strings the original uses for "not yet" instead of null."""
    wire = to_wire(ticket)
    for key in ("handleById", "handleByNm", "lastResponseAt"):
        if wire.get(key) is None:
            wire[key] = ""
    return wire
