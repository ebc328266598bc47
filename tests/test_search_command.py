"""`chat-console search QUERY [--ticket ID] [--json]`: one line per match of the configured
operator's history, newest first, with nothing a customer wrote reaching the terminal as control
characters; JSON lines carry the raw text, escaped."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chat_console.cli import main
from chat_console.protocol import Message, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageUpdated, TicketCreated
from chat_console.store import HistoryLock, Store
from chat_console.store.history import history_file

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
HOSTILE = "refund \x1b[2J\x1b]52;c;eA==\x07 [bold red]now[/] \u202eevil \ud800 end\nsecond line"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[server]\nurl = "http://127.0.0.1:9"\n[auth]\ntoken = "t0ken"\n'
        '[operator]\nuser_id = "op-1"\n'
    )
    path.chmod(0o600)
    for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return path


def fill(tmp_path: Path) -> Path:
    """A history as a console leaves it, from the protocol events it applied."""
    path = history_file("op-1", "127.0.0.1:9", tmp_path / "xdg_data_home" / "chat-console")
    store = Store(path, operator_id="op-1")

    def message(tid: str, mid: str, content: str, sender: str, name: str) -> MessageUpdated:
        return MessageUpdated(
            Message(
                ticket_id=tid,
                message_id=mid,
                content=content,
                sender_id=sender,
                sender_nm=name,
                created_at=AT,
            )
        )

    store.apply_batch(
        [
            TicketCreated(
                Ticket(
                    ticket_id="t-1",
                    ticket_nm="Order \x1b[31m#12 [link]",
                    owner_id="cu-1",
                    owner_nm="Carl\x07 [i]",
                    status_id=TicketStatus.OPEN,
                )
            ),
            TicketCreated(Ticket(ticket_id="t-2", ticket_nm="Other", owner_nm="Dora")),
            message("t-1", "m-1", HOSTILE, "cu-1", "Carl\x1b[8m"),
            message("t-1", "m-2", "thanks, the refund came", "op-1", "Olga"),
            message("t-2", "m-3", "where is my refund?", "cu-2", "Dora"),
            message("t-2", "m-4", "unrelated", "cu-2", "Dora"),
        ]
    )
    store.close()
    return path


def test_one_safe_line_per_match_newest_first(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    assert main(["search", "refund", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].split("\t")[0::4] == ["Other", "where is my refund?"]
    assert lines[1].split("\t")[3:] == ["Olga", "thanks, the refund came"]
    ticket, customer, when, sender, line = lines[2].split("\t")
    assert ticket == "Order ␛[31m#12 [link]" and customer == "Carl␇ [i]"
    assert when == f"{AT.astimezone():%Y-%m-%d %H:%M}" and sender == "Carl␛[8m"
    assert line.startswith("refund ␛[2J␛]52;c;eA==␇ [bold red]now[/] \\u202eevil ")
    assert line.endswith(" end")  # the matching line only, not the second one
    for text in lines:
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text.replace("\t", ""))


def test_json_lines_carry_the_raw_text_escaped(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    assert main(["--config", str(config), "search", "evil", "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and out.isascii()
    (found,) = [json.loads(line) for line in out.splitlines()]
    assert found["ticket_id"] == "t-1" and found["message_id"] == "m-1"
    assert found["text"].startswith("refund \x1b[2J\x1b]52;c;eA==\x07 [bold red]now[/] \u202eevil")
    assert found["text"].endswith("end\nsecond line") and "\ud800" not in found["text"]
    assert found["ticket"] == "Order \x1b[31m#12 [link]" and found["customer"] == "Carl\x07 [i]"
    assert found["time"] == AT.isoformat()


def test_ticket_narrows_and_nothing_found_exits_1_as_grep(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    assert main(["search", "refund", "--ticket", "t-2", "--config", str(config)]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["Other"]
    assert main(["--config", str(config), "search", "nowhere"]) == 1
    assert capsys.readouterr().out == ""


def test_search_reads_a_history_another_console_owns_and_writes_nothing(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = fill(tmp_path)
    owner = HistoryLock(path)
    assert owner.acquire(AT)
    try:
        before = path.read_bytes()
        assert main(["search", "unrelated", "--config", str(config)]) == 0
        assert path.read_bytes() == before
    finally:
        owner.release()
    assert capsys.readouterr().out.split("\t")[-1] == "unrelated\n"


def test_search_is_a_command_of_its_own(tmp_path: Path, config: Path) -> None:
    """The real entry point, in its own process: the terminal gets no control character."""
    fill(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "chat_console", "search", "refund", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg_data_home")},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout
    assert done.stdout.count(b"\n") == 3


def test_no_history_yet_says_where_it_looked(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "x", "--config", str(config)]) == 1
    assert "no history at " in capsys.readouterr().err
