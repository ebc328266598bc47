"""Make untrusted text harmless to show in a terminal.

Rich and Textual pass ESC, NUL and C1 bytes straight to the terminal, and bidi overrides can make
text read differently from what it is. Every character of that kind is replaced by a visible
stand-in, so the operator sees that something odd was sent instead of the terminal obeying it.
The same goes for every character whose width Rich and terminals disagree on (below): each cell
the console measures is a cell the terminal draws. Markup is a separate concern: the TUI never
parses server text as markup at all.
"""

_BIDI_CONTROLS = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}

# Characters whose width Rich and terminals disagree on, so a customer could push a queue row over
# the pane's border (U+3164 is 0 cells to Rich, 2 to xterm and VTE) or hide the words after them
# from the measuring (Rich skips the character after a ZWJ): the invisible ones of Unicode's
# Default_Ignorable_Code_Point, Hangul fillers, lone surrogates (drawn as a six-character escape)
# and tag characters (hidden text). Each becomes a visible stand-in, measured as it is drawn.
_WIDTH_DISAGREES = {
    0x00AD,  # soft hyphen
    0x034F,  # combining grapheme joiner
    0x061C,  # Arabic letter mark
    0x115F,  # Hangul fillers
    0x1160,
    0x3164,
    0xFFA0,
    0x17B4,  # Khmer inherent vowels
    0x17B5,
    *range(0x180B, 0x1810),  # Mongolian variation selectors and vowel separator
    0x200B,  # zero width space
    0x200E,  # left-to-right and right-to-left marks
    0x200F,
    0x2028,  # line and paragraph separators
    0x2029,
    *range(0x2060, 0x2066),  # word joiner, invisible operators
    *range(0x206A, 0x2070),  # deprecated format characters
    0xFEFF,  # zero width no-break space (BOM)
    *range(0xFFF0, 0xFFFC),  # unassigned ignorables, interlinear annotation
    *range(0x1BCA0, 0x1BCA4),  # shorthand format controls
    *range(0x1D173, 0x1D17B),  # musical formatting
    *range(0xE0000, 0xE0100),  # tag characters (and unassigned ignorables around them)
    *range(0xE01F0, 0xE1000),
    *range(0xD800, 0xE000),  # surrogates (a lone one: a valid pair is one character in Python)
}
# Dropped rather than marked: presentation only, the character they follow still shows. Rich
# makes ❤ + VS16 two cells where many terminals draw one; after a ZWJ Rich counts nothing at all;
# a skin-tone modifier is 0 cells to Rich and 2 to most terminals.
_PRESENTATION_ONLY = {0x200D, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)}


def _stand_in(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ … ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


# One translation table covers every character that needs replacing (str.translate is C-fast).
_TABLE: dict[int, str | None] = {
    code: _stand_in(code)
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), *_BIDI_CONTROLS, *_WIDTH_DISAGREES)
    if code not in (0x09, 0x0A)
}
_TABLE.update(dict.fromkeys(_PRESENTATION_ONLY))
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
    return not any(ord(ch) in _TABLE for ch in text)
