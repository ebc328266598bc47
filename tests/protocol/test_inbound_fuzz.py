"""Whatever a peer sends, `decode` returns a typed event or raises ProtocolError — nothing else."""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chat_console.protocol import Message, Ticket, to_wire
from chat_console.protocol.events import ListenEvent
from chat_console.protocol.inbound import ProtocolError, ServerEvent, decode

# What broke the console's restart or its screen (issue 10): lone surrogates, characters whose
# width Rich and terminals disagree on, far-off dates, and nesting deeper than a parser goes.
HOSTILE_CHARS = "\ud800\udfff\u3164\u115f\u1160\uffa0\u200b\u200d\ufe0f\U000e0041\U0001f3fd\x1b"
EXTREME_DATES = ["9999-12-31T23:59:59.999Z", "0001-01-01T00:00:00.000Z", "0001-01-01", 1e20, -1e15]


def nested(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = {"a": [value]}
    return value


hostile_text = st.text(
    alphabet=st.characters() | st.sampled_from(HOSTILE_CHARS), max_size=20
)  # st.characters() includes surrogates
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | hostile_text
    | st.sampled_from(EXTREME_DATES)
    | st.integers(min_value=100, max_value=400).map(nested)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=12,
)
wire_keys = st.sampled_from(
    ["ticketId", "messageId", "statusId", "type", "createdAt", "content", "lastResponseAt", "dob"]
)
objects = st.dictionaries(wire_keys | hostile_text, json_values, max_size=8)
arguments = st.lists(
    json_values | objects | st.sampled_from(["t", 100, 200, 10000, 1, 2, 3]), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(event=st.sampled_from(list(ListenEvent)), args=arguments)
def test_decode_never_raises_anything_but_protocol_error(
    event: ListenEvent, args: list[Any]
) -> None:
    try:
        decoded = decode(event, tuple(args))
    except ProtocolError as error:
        assert str(error).startswith(event.value) or "unknown" in str(error)
    else:
        assert isinstance(decoded, ServerEvent)
        model = getattr(decoded, "ticket", None) or getattr(decoded, "message", None)
        if isinstance(model, Ticket | Message):
            assert_reads_back(model)


def assert_reads_back(model: Ticket | Message) -> None:
    """What the console stores of a decoded object is read back even by a strict JSON parser."""
    stored = json.dumps(to_wire(model))
    assert json.dumps(to_wire(type(model).model_validate_json(stored))) == stored


readable_objects = st.fixed_dictionaries(
    {"ticketId": st.just("t-1"), "messageId": st.just("m-1")},
    optional={
        "content": hostile_text,
        "senderNm": hostile_text,
        "displayNm": hostile_text,
        "createdAt": st.sampled_from(EXTREME_DATES),
        "lastResponseAt": st.sampled_from(EXTREME_DATES),
        "extension": json_values,
        "deep": st.integers(min_value=1, max_value=300).map(nested),
    },
).flatmap(lambda known: st.dictionaries(hostile_text, json_values, max_size=3).map(known.__or__))


@settings(max_examples=200, deadline=None)
@given(
    event=st.sampled_from([ListenEvent.TICKET_CREATED, ListenEvent.MESSAGE_UPDATED]),
    body=readable_objects,
)
def test_a_decoded_ticket_or_message_is_stored_as_json_that_reads_back(
    event: ListenEvent, body: dict[str, Any]
) -> None:
    decoded = decode(event, (body,))
    model = getattr(decoded, "ticket", None) or getattr(decoded, "message", None)
    assert isinstance(model, Ticket | Message)
    assert_reads_back(model)
