"""Wrapping and cutting measure what the terminal draws: no line is wider than asked for, and no
character is lost on the way (issue 10: emoji with VS16 were cut as one cell)."""

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from chat_console.tui.formatting import wrap

clusters = st.sampled_from(
    ["\u2764\ufe0f", "\U0001f468\u200d\U0001f469", "e\u0301", "\u754c", "\U0001f600", "a", " "]
)
text = st.lists(clusters | st.characters(codec="utf-8"), max_size=60).map("".join)


@given(text, st.integers(min_value=2, max_value=12))
def test_no_wrapped_line_is_wider_than_the_width_and_nothing_is_lost(
    words: str, width: int
) -> None:
    lines = wrap(words, width)
    assert all(cell_len(line) <= width for line in lines), lines
    assert "".join(lines).replace(" ", "") == words.replace(" ", "").replace("\n", "")


def test_a_long_word_of_emoji_is_cut_between_clusters() -> None:
    assert wrap("ab\u2764\ufe0fcd", 3) == ["ab", "\u2764\ufe0fc", "d"]
