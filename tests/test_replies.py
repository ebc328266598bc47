"""Reply files: names, what is unusable, placeholders filled in one pass, fuzzy order."""

from pathlib import Path

from chat_console.config import load_settings
from chat_console.replies import Reply, fill, fuzzy_match, load_replies, trigger_before
from chat_console.tui.console_config import ConsoleConfig

MINIMAL = '[auth]\ntoken = "tok"\n[operator]\nuser_id = "op-1"\n'


def test_the_folder_is_beside_the_config_file_unless_ui_replies_dir_says(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    path.chmod(0o600)
    assert ConsoleConfig.from_settings(load_settings(path, env={})).replies_dir == (
        tmp_path / "replies"
    )
    path.write_text(MINIMAL + '[ui]\nreplies_dir = "team"\n', encoding="utf-8")
    assert ConsoleConfig.from_settings(load_settings(path, env={})).replies_dir == (
        tmp_path / "team"  # relative to the config file, not to wherever the console started
    )


def test_names_drop_md_and_txt_and_other_files_are_not_replies(tmp_path: Path) -> None:
    (tmp_path / "hello.md").write_text("Hi\n\n", encoding="utf-8")
    (tmp_path / "bye.TXT").write_text("Bye", encoding="utf-8")
    (tmp_path / "notes.org").write_text("not a reply", encoding="utf-8")
    loaded = load_replies(tmp_path)
    assert loaded.replies == (Reply("bye", "Bye"), Reply("hello", "Hi"))
    assert loaded.problems == ()
    assert load_replies(tmp_path / "missing") == load_replies(None)


def test_a_value_filled_in_is_never_read_as_a_placeholder() -> None:
    filled = fill("Hi {customer}, {operator} here", {"customer": "{operator}", "operator": "Olga"})
    assert filled.text == "Hi {operator}, Olga here"
    assert filled.cursor is None


def test_the_cursor_goes_to_the_first_placeholder_left_after_filling() -> None:
    filled = fill("{customer}: order {order} on {date}", {"customer": "Carl Customer"})
    assert filled.text == "Carl Customer: order {order} on {date}"
    assert filled.cursor == len("Carl Customer: order ")


def test_fuzzy_ranks_tight_early_matches_first() -> None:
    replies = tuple(Reply(n, "") for n in ("big_refund", "greeting", "refund", "shipping"))
    assert [r.name for r in fuzzy_match(replies, "rf")] == ["refund", "big_refund"]
    assert [r.name for r in fuzzy_match(replies, "")] == [r.name for r in replies]


def test_a_reply_name_starts_after_a_space_or_at_the_start() -> None:
    assert trigger_before("::gr", 4) == (0, "gr")
    assert trigger_before("ok ::gr", 7) == (3, "gr")
    assert trigger_before("http::gr", 8) is None
    assert trigger_before("::gr later", 4) == (0, "gr")
