"""The outbox and the resync over the real reference server: in order, once, never lost."""

import uuid

from chat_console.client import ConnectionState, OAuthTokens, OperatorClient, StaticToken
from chat_console.client.courier import SILENT_TRIES, Courier
from chat_console.protocol import (
    EmitEvent,
    ListenEvent,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    emits,
)
from chat_console.server.runner import RunningServer
from chat_console.store import Change, Store, Tick
from tests.client.conftest import ClientFactory, Recorder, customer, open_ticket, settle
from tests.client.tiny_server import tiny_server
from tests.helpers import WAIT, Peer, eventually, fetch_token


def oauth(server: RunningServer) -> OAuthTokens:
    return OAuthTokens(
        f"{server.url}/oauth/token", "password", "chat-console", "", "op1", "op1pass"
    )


async def operator_with_courier(
    server: RunningServer, make_client: ClientFactory, store: Store | None = None
) -> tuple[OperatorClient, Recorder, Courier, list[Change]]:
    client, recorder = await make_client(server.url, tokens=oauth(server), start=False)
    seen: list[Change] = []
    courier = Courier(client, store or Store(":memory:", operator_id="op-1"), seen.extend)
    await client.start()
    assert client.state is ConnectionState.ONLINE
    await settle(client)
    return client, recorder, courier, seen


async def accepted_ticket(client: OperatorClient, recorder: Recorder, cu1: Peer) -> Ticket:
    ticket = await open_ticket(cu1, recorder)
    await client.accept(ticket)
    return ticket.model_copy(update={"handle_by_id": "op-1"})


async def test_messages_written_offline_go_out_in_order_once_the_link_is_back(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await server.drop_connections("op-1")
    await client.wait_for_state(ConnectionState.RECONNECTING, WAIT)
    written = [courier.send(ticket, f"offline {n}") for n in range(5)]
    assert [courier.store.message(m.message_id).tick for m in written] == [Tick.PENDING] * 5

    await client.wait_for_state(ConnectionState.ONLINE, WAIT)
    for message in written:
        args = await cu1.next(ListenEvent.MESSAGE_UPDATED)
        assert (args[0]["messageId"], args[0]["content"]) == (message.message_id, message.content)
    await eventually(lambda: courier.store.outbox() == [])
    assert all(courier.store.message(m.message_id).tick >= Tick.SENT for m in written)
    stored = [m.message_id for m in server.store.messages(ticket.ticket_id)]
    assert stored == [m.message_id for m in written]


async def test_a_message_the_server_already_has_is_resent_with_its_id_and_stored_once(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    """The ack was lost: the server stored the message, the console still has it pending."""
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await client.stop()
    message = courier.send(ticket, "did you get this?")
    other_socket = Peer()  # op-1's earlier socket, whose ack never made it back
    await other_socket.login(server.url, "op1", "op1pass", operator=True)
    args = emits.update_message(message, ticket.owner_id or "")
    assert await other_socket.call(EmitEvent.UPDATE_MESSAGE, *args) is None
    await other_socket.close()
    await cu1.next(ListenEvent.MESSAGE_UPDATED)

    await client.start()
    await eventually(lambda: courier.store.outbox() == [])
    await cu1.roundtrip()
    assert len(cu1.seen(ListenEvent.MESSAGE_UPDATED)) == 1
    assert [m.message_id for m in server.store.messages(ticket.ticket_id)] == [message.message_id]
    assert [r.message_id for r in courier.store.messages(ticket.ticket_id)] == [message.message_id]


async def test_an_error_ack_fails_the_message_with_the_servers_words_then_retry_and_discard(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, seen = await operator_with_courier(server, make_client)
    ticket = await open_ticket(cu1, recorder)  # not accepted: op-1 may not write to it
    first = courier.send(ticket, "first")
    await eventually(lambda: courier.store.message(first.message_id).tick == Tick.FAILED)
    record = courier.store.message(first.message_id)
    assert record.error and "not yours" in record.error
    assert courier.store.outbox() == [(first.message_id, ticket.ticket_id, "failed", record.error)]
    assert courier.store.failed_outgoing(ticket.ticket_id) == [first.message_id]
    assert any(c.message_id == first.message_id for c in seen)

    await client.accept(ticket)
    assert courier.retry([first.message_id]) == 1
    await eventually(lambda: courier.store.message(first.message_id).tick == Tick.SENT)
    args = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    assert args[0]["messageId"] == first.message_id

    await client.set_status(ticket, TicketStatus.CLOSED)
    second = courier.send(ticket, "too late")
    await eventually(lambda: courier.store.message(second.message_id).tick == Tick.FAILED)
    assert courier.discard([second.message_id]) == 1
    assert courier.store.message(second.message_id) is None
    assert courier.store.outbox() == []
    assert [r.message_id for r in courier.store.messages(ticket.ticket_id)] == [first.message_id]


async def test_resync_brings_what_a_customer_wrote_while_the_console_was_away(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await client.stop()
    missed = Message(ticket_id=ticket.ticket_id, message_id=str(uuid.uuid4()), content="hello?")
    assert await cu1.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(missed, "op-1")) is None
    late = await customer(server.url, "cu2")  # a ticket opened while the console was away
    fresh = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm="Late", display_nm="Late")
    assert await late.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(fresh)) is None
    await late.close()
    resyncs = courier.resyncs

    await client.start()
    await eventually(lambda: courier.resyncs > resyncs)
    assert courier.store.message(missed.message_id) is not None
    assert courier.store.ticket(ticket.ticket_id).unread == 1
    assert courier.store.ticket(fresh.ticket_id) is not None
    status = await cu1.next(ListenEvent.MESSAGE_STATUS_UPDATED)  # the receipt it never had
    assert status == (missed.message_id, int(MessageStatus.DELIVERED))

    await client.drop_link("again")  # a second resync changes nothing: idempotent by id
    await eventually(lambda: courier.resyncs > resyncs + 1)
    assert [r.message_id for r in courier.store.messages(ticket.ticket_id)] == [missed.message_id]
    assert courier.store.ticket(ticket.ticket_id).unread == 1


async def test_a_server_that_never_acks_leaves_the_message_pending_then_failed(
    make_client: ClientFactory,
) -> None:
    async with tiny_server() as tiny:
        client, _ = await make_client(
            tiny.url, tokens=StaticToken("t"), start=False, ack_timeout=0.2
        )
        courier = Courier(client, Store(":memory:", operator_id="op-1"))
        await client.start()
        ticket = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
        message = courier.send(ticket, "anyone?")
        assert courier.store.message(message.message_id).tick == Tick.PENDING
        await eventually(lambda: tiny.connects >= 2)  # the silence cost the link: reconnected
        assert courier.store.message(message.message_id).tick == Tick.PENDING
        await eventually(lambda: courier.store.message(message.message_id).tick == Tick.FAILED)
        sent = [args for event, args in tiny.received if event == EmitEvent.UPDATE_MESSAGE]
        assert len(sent) == SILENT_TRIES
        assert {args[1] for args in sent} == {message.message_id}
        assert "no answer" in (courier.store.message(message.message_id).error or "")
        await courier.close()


async def test_a_restarted_console_resends_its_outbox_once(
    server: RunningServer, make_client: ClientFactory, cu1: Peer, tmp_path: object
) -> None:
    path = f"{tmp_path}/console.sqlite3"
    token = await fetch_token(server.url, "op1", "op1pass")
    client, recorder = await make_client(server.url, tokens=StaticToken(token))
    await settle(client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await client.stop()
    before = Store(path, operator_id="op-1")
    crashed = Courier(client, before)
    crashed.send(ticket, "written just before the crash")
    await crashed.close()
    before._db.close()  # no orderly close of the store: as if the process had died here

    after = Store(path, operator_id="op-1")
    (pending,) = after.pending_outgoing()
    client2, _, courier, _ = await operator_with_courier(server, make_client, after)
    await eventually(lambda: after.outbox() == [])
    args = await cu1.next(ListenEvent.MESSAGE_UPDATED)
    assert args[0]["messageId"] == pending.message_id
    await cu1.roundtrip()
    assert len(cu1.seen(ListenEvent.MESSAGE_UPDATED)) == 1
    assert after.message(pending.message_id).tick == Tick.SENT
    await courier.close()
    await client2.stop()
