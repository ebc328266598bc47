"""The escape key as the operator typed it: what `EscapeFirstReader` gives for what the terminal
sends, against Textual's own parser (the pty test in test_input_thread.py runs it for real)."""

import time

from textual import events
from textual._xterm_parser import XTermParser
from textual.constants import ESCAPE_DELAY
from textual.message import Message

from chat_console.tui.escape_key import EscapeFirstReader


def read(*reads: str, alt: str = "") -> list[str]:
    """The keys (and pastes) from these reads, each once the escape delay is over."""
    reader = EscapeFirstReader(XTermParser(), alt)
    got: list[Message] = []
    for text in reads:
        got += list(reader.feed(text))
        time.sleep(ESCAPE_DELAY * 1.5)
        got += list(reader.tick())
    return names(got)


def names(messages: list[Message]) -> list[str]:
    return [
        m.key if isinstance(m, events.Key) else f"{type(m).__name__}:{getattr(m, 'text', '')}"
        for m in messages
    ]


def textual(text: str) -> list[str]:
    parser = XTermParser()
    got = list(parser.feed(text))
    time.sleep(ESCAPE_DELAY * 1.5)
    got += list(parser.tick())
    return names(got)


def test_escape_and_the_key_after_it_in_one_read_are_two_keys() -> None:
    assert textual("\x1ba") == ["alt+a"] and read("\x1ba") == ["escape", "a"]
    assert textual("\x1b\r") == ["enter"] and read("\x1b\r") == ["escape", "enter"]
    assert read("\x1b/", "\x1b\x05") == ["escape", "slash", "escape", "ctrl+e"]
    assert read("\x1b\x1bv") == ["escape", "escape", "v"]


def test_an_escape_ending_a_read_waits_for_the_next_one() -> None:
    reader = EscapeFirstReader(XTermParser())
    assert list(reader.feed("\x1b")) == []
    assert reader.timeout(None) is not None  # the input thread wakes for it
    assert names(list(reader.feed("n"))) == ["escape", "n"]
    assert read("\x1b", "[A") == ["escape", "left_square_bracket", "A"]  # the delay was over
    assert read("\x1b") == ["escape"]


def test_sequences_chords_and_pastes_are_read_as_textual_reads_them() -> None:
    for text in ("\x1b[A", "\x1bOP", "\x1b[1;5C", "\x1b[200~hi \x1bq\x1b[201~", "\x1b[I"):
        assert read(text) == textual(text), repr(text)
    assert read("\x1bx", alt="x") == ["alt+x"] == textual("\x1bx")
    # Pairs Textual knows as keys (review: alt+backspace became Esc, then backspace).
    for text in ("\x1b\x7f", "\x1bb", "\x1bf", "\x1b\t", "\x1b1"):
        assert read(text) == textual(text), repr(text)


def read_at_once(*reads: str) -> list[str]:
    """Reads that come one right after the other (ssh splits anywhere), then the delay."""
    reader = EscapeFirstReader(XTermParser())
    got: list[Message] = []
    for text in reads:
        got += list(reader.feed(text))
    time.sleep(ESCAPE_DELAY * 1.5)
    return names(got + list(reader.tick()))


def test_a_paste_marker_split_across_reads_still_starts_or_ends_the_paste() -> None:
    # Review: the reader stayed "pasting", and Esc Enter was one Enter again.
    after = ["Paste:hello", "escape", "enter"]
    assert read_at_once("\x1b[200~hello\x1b[20", "1~", "\x1b\r") == after
    assert read_at_once("\x1b[200~hello\x1b", "[201~", "\x1b\r") == after
    # An ESC in the pasted text is not the escape key (Textual leaks it as keys of its own).
    textual_alone = XTermParser()
    got = list(textual_alone.feed("\x1b[200~red\x1b(B\x1b[201~"))
    assert read_at_once("\x1b[20", "0~red\x1b(B\x1b[201~") == names(got)
