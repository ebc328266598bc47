"""Make untrusted text harmless to show in a terminal.

Rich and Textual pass ESC, NUL and C1 bytes straight to the terminal, and bidi overrides can make
text read differently from what it is. Every character of that kind is replaced by a visible
stand-in, so the operator sees that something odd was sent instead of the terminal obeying it.
The same goes for every character whose width Rich and terminals disagree on (below): each cell
the console measures is a cell the terminal draws. Markup is a separate concern: the TUI never
parses server text as markup at all.
"""

import re

# Each set is a tuple of inclusive code point ranges: a character class is built from them, not
# a table of every code point (two such tables held ~1.5 MB in every console).
_Ranges = tuple[tuple[int, int], ...]

_CONTROLS: _Ranges = ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F))  # bar tab and newline
_BIDI_CONTROLS: _Ranges = ((0x202A, 0x202E), (0x2066, 0x2069))

# Characters whose width Rich and terminals disagree on, so a customer could push a queue row over
# the pane's border (U+3164 is 0 cells to Rich, 2 to xterm and VTE) or hide the words after them
# from the measuring (Rich skips the character after a ZWJ): the invisible ones of Unicode's
# Default_Ignorable_Code_Point, Hangul fillers, lone surrogates (drawn as a six-character escape)
# and tag characters (hidden text). Each becomes a visible stand-in, measured as it is drawn.
_WIDTH_DISAGREES: _Ranges = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x061C, 0x061C),  # Arabic letter mark
    (0x115F, 0x1160),  # Hangul fillers
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x200B, 0x200B),  # zero width space
    (0x200E, 0x200F),  # left-to-right and right-to-left marks
    (0x2028, 0x2029),  # line and paragraph separators
    (0x2060, 0x2065),  # word joiner, invisible operators
    (0x206A, 0x206F),  # deprecated format characters
    (0xFEFF, 0xFEFF),  # zero width no-break space (BOM)
    (0xFFF0, 0xFFFB),  # unassigned ignorables, interlinear annotation
    (0x1BCA0, 0x1BCA3),  # shorthand format controls
    (0x1D173, 0x1D17A),  # musical formatting
    (0xE0000, 0xE00FF),  # tag characters (and unassigned ignorables around them)
    (0xE01F0, 0xE0FFF),
    (0xD800, 0xDFFF),  # surrogates (a lone one: a valid pair is one character in Python)
)
# Dropped rather than marked: presentation only, the character they follow still shows. Rich
# makes ❤ + VS16 two cells where many terminals draw one; after a ZWJ Rich counts nothing at all;
# a skin-tone modifier is 0 cells to Rich and 2 to most terminals.
_PRESENTATION_ONLY: _Ranges = ((0x200D, 0x200D), (0xFE0E, 0xFE0F), (0x1F3FB, 0x1F3FF))
_DROPPED = frozenset(code for first, last in _PRESENTATION_ONLY for code in range(first, last + 1))


def _character_class(*sets: _Ranges) -> str:
    pairs = (pair for ranges in sets for pair in ranges)
    return "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in pairs)


_UNSAFE = _character_class(_CONTROLS, _BIDI_CONTROLS, _WIDTH_DISAGREES, _PRESENTATION_ONLY)
# The C scan of a compiled class keeps clean text (nearly all of it) as fast as str.translate.
_REPLACED = re.compile(f"[{_UNSAFE}]")
_REPLACED_ON_ONE_LINE = re.compile(f"[{_UNSAFE}\\t\\n]")
_ON_ONE_LINE = {"\t": " ", "\n": " \u21b5 "}  # ↵ marks where a line broke


def _stand_in(code: int) -> str:
    if code in _DROPPED:
        return ""
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ␁ … ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    if code > 0xFFFF:
        return f"\\U{code:08x}"
    return f"\\u{code:04x}" if code > 0xFF else f"\\x{code:02x}"


def _replace(match: re.Match[str]) -> str:
    found = match.group()
    return _ON_ONE_LINE.get(found) or _stand_in(ord(found))


def safe_text(text: object) -> str:
    """Untrusted text with control characters replaced; newlines are kept.

    Tabs become spaces: a tab is zero cells wide to Rich but moves the terminal's cursor, so a
    raw tab would push the rest of the line over the pane's border."""
    if text is None:
        return ""
    return _REPLACED.sub(_replace, str(text)).expandtabs(4)


def one_line(text: object) -> str:
    """Like `safe_text`, but on one line: for queue rows, headers and notifications."""
    if text is None:
        return ""
    return _REPLACED_ON_ONE_LINE.sub(_replace, str(text))


def is_safe(text: str) -> bool:
    """True if `text` holds nothing `safe_text` would replace (bar newline and tab)."""
    return _REPLACED.search(text) is None
