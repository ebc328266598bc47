"""What a peer sends, made safe to store: measured, depth-checked, and free of lone surrogates.

Socket.IO decodes JSON with Python's `json`, which turns `"\\ud800"` into a lone surrogate (not
Unicode text: it cannot be encoded as UTF-8) and accepts nesting hundreds of levels deep. Both
could be stored, but pydantic's JSON parser (what reads rows back) refuses them, so one such
message made every listing of its ticket fail. The server therefore
- replaces each lone surrogate in an object's text with U+FFFD (the Unicode replacement
  character): a JavaScript peer that cut a string between the halves of an emoji still gets its
  message through, and every reader shows a visible stand-in;
- refuses arguments nested deeper than `MAX_DEPTH`: no protocol object needs more than three
  levels, so anything that deep is an attack, not a message;
- refuses ids holding a lone surrogate (an id is matched exactly; rewriting it would make the
  peer's id and the server's differ).
"""

import re
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 32  # levels of objects/arrays in one event's arguments; the wire objects use 1-3
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER_BYTES = 8  # a number, boolean or null, as counted against a byte budget


def has_surrogate(text: str) -> bool:
    return not text.isascii() and _SURROGATE.search(text) is not None


def without_surrogates(value: Any) -> Any:
    """`value` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value) if has_surrogate(value) else value
    if isinstance(value, dict):
        return {without_surrogates(k): without_surrogates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_surrogates(item) for item in value]
    return value


def text_size(text: str) -> int:
    """UTF-8 bytes (a lone surrogate counts the three it would take)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def measure(values: Iterable[Any], max_depth: int = MAX_DEPTH) -> tuple[int, bool]:
    """(approximate size in bytes, nested deeper than `max_depth`) of decoded JSON values.

    Iterative, so that a hostile depth costs a loop, not the interpreter's stack; it stops at the
    first level too deep."""
    size = 0
    stack: list[tuple[Any, int]] = [(value, 1) for value in values]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            size += text_size(value)
        elif isinstance(value, dict | list | tuple):
            if depth > max_depth:
                return size, True
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if isinstance(key, str):
                    size += text_size(key)
                stack.append((item, depth + 1))
        else:
            size += _NUMBER_BYTES
    return size, False


def pruned(value: Any, max_depth: int = MAX_DEPTH, depth: int = 1) -> Any:
    """`value` with whatever lies deeper than `max_depth` replaced by null (for rows stored before
    the depth was refused at the door)."""
    if isinstance(value, dict | list):
        if depth > max_depth:
            return None
        if isinstance(value, dict):
            return {k: pruned(v, max_depth, depth + 1) for k, v in value.items()}
        return [pruned(v, max_depth, depth + 1) for v in value]
    return value
