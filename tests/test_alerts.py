"""Alert rules without a terminal: what an OSC string may hold, quiet hours, reminder timing."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from chat_console.alerts import (
    AlertRules,
    Desktop,
    Kind,
    QuietHours,
    Reminders,
    desktop_sequence,
    osc_safe,
)
from chat_console.config import ConfigError, load_settings
from chat_console.tui.console_config import ConsoleConfig

HOSTILE = "Eve\x1b]52;c;cm0=\x07;x\x1b\\\x9c\x9d\u202e\ud800\nline\ttwo"
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_nothing_in_an_osc_string_can_end_it_or_start_a_field() -> None:
    assert osc_safe(HOSTILE) == "Eve]52,c,cm0=,x\\ line two"
    for desktop in (Desktop.OSC9, Desktop.OSC777, Desktop.OSC99):
        sequence = desktop_sequence(desktop, "chat-console", f"new ticket: {HOSTILE}")
        body = sequence.split("Eve", 1)[1]
        terminator = "\x07" if desktop is not Desktop.OSC99 else "\x1b\\"
        assert body.count(terminator) == 1 and body.endswith(terminator)  # only its own
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in body[: -len(terminator)])
    assert desktop_sequence(Desktop.OSC777, "t;itle", "b;ody") == "\x1b]777;notify;t,itle;b,ody\x07"
    assert desktop_sequence(Desktop.OSC9, "chat-console", "x") == "\x1b]9;chat-console: x\x07"
    assert desktop_sequence(Desktop.OFF, "chat-console", "x") == ""
    assert len(osc_safe("y" * 10_000)) == 200


def test_quiet_hours_may_span_midnight() -> None:
    night = QuietHours.parse("22:00-07:00")
    assert night is not None
    assert time(23, 30) in night and time(3, 0) in night
    assert time(7, 0) not in night and time(12, 0) not in night
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch is not None and time(12, 30) in lunch and time(13, 0) not in lunch
    assert QuietHours.parse("") is None
    rules = AlertRules(quiet_hours=night, kinds=frozenset({Kind.NEW_TICKET}))
    assert rules.rings(Kind.NEW_TICKET, T0) and not rules.rings(Kind.REMINDER, T0)
    assert not rules.rings(Kind.NEW_TICKET, T0.replace(hour=23))


def test_a_waiting_ticket_is_reminded_after_remind_after_then_every_remind_every() -> None:
    reminders = Reminders(remind_after=60, remind_every=30)
    waiting = [("t-1", T0)]
    at = [T0 + timedelta(seconds=s) for s in (59, 60, 70, 89, 90, 121)]
    assert [reminders.due(waiting, now) for now in at] == [[], ["t-1"], [], [], ["t-1"], ["t-1"]]
    assert reminders.due([], T0 + timedelta(seconds=200)) == []  # accepted: forgotten
    assert reminders.due(waiting, T0 + timedelta(seconds=201)) == ["t-1"]  # new again: due


def test_the_next_reminder_is_due_remind_after_then_remind_every_after_the_last() -> None:
    reminders = Reminders(remind_after=60, remind_every=30)
    waiting = [("t-1", T0), ("t-2", T0 + timedelta(seconds=20))]
    assert reminders.next_due([]) is None  # nobody waits: no reminder to wake for
    assert reminders.next_due(waiting) == T0 + timedelta(seconds=60)
    assert reminders.due(waiting, T0 + timedelta(seconds=65)) == ["t-1"]
    assert reminders.next_due(waiting) == T0 + timedelta(seconds=80)  # t-2's first
    assert reminders.due(waiting, T0 + timedelta(seconds=80)) == ["t-2"]
    assert reminders.next_due(waiting) == T0 + timedelta(seconds=95)  # t-1's second


def test_a_ticket_waiting_since_the_calendars_last_day_is_never_due() -> None:
    reminders = Reminders(remind_after=60, remind_every=30)
    end = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)  # as a peer may send it
    assert reminders.next_due([("t-1", end)]) is None
    assert reminders.next_due([("t-1", end), ("t-2", T0)]) == T0 + timedelta(seconds=60)


def write(path: Path, text: str) -> Path:
    path.write_text('[auth]\ntoken = "tok"\n[operator]\nuser_id = "op-1"\n' + text)
    path.chmod(0o600)
    return path


def test_alerts_section_and_ui_reminder_keys_reach_the_console(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        "[ui]\nremind_after = 120\nremind_every = 30\n"
        '[alerts]\ndesktop = "osc777"\nquiet_hours = "22:00-07:00"\nreminder = false\n',
    )
    rules = ConsoleConfig.from_settings(load_settings(path, env={})).alerts
    assert rules.desktop is Desktop.OSC777
    assert rules.quiet_hours == QuietHours(time(22), time(7))
    assert Kind.REMINDER not in rules.kinds and Kind.NEW_TICKET in rules.kinds
    assert (rules.remind_after, rules.remind_every) == (120, 30)
    default = ConsoleConfig.from_settings(load_settings(write(path, ""), env={})).alerts
    assert default == AlertRules()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[alerts]\nquiet_hours = "late"\n', "alerts.quiet_hours: must be"),
        ('[alerts]\nquiet_hours = "25:00-07:00"\n', "alerts.quiet_hours: hours go to 23"),
        ('[alerts]\ndesktop = "growl"\n', "alerts.desktop"),
        ("[ui]\nremind_every = 0\n", "ui.remind_every"),
    ],
)
def test_a_wrong_alert_setting_names_its_key(tmp_path: Path, text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        load_settings(write(tmp_path / "c.toml", text), env={})
