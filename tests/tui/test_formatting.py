"""Wrapping and cutting measure what the terminal draws: no line is wider than asked for, and no
character is lost on the way (issue 10: emoji with VS16 were cut as one cell)."""

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len

from chat_console.tui.formatting import format_wait, wait_label_changes_at, wrap

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


def test_a_waiting_time_counts_seconds_only_in_its_first_minute() -> None:
    shown = [format_wait(s) for s in (0, 59, 60, 119, 120, 3599, 3600, 3660, 86400 + 7200)]
    assert shown == ["0s", "59s", "1m", "1m", "2m", "59m", "1h00m", "1h01m", "1d02h"]


@given(st.floats(min_value=-120, max_value=40 * 86_400, allow_nan=False))
def test_a_waiting_time_reads_the_same_until_the_moment_its_next_change_is_due(
    seconds: float,
) -> None:
    at = wait_label_changes_at(seconds)
    assert at > seconds
    assert format_wait(at) != format_wait(seconds)
    just_before = max(seconds, at - 0.001)
    assert format_wait(just_before) == format_wait(seconds)


def test_a_waiting_time_changes_by_the_second_then_minute_then_hour() -> None:
    changes = [wait_label_changes_at(s) for s in (-5, 0, 0.5, 59.9, 60, 90, 3599, 86_399, 90_000)]
    assert changes == [1, 1, 1, 60, 120, 120, 3600, 86_400, 93_600]
