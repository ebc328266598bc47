"""What a peer sends, checked before it is handled: its size, its depth, its ids.

Socket.IO decodes JSON with Python's `json`, which turns `"\\ud800"` into a lone surrogate (not
Unicode text: it cannot be encoded as UTF-8) and accepts nesting hundreds of levels deep. Both
could be stored, but pydantic's JSON parser (what reads rows back) refuses them, so one such
message made every listing of its ticket fail. The protocol models make the text they hold
storable (a lone surrogate becomes the visible text `\\ud800`; an unknown field deeper than 8
levels is dropped), so that a JavaScript peer that cut an emoji in half still gets its message
through. Before that, the server
- refuses arguments nested deeper than `MAX_DEPTH`: no protocol object needs more than three
  levels, so anything that deep is an attack, not a message (and walking it costs);
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
