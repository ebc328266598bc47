"""The log stays bounded whatever a server sends: records are cut, the file rotates, and the
Engine.IO packet dumps (every payload, whole) are not written even at DEBUG."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_console import redaction


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for handler in root.handlers:
        handler.close()
    root.handlers[:], root.level = handlers, level


def test_a_flood_of_long_records_leaves_a_few_bounded_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restored_logging: None
) -> None:
    monkeypatch.setattr(redaction, "LOG_FILE_BYTES", 20_000)
    path = tmp_path / "logs" / "console.log"
    redaction.configure_logging(path, logging.DEBUG)
    payload = "p" * 1_000_000
    for n in range(100):
        logging.getLogger("chat_console.test").warning("received %s: %s", n, payload)
    logging.getLogger("engineio.client").info("Received packet MESSAGE data %s", payload)

    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == [
        "console.log",
        "console.log.1",
        "console.log.2",
        "console.log.3",
    ]
    assert sum(f.stat().st_size for f in files) < 4 * 25_000
    text = path.read_text()
    assert "received 99: ppp" in text and "characters cut)" in text
    assert "Received packet" not in "".join(f.read_text() for f in files)
