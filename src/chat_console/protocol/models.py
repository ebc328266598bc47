"""The four wire objects as pydantic models.

Python names are snake_case; the wire's camelCase names are aliases, and both are accepted on input.
Unknown fields are kept (`extra="allow"`) so that a message passed back to the server loses nothing,
and every field but the identifying one is optional because the peer is not ours to trust.

Whatever a model is built from is made storable first (`_storable`): a lone surrogate becomes the
visible text `\\udXXX` (UTF-8, SQLite and strict JSON parsers all refuse one), and an unknown field
nested deeper or larger than any real extension is dropped, so what the console stores it can read
back, and a record costs what its known fields do.
"""

import re
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
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
    # Not %Y: C libraries write the year 1 as "1", which no ISO-8601 reader takes back.
    return (
        f"{moment.year:04d}-"
        + moment.strftime("%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}Z"
    )


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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# An unknown field is kept (and stored, and sent back) only while it is this small: real
# extensions are a few flat values; a 200-level nesting broke every strict JSON reader.
MAX_EXTRA_DEPTH = 8
MAX_EXTRA_ITEMS = 256  # strings, numbers, lists and dicts, all levels together
MAX_EXTRA_CHARS = 16 * 1024


class _TooLarge(Exception):
    pass


def without_surrogates(text: str) -> str:
    """`text` with every lone surrogate replaced by its visible escape (`\\ud800`)."""
    if text.isascii() or not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def _storable(value: Any) -> Any:
    """A known field's value with its strings made encodable (shallow: known fields are flat)."""
    if isinstance(value, str):
        return without_surrogates(value)
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


def _bounded_extra(value: Any, depth: int, budget: list[int]) -> Any:
    """An unknown field's value, made storable; `_TooLarge` past the bounds above."""
    budget[0] -= 1
    if depth > MAX_EXTRA_DEPTH or budget[0] < 0:
        raise _TooLarge
    if isinstance(value, str):
        budget[1] -= len(value)
        if budget[1] < 0:
            raise _TooLarge
        return without_surrogates(value)
    if isinstance(value, dict):
        return {
            without_surrogates(str(key)): _bounded_extra(item, depth + 1, budget)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_bounded_extra(item, depth + 1, budget) for item in value]
    return value


class WireModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        use_enum_values=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _make_storable(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        known = _known_keys(cls)
        budget = [MAX_EXTRA_ITEMS, MAX_EXTRA_CHARS]  # shared: many small fields add up too
        kept: dict[Any, Any] = {}
        for key, value in data.items():
            if key in known:
                kept[key] = _storable(value)
                continue
            try:
                kept[without_surrogates(str(key))] = _bounded_extra(value, 0, budget)
            except _TooLarge:
                continue  # dropped: no real extension is this deep or this large
        return kept


@cache
def _known_keys(model: type[WireModel]) -> frozenset[str]:
    fields = model.model_fields
    return frozenset(fields) | {field.alias for field in fields.values() if field.alias}


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
