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


# Characters whose width Rich and terminals disagree on (issue 10), and what joins them.
WIDTH_DISAGREEING = "\u3164\u115f\u1160\uffa0\u200b\u200d\u00ad\u2060\ufeff\ufe0f\ufe0e\ud800\udfff"
TAGS = "".join(map(chr, range(0xE0000, 0xE0080, 7)))
width_text = st.text(
    alphabet=st.characters(codec="utf-8")
    | st.sampled_from(WIDTH_DISAGREEING + TAGS + "\u2764\U0001f468\U0001f469\U0001f3fd\u0301ab "),
    max_size=40,
)


def test_width_disagreeing_characters_become_visible_or_go() -> None:
    assert one_line("Cliff\u3164\u3164X") == "Cliff\\u3164\\u3164X"
    assert safe_text("hello \ud800 there") == "hello \\ud800 there"
    assert safe_text("tag\U000e0041") == "tag\\U000e0041"
    assert safe_text("soft\u00adhy zw\u200bsp") == "soft\\xadhy zw\\u200bsp"
    # Presentation only: the character they join or colour stays.
    assert safe_text("\u2764\ufe0f \U0001f468\u200d\U0001f469 \U0001f44d\U0001f3fd") == (
        "\u2764 \U0001f468\U0001f469 \U0001f44d"
    )


@given(width_text)
def test_what_is_shown_measures_the_same_by_cluster_and_by_code_point(text: str) -> None:
    """Where the two measures agree, no character's width depends on its neighbours: what the
    console counts is what a terminal that knows nothing of clusters draws."""
    from rich.cells import cell_len

    for shown in (safe_text(text), one_line(text)):
        assert cell_len(shown) == sum(cell_len(ch) for ch in shown)
        assert not set(shown) & set(WIDTH_DISAGREEING + TAGS)
        shown.encode("utf-8")  # no lone surrogate left: it would not reach the terminal at all


def test_every_code_point_comes_out_safe_and_encodable() -> None:
    every = "".join(map(chr, range(0x110000)))
    for shown in (safe_text(every), one_line(every)):
        assert is_safe(shown)
        shown.encode("utf-8")  # no lone surrogate reaches the terminal
    assert "\n" not in one_line(every) and "\t" not in one_line(every)
    assert "\x1b" not in safe_text(every) and "\u3164" not in safe_text(every)
