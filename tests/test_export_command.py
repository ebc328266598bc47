"""`chat-console export TICKET_ID [--format markdown|text|json] [--output FILE]`: the whole
conversation from the local history, oldest first, with senders, times and delivery state;
images as files beside the transcript; nothing a customer wrote reaches a terminal or a Markdown
viewer as anything but text."""

import base64
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chat_console.cli import main
from chat_console.protocol import Message, MessageStatus, MessageType, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageStatusUpdated, MessageUpdated, TicketCreated
from chat_console.store import Store
from chat_console.store.history import history_file
from tests.test_search_command import config as search_config

config = pytest.fixture(search_config.__wrapped__, name="config")  # the same config file

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
HOSTILE = "see [this](http://evil.example) **now** \x1b]52;c;eA==\x07 <b>x</b>\n# not a heading"


def fill(tmp_path: Path, window: int | None = None) -> Path:
    """A history as a console leaves it, from the protocol events it applied."""
    path = history_file("op-1", "127.0.0.1:9", tmp_path / "xdg_data_home" / "chat-console")
    store = Store(path, operator_id="op-1")

    def message(n: int, content: str, sender: str = "cu-1", **extra: object) -> Message:
        return Message.model_validate(
            {
                "ticketId": "t-1",
                "messageId": f"m-{n}",
                "content": content,
                "senderId": sender,
                "senderNm": "Olga" if sender == "op-1" else "Carl \x1b[31m[b]",
                "createdAt": (AT + timedelta(minutes=n)).isoformat(),
                **extra,
            }
        )

    store.apply_batch(
        [
            TicketCreated(
                Ticket(
                    ticket_id="t-1",
                    ticket_nm="Order #12 [x](y)",
                    owner_id="cu-1",
                    owner_nm="Carl",
                    status_id=TicketStatus.OPEN,
                )
            ),
            MessageUpdated(message(1, HOSTILE)),
            MessageUpdated(message(2, "we are on it", "op-1", statusId=2)),
            MessageStatusUpdated("m-2", MessageStatus.READ),
            MessageUpdated(message(3, base64.b64encode(PNG).decode(), type=MessageType.IMAGE)),
            MessageUpdated(message(4, "not base64 !!", type=MessageType.IMAGE)),
        ]
    )
    store.record_outgoing(message(5, "one more thing", "op-1"))
    store.mark_failed("m-5", "too fast \x1b[5m")
    for n in range(6, 6 + (window or 0)):
        store.apply_batch([MessageUpdated(message(n, f"later {n}"))])
    store.close()
    return path


def test_markdown_to_a_file_with_the_images_beside_it(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    out = tmp_path / "out" / "t1.md"
    out.parent.mkdir()
    assert main(["export", "t-1", "--output", str(out), "--config", str(config)]) == 0
    assert f"exported to {out}" in capsys.readouterr().err
    text = out.read_text()
    assert text.startswith("# Order \\#12 \\[x\\]\\(y\\)\n")
    assert "\x1b" not in text and "\x07" not in text
    assert "> see \\[this\\]\\(http://evil\\.example\\) \\*\\*now\\*\\* ␛\\]52;c;eA==␇" in text
    assert "> \\# not a heading" in text and "<b>" not in text
    order = [
        text.index(f"· {(AT + timedelta(minutes=n)).astimezone():%Y-%m-%d %H:%M} ·")
        for n in range(1, 6)
    ]
    assert order == sorted(order)  # oldest first
    assert "**Olga** ·" in text and " · read\n" in text and " · failed\n" in text
    assert "error: too fast ␛\\[5m" in text
    assert "![image](t1-images/m-3.png)" in text
    assert (out.parent / "t1-images" / "m-3.png").read_bytes() == PNG
    assert "[image: invalid data]" in text.replace("\\", "")


def test_text_and_json_to_stdout(
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fill(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--config", str(config), "export", "t-1", "--format", "text"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Order #12 [x](y) (t-1)\ncustomer: Carl\n")
    assert "Carl ␛[31m[b] (received)" in text and "\x1b" not in text
    assert "    # not a heading" in text and "[image: t-1-images/m-3.png]" in text
    assert (tmp_path / "t-1-images" / "m-3.png").read_bytes() == PNG
    assert main(["export", "t-1", "--format", "json", "--config", str(config)]) == 0
    raw = capsys.readouterr().out
    assert "\x1b" not in raw
    document = json.loads(raw)
    messages = document["messages"]
    assert [m["message_id"] for m in messages] == ["m-1", "m-2", "m-3", "m-4", "m-5"]
    assert messages[0]["text"] == HOSTILE and messages[0]["sender"] == "Carl \x1b[31m[b]"
    assert [m["state"] for m in messages] == ["received", "read", "received", "received", "failed"]
    assert messages[2]["image"] == "t-1-images/m-3.png" and messages[3]["image"] is None
    assert messages[4]["error"] == "too fast \x1b[5m"
    assert messages[0]["time"] == (AT + timedelta(minutes=1)).isoformat()


def test_a_long_history_is_exported_whole(
    tmp_path: Path,
    config: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More than the console keeps in memory (HISTORY_WINDOW): the file's whole conversation."""
    fill(tmp_path, window=250)
    monkeypatch.chdir(tmp_path)  # where its images go
    assert main(["export", "t-1", "--format", "json", "--config", str(config)]) == 0
    assert len(json.loads(capsys.readouterr().out)["messages"]) == 255


def test_an_unknown_ticket_exits_1(
    tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(tmp_path)
    assert main(["export", "nope", "--config", str(config)]) == 1
    assert "no ticket 'nope' in the history" in capsys.readouterr().err


def test_export_is_a_command_of_its_own(tmp_path: Path, config: Path) -> None:
    fill(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "chat_console", "--config", str(config), "export", "t-1"],
        cwd=tmp_path,
        capture_output=True,
        env={
            **os.environ,
            "XDG_DATA_HOME": str(tmp_path / "xdg_data_home"),
            "PYTHONPATH": str(ROOT / "src"),
        },
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"# Order") and b"\x1b" not in done.stdout
