"""The resync costs what changed: counted at the reference server (what its HTTP extras answered),
across reconnects and restarts, and with the fallback for a server without cursors."""

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from chat_console.client import ConnectionState, OperatorClient, StaticToken
from chat_console.client.courier import Courier
from chat_console.client.errors import ClientError
from chat_console.client.resync import resync
from chat_console.protocol import EmitEvent, Message, MessageStatus, Ticket, emits, now_utc
from chat_console.protocol.inbound import MessageUpdated
from chat_console.server.runner import RunningServer
from chat_console.store import Store
from tests.client.conftest import ClientFactory, Recorder, open_ticket
from tests.client.test_courier import oauth
from tests.client.tiny_server import tiny_server
from tests.helpers import Peer, eventually

LONG = 300  # a conversation longer than one page (200)


def seed_history(
    server: RunningServer, ticket: Ticket, count: int, status: MessageStatus = MessageStatus.READ
) -> list[str]:
    """`count` messages of the customer, stored at the server as if written earlier."""
    start = now_utc() - timedelta(days=1)
    ids = [f"old-{n:05d}" for n in range(count)]
    for n, message_id in enumerate(ids):
        server.store.add_message(
            Message(
                ticket_id=ticket.ticket_id,
                message_id=message_id,
                content=f"earlier {n}",
                sender_id=ticket.owner_id,
                recipient_id="op-1",
                created_at=start + timedelta(seconds=n),
                status_id=status,
            )
        )
    return ids


async def customer_writes(customer: Peer, ticket: Ticket, count: int) -> list[str]:
    ids = []
    for n in range(count):
        message = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content=f"{n}")
        assert (
            await customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, ""))
            is None
        )
        ids.append(message.message_id)
    return ids


async def online_courier(
    server: RunningServer, make_client: ClientFactory, store: Store
) -> tuple[OperatorClient, Recorder, Courier]:
    client, recorder = await make_client(server.url, tokens=oauth(server), start=False)
    courier = Courier(client, store)
    await client.start()
    assert client.state is ConnectionState.ONLINE
    await eventually(lambda: courier.resyncs >= 1)
    return client, recorder, courier


async def long_conversation(
    server: RunningServer, cu1: Peer, recorder: Recorder, client: OperatorClient
) -> Ticket:
    ticket = await open_ticket(cu1, recorder, "Long story")
    seed_history(server, ticket, LONG)
    for n in range(3):  # other open tickets, which do not change
        await open_ticket(cu1, recorder, f"Quiet {n}")
    return ticket


async def reconnect(client: OperatorClient, courier: Courier) -> None:
    resyncs = courier.resyncs
    await client.start()
    await eventually(lambda: courier.resyncs > resyncs)


async def test_a_reconnect_after_new_messages_fetches_only_those(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    store = Store(":memory:", operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await long_conversation(server, cu1, recorder, client)
    await client.drop_link("away")
    await client.wait_for_state(ConnectionState.ONLINE, 5)
    await eventually(lambda: courier.resyncs >= 2)
    await client.stop()
    served = server.served.messages, server.served.tickets

    new = await customer_writes(cu1, ticket, 3)
    await reconnect(client, courier)

    assert server.served.messages - served[0] == 3
    assert server.served.tickets - served[1] == 1  # the one ticket whose messages moved
    assert all(store.message(i) is not None for i in new)


async def test_the_cursor_survives_a_restart_of_the_console(
    server: RunningServer, make_client: ClientFactory, cu1: Peer, tmp_path: Path
) -> None:
    path = tmp_path / "history.sqlite3"
    store = Store(path, operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await long_conversation(server, cu1, recorder, client)
    await client.drop_link("away")  # one resync that sees the long conversation
    await eventually(lambda: courier.resyncs >= 2)
    await client.stop()
    store.close()
    new = await customer_writes(cu1, ticket, 2)
    served = server.served.messages

    again = Store(path, operator_id="op-1")
    assert again.cursor(server.url) is not None
    await online_courier(server, make_client, again)

    assert server.served.messages - served == 2
    assert all(again.message(i) is not None for i in new)


@pytest.mark.server(http_cursors=False)
async def test_without_cursors_each_open_conversation_costs_its_newest_page(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    store = Store(":memory:", operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await long_conversation(server, cu1, recorder, client)
    await client.drop_link("away")
    await eventually(lambda: courier.resyncs >= 2)
    ids = store.message_ids(ticket.ticket_id)
    assert len(ids) == 200 and ids[0] == f"old-{LONG - 200:05d}"  # older ones wait for a scroll
    assert store.cursor(server.url) is None

    await client.stop()
    served = server.served.messages
    new = await customer_writes(cu1, ticket, 250)  # more than a page while away: whole
    await reconnect(client, courier)
    assert all(store.message(i) is not None for i in new)
    assert server.served.messages - served == 400  # two pages of it, back to what it had
    # Stored whole and in order; what memory holds of a ticket read in is its newest window.
    assert list(store.message_ids(ticket.ticket_id)) == new[-200:]
    assert store.load_older(ticket.ticket_id, 50) == 50
    assert list(store.message_ids(ticket.ticket_id)) == new


@pytest.mark.parametrize(
    "cursor",
    ["e1.\ud800", "e1.\x1b]0;owned\x07", "e1." + "9" * 100_000, 17],
    ids=["lone-surrogate", "control-characters", "huge", "not-text"],
)
async def test_a_cursor_no_store_should_keep_is_not_kept_and_the_store_loads_again(
    make_client: ClientFactory, tmp_path: Path, cursor: object
) -> None:
    api = {"/api/tickets": {"tickets": [], "next": cursor, "more": False}}
    path = tmp_path / "history.sqlite3"
    async with tiny_server(api=api) as tiny:
        store = Store(path, operator_id="op-1")
        store.save_cursor(tiny.url, "e1.5")  # from an earlier resync
        client, _ = await make_client(tiny.url, tokens=StaticToken("t"), start=False)
        courier = Courier(client, store)
        await client.start()
        await eventually(lambda: courier.resyncs >= 1)
        await client.stop()
        store.close()
        again = Store(path, operator_id="op-1")
        assert again.cursor(tiny.url) is None  # the fallback next time, not a broken cursor
        again.save_cursor(tiny.url, "e1.6")
        again.close()
        assert Store(path, operator_id="op-1").cursor(tiny.url) == "e1.6"


async def test_a_late_receipt_deep_in_the_history_is_left_for_scrolling_up(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    store = Store(":memory:", operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await open_ticket(cu1, recorder, "Long story")
    ids = seed_history(server, ticket, LONG, MessageStatus.DELIVERED)
    store.save_cursor(server.url, None)  # a first resync: the newest page only
    await client.drop_link("away")
    await eventually(lambda: courier.resyncs >= 2)
    assert store.message_ids(ticket.ticket_id)[0] == ids[100]
    deep = server.store.get_message(ids[0])
    assert deep is not None
    await client.mark_read(deep)  # another console of op-1 read it, say

    await client.drop_link("away again")
    await eventually(lambda: courier.resyncs >= 3)
    assert store.message(ids[0]) is None  # not added below the page boundary
    assert store.message_ids(ticket.ticket_id)[0] == ids[100]


async def test_a_missed_message_is_fetched_though_more_than_a_window_came_live_after_it(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    """The chaos run's loss: a message in flight when the server died, and more than a window's
    worth (200) arriving live after it before the resync ran. "Older than anything the store
    holds" must mean the file, not the newest window that memory happens to hold."""
    store = Store(":memory:", operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await open_ticket(cu1, recorder, "Busy")
    earlier = await customer_writes(cu1, ticket, 1)  # the conversation was going on
    await client.drop_link("away")
    await eventually(lambda: courier.resyncs >= 2)
    assert store.message(earlier[0]) is not None
    await client.stop()
    missed = await customer_writes(cu1, ticket, 1)
    later = await customer_writes(cu1, ticket, 250)
    live = [server.store.get_message(i) for i in later]
    store.apply_batch([MessageUpdated(m) for m in live if m is not None])
    store.apply_batch([])  # the next batch: the ticket is not on screen, memory lets it go

    await reconnect(client, courier)

    assert store.message(missed[0]) is not None
    stored = [r.message_id for r in store.whole_conversation(ticket.ticket_id)]
    assert set(missed + later) <= set(stored)


async def test_a_missed_message_stands_where_it_was_written_also_after_a_restart(
    server: RunningServer, make_client: ClientFactory, cu1: Peer, tmp_path: Path
) -> None:
    """Fetched by the resync after newer ones came live, a missed message was stored below them:
    in written order while in memory, but below them once read back from the file."""
    path = tmp_path / "history.sqlite3"
    store = Store(path, operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await open_ticket(cu1, recorder, "Order")
    earlier = await customer_writes(cu1, ticket, 2)
    await client.drop_link("away")
    await eventually(lambda: courier.resyncs >= 2)
    assert all(store.message(i) for i in earlier)
    await client.stop()
    store.add_marker(ticket.ticket_id, "a line of the console's own")  # keeps its place
    missed = await customer_writes(cu1, ticket, 1)
    later = await customer_writes(cu1, ticket, 2)
    live = [server.store.get_message(i) for i in later]
    store.apply_batch([MessageUpdated(m) for m in live if m is not None])

    await reconnect(client, courier)
    await client.stop()

    marker = store.message_ids(ticket.ticket_id)[2]
    written = [*earlier, marker, *missed, *later]
    assert store.message_ids(ticket.ticket_id) == written  # in memory
    assert [r.message_id for r in store.whole_conversation(ticket.ticket_id)] == written
    store.apply_batch([])  # the ticket is not on screen: memory lets it go
    assert store.message_ids(ticket.ticket_id) == written  # read back from SQLite
    store.close()
    again = Store(path, operator_id="op-1")
    try:
        assert again.message_ids(ticket.ticket_id) == written  # after a restart
    finally:
        again.close()


async def test_a_cursor_of_a_replaced_database_costs_a_first_resync_not_every_message(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    store = Store(":memory:", operator_id="op-1")
    client, recorder, courier = await online_courier(server, make_client, store)
    ticket = await long_conversation(server, cu1, recorder, client)
    store.save_cursor(server.url, "0123456789ab.42")  # the server's database before a rebuild
    served = server.served.messages

    await client.drop_link("away")
    await eventually(lambda: courier.resyncs >= 2)
    assert server.served.messages - served == 200  # the newest page, not all 300 as "changed"
    assert store.message_ids(ticket.ticket_id)[0] == f"old-{LONG - 200:05d}"
    cursor = store.cursor(server.url)
    assert cursor is not None and not cursor.startswith("0123456789ab.")


async def test_pages_that_never_come_to_an_end_stop_the_resync_instead_of_looping(
    make_client: ClientFactory,
) -> None:
    # A server (or something in front of it) that always says "more" with the same cursor.
    api = {"/api/tickets": {"tickets": [], "next": "e1.5", "more": True}}
    async with tiny_server(api=api) as tiny:
        store = Store(":memory:", operator_id="op-1")
        store.save_cursor(tiny.url, "e1.4")
        client, _ = await make_client(tiny.url, tokens=StaticToken("t"), start=False)
        with pytest.raises(ClientError, match="do not come to an end"):
            await asyncio.wait_for(resync(client, store), 30)  # before the fix: forever
