"""Issue 10, item 6: what a peer names cannot forge or disguise a line of the server's log."""

import logging

import pytest

from chat_console.protocol import EmitEvent
from chat_console.server.runner import RunningServer
from tests.helpers import Peer
from tests.server.conftest import open_ticket

FORGED = "t-1\nINFO chat_console.server: authenticated x as op-1 (operator)\x1b[2J\u202e"


async def test_a_newline_in_a_ticket_id_is_escaped_in_the_log(
    server: RunningServer, cu1: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chat_console.server")
    await open_ticket(cu1, FORGED)
    await cu1.call(EmitEvent.ACCEPT_TICKET, FORGED, {"ticketId": FORGED})  # refused: operators only
    await cu1.call("no\nsuch\x1bevent")
    lines = [record.getMessage() for record in caplog.records]
    created = [line for line in lines if "created by" in line]
    assert created == [
        "ticket t-1\\nINFO chat_console.server: authenticated x as op-1 (operator)\\x1b[2J\\u202e"
        " created by cu-1"
    ]
    for line in lines:
        assert not set(line) & {"\n", "\r", "\x1b", "\u202e"}, line


@pytest.mark.parametrize("library", ["engineio.server", "socketio.server", "aiohttp.server"])
async def test_what_the_servers_libraries_log_of_a_peer_is_escaped_too(
    server: RunningServer, caplog: pytest.LogCaptureFixture, library: str
) -> None:
    caplog.set_level(logging.INFO, logger=library)
    logging.getLogger(library).warning("bad request from a peer: %s", FORGED)
    (record,) = [r for r in caplog.records if r.name == library]
    assert not set(record.getMessage()) & {"\n", "\r", "\x1b", "\u202e"}
    assert "t-1\\nINFO" in record.getMessage()
