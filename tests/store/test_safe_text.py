from hypothesis import given
from hypothesis import strategies as st

from chat_console.store.safe_text import is_safe, one_line, safe_text


def test_escape_and_c1_become_visible_stand_ins() -> None:
    assert safe_text("a\x1b[31mred") == "a\u241b[31mred"
    assert safe_text("nul\x00") == "nul\u2400"
    assert safe_text("del\x7f") == "del\u2421"
    assert safe_text("csi\x9b2J") == "csi\\x9b2J"


def test_bidi_overrides_are_shown_not_obeyed() -> None:
    assert safe_text("abc\u202edef") == "abc\\u202edef"
    assert safe_text("x\u2066y") == "x\\u2066y"


def test_newline_survives_and_tabs_become_spaces() -> None:
    # A raw tab is zero cells to Rich but moves the terminal's cursor: it must not get through.
    assert safe_text("a\nb\tc") == "a\nb   c"
    assert "\n" not in one_line("a\nb") and "\t" not in one_line("a\tb")


def test_markup_looking_text_is_left_alone_for_the_widget_to_show_literally() -> None:
    assert safe_text("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"


def test_none_is_empty() -> None:
    assert safe_text(None) == "" and one_line(None) == ""


@given(st.text())
def test_output_is_always_safe(text: str) -> None:
    assert is_safe(safe_text(text))
    cleaned = one_line(text)
    assert is_safe(cleaned) and "\n" not in cleaned
