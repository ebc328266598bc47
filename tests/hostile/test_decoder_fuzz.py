"""Property-based fuzzing of every door through which the network's data comes in, past `decode`
(fuzzed in tests/protocol): whatever arrives is read, or refused with our own words, never an
unexpected exception; what is applied leaves the console's record whole."""

import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_console.client.errors import (
    AuthenticationFailed,
    ClientError,
    TokenUnavailable,
    describe_ack_error,
    is_error,
)
from chat_console.client.http_api import _models
from chat_console.client.tokens import OAuthTokens
from chat_console.protocol import Message, Ticket, User
from chat_console.protocol.events import ListenEvent
from chat_console.protocol.inbound import ProtocolError, decode
from chat_console.store import Store, one_line, safe_text
from chat_console.store.safe_text import is_safe

ids = st.sampled_from(["t-1", "t-2", "m-1", "m-2", "cu-1", "op-1", "", "x" * 300])
# Lone surrogates, and characters whose width Rich and terminals disagree on (issue 10).
WIDTH_AND_SURROGATES = "\ud800\udfff\u3164\u115f\uffa0\u200b\u200d\ufe0f\U000e0041\U0001f3fd"
hostile_text = st.text(
    alphabet=st.characters(codec="utf-8")
    | st.sampled_from("\x1b\x00\x9b\u202e[]@=$/" + WIDTH_AND_SURROGATES),
    max_size=40,
)


def nested(levels: int) -> object:
    value: object = 1
    for _ in range(levels):
        value = {"a": value}
    return value


scalars = st.none() | st.booleans() | st.integers() | st.floats() | hostile_text | ids
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
) | st.integers(min_value=150, max_value=300).map(nested)
wire_objects = st.fixed_dictionaries(
    {},
    optional={
        "ticketId": ids,
        "messageId": ids,
        "statusId": st.sampled_from([1, 2, 3, 100, 200, 10000, "200", None, True, -1]),
        "type": st.sampled_from([1, 2, 3, "1", None]),
        "content": hostile_text,
        "senderId": ids,
        "recipientId": ids,
        "ownerId": ids,
        "handleById": ids,
        "displayNm": hostile_text,
        "createdAt": st.sampled_from(
            [
                "2026-01-01T00:00:00.000Z",
                "9999-12-31T23:59:59.999Z",
                "0001-01-01T00:00:00.000Z",
                "",
                "yesterday",
                None,
                5,
                1e20,
            ]
        ),
        "lastResponseAt": st.sampled_from(["2026-01-01T00:00:01.000Z", "", None]),
        "extra": values,
    },
)
arguments = st.lists(wire_objects | values | ids | st.sampled_from([0, 1, 2, 3, 200]), max_size=4)


def _reload(path: Path) -> dict[str, Any]:
    store = Store(path, operator_id="op-1")
    try:
        assert store.skipped == 0  # everything stored reads back
        return _snapshot(store)
    finally:
        store.close()


def _snapshot(store: Store) -> dict[str, Any]:
    tickets = {tid: store.ticket(tid) for tid in store.queue()}
    return {
        "tickets": {tid: (r.ticket, r.unread) for tid, r in tickets.items() if r},
        "messages": {tid: list(store.message_ids(tid)) for tid in tickets},
    }


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(list(ListenEvent)), arguments), max_size=12))
def test_whatever_decodes_applies_cleanly_and_the_record_survives_a_restart(
    events: list[tuple[ListenEvent, list[Any]]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "console.sqlite3"
        store = Store(path, operator_id="op-1")
        decoded = []
        for name, args in events:
            try:
                decoded.append(decode(name, tuple(args)))
            except ProtocolError:
                continue
        store.apply_batch(decoded)
        before = _snapshot(store)
        store.close()
        assert _reload(path) == before  # nothing half-applied: memory and disk agree


@given(values)
def test_http_extras_bodies_read_as_lists_or_refuse(body: Any) -> None:
    for model in (Ticket, Message, User):
        try:
            items = _models(body, model)
        except ClientError as error:
            assert is_safe(str(error))
            continue
        assert items is None or all(isinstance(item, model) for item in items)


@given(values)
def test_ack_errors_are_words_fit_to_show(err: Any) -> None:
    if is_error(err):
        words = describe_ack_error(err)
        assert isinstance(words, str) and len(words) <= 300
        assert all(ch in "\t\n" or ch.isprintable() or ord(ch) > 0x9F for ch in words)


@given(values)
def test_token_endpoint_bodies_give_a_token_or_our_words(body: Any) -> None:
    tokens = OAuthTokens(
        "http://127.0.0.1:1/oauth/token", "password", "c", username="u", password="p"
    )
    try:
        token = tokens._accept(body)
    except TokenUnavailable as error:
        assert str(error) == "token endpoint answered without an access_token"
    else:
        assert isinstance(token, str) and token
    for status in (400, 401, 500):
        failure = tokens._failure(status, body)
        assert isinstance(failure, AuthenticationFailed | TokenUnavailable)
        assert is_safe(one_line(str(failure)))


@given(st.text() | st.sampled_from(list(string.printable)))
def test_shown_text_is_always_safe(text: str) -> None:
    assert is_safe(safe_text(text)) and is_safe(one_line(text)) and "\n" not in one_line(text)


@pytest.mark.parametrize("event", list(ListenEvent))
def test_every_listen_event_refuses_null_and_nothing_without_raising(event: ListenEvent) -> None:
    for args in ((), (None,), (None, None, None), ([],), ({},)):
        try:
            decode(event, args)
        except ProtocolError as error:
            assert str(error).startswith(event.value)
