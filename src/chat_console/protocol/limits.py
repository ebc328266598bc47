"""Size limits of the wire, in one place: shared by the console, its client and the server.

The reference server refuses what exceeds them; the console's composer and client refuse the same
before sending, with the same words; the console's decoder drops inbound events whose ids exceed
them and shows inbound content above the cap truncated, with its size, rather than dropping it.
"""

MAX_ID_CHARS = 256  # ticketId, messageId, userId: UUIDs are 36; anything this long is not an id
MAX_CONTENT_BYTES = 1024 * 1024  # a message's `content`, UTF-8 encoded (an image: its base64)
# Socket.IO encodes JSON with ensure_ascii: one character of content can take up to six bytes on
# the wire (`\u0000`), so a packet must hold six times the content cap, plus the envelope.
MAX_PACKET_BYTES = 6 * MAX_CONTENT_BYTES + 64 * 1024


def content_size(text: str) -> int:
    """The UTF-8 size of `text` in bytes (a lone surrogate counts the three bytes it would take)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def content_problem(content: str) -> str | None:
    """Why the server would refuse `content` as a message, or None if it would not."""
    size = content_size(content)
    if size > MAX_CONTENT_BYTES:
        return f"the message is too large: {size:,} bytes, the limit is {MAX_CONTENT_BYTES:,}"
    return None


def id_problem(value: object, what: str) -> str | None:
    """Why `value` is not a usable id, or None."""
    if not isinstance(value, str) or not value:
        return f"{what} must be a non-empty string"
    if len(value) > MAX_ID_CHARS:
        return f"{what} is longer than {MAX_ID_CHARS} characters"
    return None


# How a refusal says "not now": every refusal for rate starts with these words, and a client may
# send the same thing again later (the reference server says them; the console's outbox waits).
RATE_LIMITED = "rate limit exceeded"
