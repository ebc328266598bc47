"""Listen events decoded into typed, immutable values.

`decode(event, args)` is the single door through which anything the server sends enters the
console. It checks arity and types and raises `ProtocolError` for whatever it cannot read; it never
lets a pydantic or type error escape, so a hostile peer can cost us one dropped event, nothing more.
"""

from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError

from chat_console.protocol.enums import AssignmentChange, MessageStatus, TicketStatus
from chat_console.protocol.events import ListenEvent
from chat_console.protocol.limits import id_problem
from chat_console.protocol.models import Message, Ticket, without_surrogates

_Code = TypeVar("_Code", TicketStatus, MessageStatus, AssignmentChange)
_Model = TypeVar("_Model", Ticket, Message)


class ProtocolError(ValueError):
    """An inbound event that cannot be read. The text is safe to log: it holds no payload."""


@dataclass(frozen=True, slots=True)
class Authenticated:
    payload: Any


@dataclass(frozen=True, slots=True)
class Unauthenticated:
    payload: Any


@dataclass(frozen=True, slots=True)
class TicketCreated:
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class TicketAccepted:
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class TicketStatusUpdated:
    ticket_id: str
    status: TicketStatus


@dataclass(frozen=True, slots=True)
class MessageUpdated:
    message: Message


@dataclass(frozen=True, slots=True)
class MessageStatusUpdated:
    message_id: str
    status: MessageStatus


@dataclass(frozen=True, slots=True)
class Typing:
    ticket_id: str
    user_name: str


@dataclass(frozen=True, slots=True)
class AssignmentNotified:
    ticket_id: str
    change: AssignmentChange
    display_nm: str  # the ticket's label (reading 4), not who took it


@dataclass(frozen=True, slots=True)
class TicketResponded:
    ticket_id: str


ServerEvent = (
    Authenticated
    | Unauthenticated
    | TicketCreated
    | TicketAccepted
    | TicketStatusUpdated
    | MessageUpdated
    | MessageStatusUpdated
    | Typing
    | AssignmentNotified
    | TicketResponded
)


def _arity(event: str, args: tuple[Any, ...], minimum: int, maximum: int | None = None) -> None:
    maximum = minimum if maximum is None else maximum
    if not minimum <= len(args) <= maximum:
        expected = str(minimum) if minimum == maximum else f"{minimum}-{maximum}"
        raise ProtocolError(f"{event}: expected {expected} arguments, got {len(args)}")


def _id(event: str, value: Any, what: str) -> str:
    problem = id_problem(value, what)
    if problem is not None:
        raise ProtocolError(f"{event}: {problem}")
    return without_surrogates(str(value))


def _code(event: str, value: Any, enum: type[_Code], what: str) -> _Code:
    # bool is an int subclass; True must not read as status 1.
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProtocolError(f"{event}: {what} must be an integer")
    try:
        return enum(int(value))
    except ValueError:
        raise ProtocolError(f"{event}: {what} has an unknown value") from None


def _model(event: str, value: Any, model: type[_Model]) -> _Model:
    if not isinstance(value, dict):
        raise ProtocolError(f"{event}: expected a {model.__name__} object")
    try:
        return model.model_validate(value)
    except ValidationError as error:
        fields = sorted({".".join(map(str, e["loc"])) for e in error.errors()})
        raise ProtocolError(f"{event}: invalid {model.__name__} ({', '.join(fields)})") from None


def decode(event: str, args: tuple[Any, ...]) -> ServerEvent:
    """Decode one listen event's positional arguments; raise ProtocolError if unreadable."""
    match event:
        case ListenEvent.AUTHENTICATED:
            return Authenticated(args[0] if args else None)
        case ListenEvent.UNAUTHENTICATED:
            return Unauthenticated(args[0] if args else None)
        case ListenEvent.TICKET_CREATED:
            _arity(event, args, 1)
            return TicketCreated(_model(event, args[0], Ticket))
        case ListenEvent.TICKET_ACCEPTED:
            _arity(event, args, 1)
            return TicketAccepted(_model(event, args[0], Ticket))
        case ListenEvent.TICKET_STATUS_UPDATED:
            _arity(event, args, 2)
            return TicketStatusUpdated(
                _id(event, args[0], "ticketId"), _code(event, args[1], TicketStatus, "status")
            )
        case ListenEvent.MESSAGE_UPDATED:
            _arity(event, args, 1)
            return MessageUpdated(_model(event, args[0], Message))
        case ListenEvent.MESSAGE_STATUS_UPDATED:
            _arity(event, args, 2)
            return MessageStatusUpdated(
                _id(event, args[0], "messageId"), _code(event, args[1], MessageStatus, "status")
            )
        case ListenEvent.TYPING:
            _arity(event, args, 2)
            name = without_surrogates(args[1]) if isinstance(args[1], str) else ""
            return Typing(_id(event, args[0], "ticketId"), name)
        case ListenEvent.NOTIFY_OF_ASSIGNMENT:
            _arity(event, args, 2, 3)
            label = (
                without_surrogates(args[2]) if len(args) > 2 and isinstance(args[2], str) else ""
            )
            return AssignmentNotified(
                _id(event, args[0], "ticketId"),
                _code(event, args[1], AssignmentChange, "assignment flag"),
                label,
            )
        case ListenEvent.TICKET_RESPONDED:
            _arity(event, args, 1)
            return TicketResponded(_id(event, args[0], "ticketId"))
    raise ProtocolError(f"unknown event {event[:40]!r}")
