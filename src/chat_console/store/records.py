"""The store's value types: what it holds per ticket and message, and what `apply` reports."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from chat_console.protocol import Message, MessageStatus, Ticket, TicketStatus


class Tick(IntEnum):
    """Delivery state of one of the operator's own messages, in the order it can only advance."""

    FAILED = -1
    PENDING = 0
    SENT = 1
    DELIVERED = 2
    READ = 3

    @classmethod
    def from_status(cls, status: MessageStatus) -> "Tick":
        return cls(int(status))


class View(StrEnum):
    ALL = "All"
    NEW = "New"
    MINE = "Mine"
    CLOSED = "Closed"


class ChangeKind(StrEnum):
    TICKET_CREATED = "ticket created"  # a ticket the store had not seen before
    TICKET_UPDATED = "ticket updated"
    MESSAGE_ADDED = "message added"
    MESSAGE_STATUS = "message status"
    MESSAGE_REMOVED = "message removed"  # a failed message the operator discarded
    TYPING = "typing"
    ASSIGNED_TO_ME = "assigned to me"
    TAKEN_AWAY = "taken away"


@dataclass(frozen=True, slots=True)
class Change:
    """What one applied event changed, so the TUI knows what to redraw and whom to tell."""

    kind: ChangeKind
    ticket_id: str
    message_id: str | None = None


@dataclass(slots=True)
class TicketRecord:
    ticket: Ticket
    unread: int = 0  # customer messages the operator has not yet been shown
    waiting_since: datetime | None = None  # the customer's oldest message since the last answer
    last_activity: datetime | None = None
    message_count: int = 0

    @property
    def ticket_id(self) -> str:
        return self.ticket.ticket_id

    @property
    def status(self) -> TicketStatus:
        return self.ticket.status_id

    @property
    def is_new(self) -> bool:
        return self.ticket.status_id == TicketStatus.NEW

    @property
    def is_closed(self) -> bool:
        return self.ticket.status_id == TicketStatus.CLOSED


@dataclass(slots=True)
class MessageRecord:
    message: Message
    own: bool  # written by this operator
    tick: Tick = Tick.SENT
    error: str | None = None  # the server's words when `tick` is FAILED
    read_locally: bool = False  # for customer messages: the operator has been shown it
    seq: int = field(default=0)  # arrival order, stable across restarts
    full_size: int | None = None  # UTF-8 bytes received when the content was stored cut
    note: bool = False  # a line the console wrote itself (never from the server, whatever its id)

    @property
    def message_id(self) -> str:
        return self.message.message_id
