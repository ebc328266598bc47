"""A hostile or confused peer costs an error ack, never an exception; no secrets in the log."""

import logging
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_console.protocol import EmitEvent
from chat_console.protocol.events import EMITS_WITH_ACK
from chat_console.server.runner import RunningServer
from tests.helpers import Peer, fetch_token
from tests.server.conftest import open_ticket, write

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
ACKED = sorted(EMITS_WITH_ACK)


async def test_garbage_arguments_get_error_acks_and_log_no_errors(
    server: RunningServer, op1: Peer, cu1: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    await open_ticket(cu1)
    shapes: list[tuple[Any, ...]] = [
        (),
        (None,),
        (1, 2, 3, 4, 5, 6, 7, 8),
        ("t-1", None, None, None),
        ([], {}, "x"),
        ({"ticketId": ["list"]},),
        ("t-1", "m", {"type": "nope"}, 5),
        ("all", "3", None, None),
    ]
    caplog.set_level(logging.INFO, logger="chat_console.server")
    for peer in (op1, cu1):
        for event in ACKED:
            for args in shapes:
                ack = await peer.call(event, *args)
                assert isinstance(ack, str) and ack, (event, args, ack)
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert server.store.messages("t-1") == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(event=st.sampled_from(ACKED), args=st.lists(JSON, max_size=6))
async def test_any_json_arguments_are_answered(
    server: RunningServer, op1: Peer, event: EmitEvent, args: list[Any]
) -> None:
    ack = await op1.call(event, *args)
    assert ack is None or (isinstance(ack, str) and ack != "internal server error")


async def test_the_log_never_holds_tokens_or_passwords(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await fetch_token(server.url, "op1", "op1pass")
    peer = Peer()
    try:
        await peer.login(server.url, "cu1", "cu1pass", operator=False)
        await open_ticket(peer)
        await write(peer, "t-1", "m-1", "hello")
        server.revoke_tokens("cu-1")
        await peer.next("unauthenticated")
    finally:
        await peer.close()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "authenticated" in text  # the log does record who authenticated
    for secret in (token, "op1pass", "cu1pass", "console-secret"):
        assert secret not in text
