"""The redacting log filter: secrets by shape and by value, in messages, args and tracebacks."""

import io
import logging
from collections.abc import Iterator

import pytest

from chat_console.redaction import MASK, RedactingFilter, install, redact, remember_secret

SHAPES = [
    ("GET /api/tickets Authorization: Bearer s3cr3t-abc", "s3cr3t-abc"),
    ("headers={'Authorization': 'Bearer s3cr3t-abc'}", "s3cr3t-abc"),
    ("headers={'Authorization': 'Basic Y29uc29sZTpzZWNyZXQ='}", "Y29uc29sZTpzZWNyZXQ="),
    ("GET /x?access_token=s3cr3t-abc&y=1", "s3cr3t-abc"),
    ("grant_type=refresh_token&refresh_token=s3cr3t-abc", "s3cr3t-abc"),
    ("form {'password': 'hunter2hunter2', 'username': 'op1'}", "hunter2hunter2"),
    ('body {"client_secret": "console-secret"}', "console-secret"),
    ("client_secret=console-secret&grant_type=client_credentials", "console-secret"),
    ('Sending packet MESSAGE data 2["authenticate",{"accessToken":"s3cr3t-abc"}]', "s3cr3t-abc"),
    ('{"access_token": "s3cr3t-abc", "token_type": "Bearer"}', "s3cr3t-abc"),
    ("the password: hunter2hunter2 was rejected", "hunter2hunter2"),
    ("proxy http://op:pr0xy-pass@proxy.example:3128 refused", "pr0xy-pass"),
    ("Proxy-Authorization: Basic b3A6cHIweHktcGFzcw==", "b3A6cHIweHktcGFzcw=="),
]


@pytest.mark.parametrize(("line", "secret"), SHAPES)
def test_credentials_are_masked_by_their_shape(line: str, secret: str) -> None:
    cleaned = redact(line)
    assert secret not in cleaned
    assert MASK in cleaned


def test_prose_about_tokens_is_left_alone() -> None:
    line = "connection offline: the server rejected the access token: invalid or expired token"
    assert redact(line) == line


def test_remembered_values_are_masked_wherever_they_appear() -> None:
    remember_secret("xq7-no-telltale-shape")
    remember_secret("abc")  # too short to be a secret: remembering it would blot out words
    assert redact("got xq7-no-telltale-shape from the command") == f"got {MASK} from the command"
    assert redact("abc") == "abc"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    install(logger)
    install(logger)  # idempotent: one filter per handler
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)
        logger.propagate = True


def test_the_filter_masks_arguments_and_tracebacks(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    remember_secret("tok-from-a-command-123")
    logger.debug("authenticate %s", {"accessToken": "s3cr3t-abc"})
    try:
        raise RuntimeError("failed with tok-from-a-command-123 in the message")
    except RuntimeError:
        logger.exception("request to /oauth/token?password=%s failed", "hunter2hunter2")
    logger.info("bad %s call", "arguments", "too many")  # unformattable: still written, no crash
    text = stream.getvalue()
    for secret in ("s3cr3t-abc", "tok-from-a-command-123", "hunter2hunter2"):
        assert secret not in text
    assert "RuntimeError: failed with *** in the message" in text
    assert "unformattable arguments" in text


def test_a_server_echoing_a_secret_back_does_not_get_it_shown() -> None:
    from chat_console.client.errors import describe_ack_error

    remember_secret("op1pass-echoed-back")
    words = describe_ack_error({"message": "wrong password op1pass-echoed-back for op1"})
    assert words == f"wrong password {MASK} for op1"
    assert describe_ack_error("Bearer abc.def.ghi is expired") == f"Bearer {MASK} is expired"
