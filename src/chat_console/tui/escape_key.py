"""ESC as the key an operator presses, also when the next key comes right behind it.

Textual's parser reads ESC and whatever arrives within 0.1 s after it as one key: Esc then `a`
becomes alt+a, and Esc then Enter, `/` or ctrl+e lose the Esc altogether. Over ssh, two keys
typed a moment apart often arrive together. In the composer that turned "leave it (Esc), open
the ticket (Enter)" into "send the draft". The console binds no alt chords but those named in
its bindings (alt+x, where a letter would be text), so here an ESC followed by anything that
cannot continue an escape sequence is the escape key, and the next key is itself.
"""

from collections.abc import Iterable, Iterator

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.constants import ESCAPE_DELAY
from textual.message import Message

ESC = "\x1b"
# What may follow an ESC in one key: CSI, SS3, OSC, DCS, SOS, PM, APC (and ST) start sequences,
# and Textual reads some pairs as keys of their own (ESC DEL alt+backspace, ESC b and ESC f the
# word moves macOS sends for option+arrows, ESC Tab shift+tab).
_CONTINUES = frozenset("[O]PX^_\\") | {
    key[1] for key in ANSI_SEQUENCES_KEYS if len(key) >= 2 and key[0] == ESC and key[1] != ESC
}
_PASTE_START, _PASTE_END = "\x1b[200~", "\x1b[201~"


class EscapeFirstReader:
    """Feeds Textual's parser, but gives an ESC that starts no sequence as the escape key.

    An ESC that ends a read is held back until the next read shows what follows it, or until
    Textual's own delay is over (then it is the escape key). Inside a bracketed paste every
    byte goes to the parser untouched: pasted text is not keys."""

    def __init__(self, parser: XTermParser, alt_characters: Iterable[str] = ()) -> None:
        self.parser = parser
        self.alt_characters = frozenset(alt_characters)  # ESC x stays alt+x for these
        self.held_since: float | None = None
        self.pasting = False
        self._tail = ""  # the end of the last read: a paste marker may go on in the next

    def feed(self, text: str) -> Iterator[Message]:
        if self.held_since is not None:
            self.held_since = None
            text = ESC + text
        else:
            self._marker_across(text)
        self._tail = text[-len(_PASTE_START) :]
        start = at = 0
        while (at := text.find(ESC, at)) >= 0:
            if self.pasting or text.startswith(_PASTE_START, at):
                self.pasting = not text.startswith(_PASTE_END, at)
                at += 1
                continue
            if at + 1 == len(text):  # what follows comes in a later read, or never
                yield from self._parse(text[start:at])
                self.held_since = get_time()
                return
            follower = text[at + 1]
            if follower in _CONTINUES or follower in self.alt_characters:
                at += 1  # the parser reads the sequence
                continue
            yield from self._parse(text[start:at])
            yield events.Key("escape", ESC)
            start = at = at + 1
        yield from self._parse(text[start:])

    def _marker_across(self, text: str) -> None:
        """A paste marker begun at the end of the last read and ended in this one (ssh splits
        anywhere): the paste begins or ends there."""
        joined = self._tail + text
        for marker, pasting in ((_PASTE_START, True), (_PASTE_END, False)):
            at = joined.find(marker, max(0, len(self._tail) - len(marker) + 1))
            if 0 <= at < len(self._tail):
                self.pasting = pasting

    def _parse(self, text: str) -> Iterable[Message]:
        return self.parser.feed(text) if text else ()  # "" would be the end of input to it

    def tick(self) -> Iterator[Message]:
        """What time alone decides: a held ESC with nothing after it is the escape key."""
        if self.held_since is not None and get_time() >= self.held_since + ESCAPE_DELAY:
            self.held_since = None
            yield events.Key("escape", ESC)
        yield from self.parser.tick()

    def timeout(self, parser_timeout: float | None) -> float | None:
        """How long the input thread may sleep, given the parser's own wish."""
        if self.held_since is None:
            return parser_timeout
        mine = max(0.0, self.held_since + ESCAPE_DELAY - get_time())
        return mine if parser_timeout is None else min(mine, parser_timeout)
