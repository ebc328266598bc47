"""The four wire objects as pydantic models.

Python names are snake_case; the wire's camelCase names are aliases, and both are accepted on input.
Unknown fields are kept (`extra="allow"`) so that a message passed back to the server loses nothing,
and every field but the identifying one is optional because the peer is not ours to trust.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel

from chat_console.protocol.enums import MessageStatus, MessageType, TicketStatus
from chat_console.protocol.limits import MAX_ID_CHARS


def now_utc() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """`yyyy-MM-ddTHH:mm:ss.sssZ`, the only timestamp form the wire uses."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(value: Any) -> datetime | None:
    """Read a wire timestamp; the empty string (used for "not yet") and None read as None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError("timestamp must be an ISO-8601 string")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lenient_timestamp(value: Any) -> datetime | None:
    """An optional timestamp the peer got wrong costs that field, not the whole object.

    Numbers are read as epoch milliseconds (what JavaScript's Date.now() gives)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def _none_as_empty(value: Any) -> Any:
    return "" if value is None else value


def _serialize_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment)


Timestamp = Annotated[
    datetime | None,
    BeforeValidator(_lenient_timestamp),
    PlainSerializer(_serialize_timestamp, return_type=str | None),
]
NonEmptyId = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]
OptionalId = Annotated[str, Field(max_length=MAX_ID_CHARS)] | None


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        use_enum_values=False,
    )


class User(WireModel):
    user_id: NonEmptyId
    full_nm: str | None = None
    salutation: str | None = None
    gender: str | None = None
    dob: Timestamp = None
    email: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    program_id: str | None = None


class Message(WireModel):
    ticket_id: NonEmptyId
    message_id: NonEmptyId
    recipient_id: OptionalId = None
    recipient_nm: str | None = None
    content: Annotated[str, BeforeValidator(_none_as_empty)] = ""
    type: MessageType = MessageType.TEXT
    encoding: str = "utf-8"
    created_at: Timestamp = None
    status_id: MessageStatus = MessageStatus.SENT
    sender_id: OptionalId = None
    sender_nm: str | None = None
    program_id: str | None = None


class Ticket(WireModel):
    ticket_id: NonEmptyId
    display_nm: str | None = None
    ticket_nm: str | None = None
    status_id: TicketStatus = TicketStatus.NEW
    created_at: Timestamp = None
    handle_by_id: OptionalId = None
    handle_by_nm: str | None = None
    last_response_at: Timestamp = None
    owner_id: OptionalId = None
    owner_nm: str | None = None
    is_external: bool | None = None
    program_id: str | None = None


class Assign(WireModel):
    ticket_id: NonEmptyId
    handle_by_id: OptionalId = None  # None means hijack: assign to the sender


def to_wire(model: WireModel) -> dict[str, Any]:
    """The JSON-ready dict the wire expects: camelCase keys, numeric enums, string timestamps."""
    return model.model_dump(by_alias=True, mode="json")
