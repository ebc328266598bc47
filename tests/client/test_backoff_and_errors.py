"""The pure parts: backoff delays, and how ack errors become words fit to show."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat_console.client.backoff import Backoff
from chat_console.client.errors import describe_ack_error, fit_to_show, is_error


def test_backoff_doubles_up_to_the_ceiling_and_resets() -> None:
    backoff = Backoff(first=1.0, ceiling=30.0, jitter=0.0)
    assert [backoff.next_delay() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    backoff.reset()
    assert backoff.next_delay() == 1


@given(attempts=st.integers(min_value=1, max_value=60), jitter=st.floats(0, 0.5))
def test_backoff_jitter_stays_in_bounds(attempts: int, jitter: float) -> None:
    backoff = Backoff(first=1.0, ceiling=30.0, jitter=jitter)
    delays = [backoff.next_delay() for _ in range(attempts)]
    for attempt, delay in enumerate(delays):
        base = min(30.0, 2.0**attempt)
        assert base * (1 - jitter) - 1e-9 <= delay <= min(30.0, base * (1 + jitter)) + 1e-9


@pytest.mark.parametrize(
    ("err", "failed"),
    [
        (None, False),
        (False, False),
        ("", False),
        ("ticket is closed", True),
        ({"message": "nope"}, True),
        (True, True),
        (0, True),  # not one of the protocol's success values
    ],
)
def test_which_acks_are_errors(err: object, failed: bool) -> None:
    assert is_error(err) is failed


def test_ack_error_words() -> None:
    assert describe_ack_error("ticket is closed") == "ticket is closed"
    assert describe_ack_error({"message": "not yours", "code": 7}) == "not yours"
    assert describe_ack_error({"error": "busy"}) == "busy"
    assert describe_ack_error(403) == "403"


def test_untrusted_words_lose_control_characters_and_length() -> None:
    shown = describe_ack_error("\x1b[31mred\x07\x9b" + "x" * 1000)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown.startswith("␛[31mred␇\\x9b")  # the stand-ins the console shows everywhere
    assert len(shown) == 300 and shown.endswith("…")
    assert fit_to_show("line one\nline two\ttab") == "line one ↵ line two tab"  # one line
    assert fit_to_show("refund \u202eon \u3164 hold") == "refund \\u202eon \\u3164 hold"
