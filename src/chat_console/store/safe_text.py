"""Make untrusted text harmless to show in a terminal.

Rich and Textual pass ESC, NUL and C1 bytes straight to the terminal, and bidi overrides can make
text read differently from what it is. Every character of that kind is replaced by a visible
stand-in, so the operator sees that something odd was sent instead of the terminal obeying it.
Markup is a separate concern: the TUI never parses server text as markup at all.
"""

_BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def _stand_in(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ … ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def _is_unsafe(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _BIDI_CONTROLS


# One translation table covers every character that needs replacing (str.translate is C-fast).
_TABLE = {
    code: _stand_in(code)
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS)
    if code not in (0x09, 0x0A)
}
_ONE_LINE_TABLE = {**_TABLE, 0x09: " ", 0x0A: " \u21b5 "}  # ↵ marks where a line broke


def safe_text(text: object) -> str:
    """Untrusted text with control characters replaced; newlines are kept.

    Tabs become spaces: a tab is zero cells wide to Rich but moves the terminal's cursor, so a
    raw tab would push the rest of the line over the pane's border."""
    if text is None:
        return ""
    return str(text).translate(_TABLE).expandtabs(4)


def one_line(text: object) -> str:
    """Like `safe_text`, but on one line: for queue rows, headers and notifications."""
    if text is None:
        return ""
    return str(text).translate(_ONE_LINE_TABLE)


def is_safe(text: str) -> bool:
    """True if `text` holds nothing `safe_text` would replace (bar newline and tab)."""
    return not any(_is_unsafe(ord(ch)) and ch not in "\t\n" for ch in text)
