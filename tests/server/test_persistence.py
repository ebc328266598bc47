"""`--db PATH`: tickets, messages and their statuses survive a restart of the server."""

from pathlib import Path

from chat_console.protocol import EmitEvent, ListenEvent, MessageStatus, TicketStatus
from chat_console.server.runner import running_server
from tests.helpers import Peer
from tests.server.conftest import accept, open_ticket, write


async def test_restart_with_a_file_database_keeps_tickets_and_messages(tmp_path: Path) -> None:
    db = str(tmp_path / "server.sqlite3")
    async with running_server(db_path=db) as first:
        customer, operator = Peer(), Peer()
        try:
            await customer.login(first.url, "cu1", "cu1pass", operator=False)
            await operator.login(first.url, "op1", "op1pass", operator=True)
            ticket = await open_ticket(customer)
            await accept(operator, ticket)
            assert await write(customer, "t-1", "m-1", "before the restart") is None
            await operator.next(ListenEvent.MESSAGE_UPDATED)
            read = ("m-1", 3, "op-1", "cu-1", False)
            assert await operator.call(EmitEvent.UPDATE_MESSAGE_STATUS, *read) is None
        finally:
            await customer.close()
            await operator.close()

    async with running_server(db_path=db) as second:
        (stored,) = second.store.tickets()
        assert stored.ticket_id == "t-1" and stored.status_id == TicketStatus.OPEN
        assert stored.handle_by_id == "op-1"
        (message,) = second.store.messages("t-1")
        assert message.content == "before the restart"
        assert message.status_id == MessageStatus.READ
        # and the conversation goes on: a re-sent m-1 is still the same message
        customer = Peer()
        try:
            await customer.login(second.url, "cu1", "cu1pass", operator=False)
            assert await write(customer, "t-1", "m-1", "before the restart") is None
            assert await write(customer, "t-1", "m-2", "after the restart") is None
        finally:
            await customer.close()
        assert [m.message_id for m in second.store.messages("t-1")] == ["m-1", "m-2"]


async def test_the_database_and_its_wal_and_shm_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    older = tmp_path / "older.sqlite3"
    older.touch(mode=0o644)
    older.chmod(0o644)  # as a server before this one left it
    for path in (db, older):
        async with running_server(db_path=str(path)) as server:
            customer = Peer()
            try:
                await customer.login(server.url, "cu1", "cu1pass", operator=False)
                await open_ticket(customer)
            finally:
                await customer.close()
            files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
            modes = {f.name: f.stat().st_mode & 0o777 for f in files}
            assert modes == {f.name: 0o600 for f in files}
