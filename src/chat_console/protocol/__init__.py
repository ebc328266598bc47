"""The wire: models, enums, event names, emit argument builders and listen-event decoders.

Imports pydantic only; every other layer speaks the protocol through this package.
"""

from chat_console.protocol.enums import (
    AssignmentChange,
    MessageStatus,
    MessageType,
    TicketStatus,
)
from chat_console.protocol.events import EmitEvent, ListenEvent
from chat_console.protocol.models import (
    Assign,
    Message,
    Ticket,
    User,
    format_timestamp,
    now_utc,
    parse_timestamp,
    to_wire,
)

__all__ = [
    "Assign",
    "AssignmentChange",
    "EmitEvent",
    "ListenEvent",
    "Message",
    "MessageStatus",
    "MessageType",
    "Ticket",
    "TicketStatus",
    "User",
    "format_timestamp",
    "now_utc",
    "parse_timestamp",
    "to_wire",
]
