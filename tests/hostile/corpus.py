"""The hostile corpus: what a stranger may type into a chat, and what the console must show.

Each entry is sent as a customer's message (and the markup ones as ticket names too). `shown` is
what the screen must show instead: the same characters for markup (never parsed), visible
stand-ins for control characters (never sent to the terminal). `injected` is what must never
reach the terminal's byte stream.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str
    text: str
    shown: str
    injected: str | None = None  # the raw sequence that must not appear in the terminal's bytes


CORPUS = (
    Entry("click action", "[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    Entry("link", "[link=https://evil.example]x[/link]", "[link=https://evil.example]x[/link]"),
    Entry("stray closing tag", "[/foo]", "[/foo]"),
    Entry("theme variable", "[$accent]x", "[$accent]x"),
    Entry("style tag", "[B]x", "[B]x"),
    Entry("CSI clear screen", "C1:\x1b[2J", "C1:␛[2J", "C1:\x1b[2J"),
    Entry("OSC window title", "\x1b]0;pwned\x07", "␛]0;pwned␇", "\x1b]0;pwned"),
    Entry("OSC 52 clipboard", "\x1b]52;c;ZXZpbA==\x07", "␛]52;c;ZXZpbA==␇", "\x1b]52;"),
    Entry("NUL", "nul:\x00:nul", "nul:␀:nul", "\x00"),
    Entry("C1 CSI", "c1:\x9b31m", "c1:\\x9b31m", "\x9b"),
    Entry("bidi override", "bidi:\u202eevil\u202c", "bidi:\\u202eevil\\u202c", "\u202e"),
    Entry("bidi isolate", "iso:\u2066x\u2069", "iso:\\u2066x\\u2069", "\u2066"),
    Entry("DEL", "del:\x7f:del", "del:␡:del", "del:\x7f"),
)
