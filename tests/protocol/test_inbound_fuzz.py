"""Whatever a peer sends, `decode` returns a typed event or raises ProtocolError — nothing else."""

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chat_console.protocol.events import ListenEvent
from chat_console.protocol.inbound import ProtocolError, ServerEvent, decode

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
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
objects = st.dictionaries(wire_keys | st.text(max_size=8), json_values, max_size=8)
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
