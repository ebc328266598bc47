"""The outbox and the resync over the real reference server: in order, once, never lost."""

import asyncio
import uuid

import pytest

from chat_console.client import ConnectionState, OAuthTokens, OperatorClient, StaticToken
from chat_console.client.courier import Courier
from chat_console.client.sender import SILENT_TRIES
from chat_console.protocol import (
    EmitEvent,
    ListenEvent,
    Message,
    MessageStatus,
    Ticket,
    TicketStatus,
    emits,
)
from chat_console.protocol.compose import message_to_customer
from chat_console.server.rate_limit import RateLimit
from chat_console.server.runner import RunningServer, running_server
from chat_console.store import Change, Store, Tick
from tests.client.conftest import ClientFactory, Recorder, customer, open_ticket, settle
from tests.client.tiny_server import TinyServer, tiny_server
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


# ---- the pipelined outbox -------------------------------------------------------------------


async def settle_on(client: OperatorClient, tiny: TinyServer, ticket: Ticket) -> None:
    """Whatever the client emitted before this has reached the tiny server: one socket's events
    arrive in order, and a `typing` emitted now arrives after them."""
    before = len(tiny.emitted(EmitEvent.TYPING))
    await client.typing(ticket)
    await eventually(lambda: len(tiny.emitted(EmitEvent.TYPING)) > before)


def written_to(ticket: Ticket, courier: Courier, count: int, prefix: str) -> list[Message]:
    return [courier.send(ticket, f"{prefix} {n}") for n in range(count)]


async def test_the_outbox_sends_up_to_max_in_flight_before_any_answer_and_one_more_per_answer(
    make_client: ClientFactory,
) -> None:
    async with tiny_server() as tiny:
        client, _ = await make_client(
            tiny.url, tokens=StaticToken("t"), start=False, max_in_flight=8
        )
        courier = Courier(client, Store(":memory:", operator_id="op-1"))
        first = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
        second = Ticket(ticket_id="t-2", owner_id="cu-2", owner_nm="Cora")
        written = [
            courier.send(t, f"{t.ticket_id} {n}") for n in range(10) for t in (first, second)
        ]
        await client.start()

        def sent_ids() -> list[str]:
            return [args[1] for args in tiny.emitted(EmitEvent.UPDATE_MESSAGE)]

        await eventually(lambda: len(sent_ids()) >= 8)
        await settle_on(client, tiny, first)
        assert sent_ids() == [m.message_id for m in written[:8]]  # in order, and no more
        for answer in tiny.held_for(EmitEvent.UPDATE_MESSAGE)[:3]:
            answer.set_result(None)
        await eventually(lambda: len(sent_ids()) >= 11)
        await settle_on(client, tiny, first)
        assert sent_ids() == [m.message_id for m in written[:11]]
        assert [courier.store.message(m.message_id).tick for m in written[:4]] == [
            Tick.SENT,
            Tick.SENT,
            Tick.SENT,
            Tick.PENDING,
        ]
        await courier.close()


async def test_a_drop_mid_flight_leaves_the_unanswered_pending_and_sends_them_once_again(
    make_client: ClientFactory,
) -> None:
    async with tiny_server() as tiny:
        client, _ = await make_client(
            tiny.url, tokens=StaticToken("t"), start=False, max_in_flight=8
        )
        courier = Courier(client, Store(":memory:", operator_id="op-1"))
        ticket = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
        written = written_to(ticket, courier, 20, "drop")
        await client.start()
        await eventually(lambda: len(tiny.held_for(EmitEvent.UPDATE_MESSAGE)) >= 8)
        for answer in tiny.held_for(EmitEvent.UPDATE_MESSAGE)[:3]:
            answer.set_result(None)
        await eventually(lambda: courier.store.message(written[2].message_id).tick == Tick.SENT)
        tiny.answer_at_once = True
        before = len(tiny.emitted(EmitEvent.UPDATE_MESSAGE))
        await tiny.drop()

        await eventually(lambda: courier.store.outbox() == [])
        again = [args[1] for args in tiny.emitted(EmitEvent.UPDATE_MESSAGE)[before:]]
        assert tiny.connects == 2
        assert again == [m.message_id for m in written[3:]]  # in order, each once
        assert all(courier.store.message(m.message_id).tick == Tick.SENT for m in written)
        await courier.close()


async def accepted_tickets(
    client: OperatorClient, recorder: Recorder, cu1: Peer, count: int
) -> list[Ticket]:
    return [await accepted_ticket(client, recorder, cu1) for _ in range(count)]


async def test_many_in_flight_keep_each_tickets_order_on_the_server_and_at_the_customer(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    tickets = await accepted_tickets(client, recorder, cu1, 3)
    await server.drop_connections("op-1")
    await client.wait_for_state(ConnectionState.RECONNECTING, WAIT)
    written = {t.ticket_id: [] for t in tickets}
    for n in range(60):
        for ticket in tickets:
            written[ticket.ticket_id].append(
                courier.send(ticket, f"{ticket.ticket_id} {n}").message_id
            )

    await eventually(lambda: courier.store.outbox() == [])
    for ticket in tickets:
        stored = [m.message_id for m in server.store.messages(ticket.ticket_id)]
        assert stored == written[ticket.ticket_id]
    await eventually(lambda: len(cu1.seen(ListenEvent.MESSAGE_UPDATED)) >= 180)
    await cu1.roundtrip()
    arrived = [args[0] for args in cu1.seen(ListenEvent.MESSAGE_UPDATED)]
    for ticket in tickets:
        ids = [m["messageId"] for m in arrived if m["ticketId"] == ticket.ticket_id]
        assert ids == written[ticket.ticket_id]


async def test_a_refused_message_fails_while_the_others_in_flight_are_delivered(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    mine = await accepted_ticket(client, recorder, cu1)
    not_mine = await open_ticket(cu1, recorder, "Nobody's yet")  # op-1 may not write to it
    await server.drop_connections("op-1")
    await client.wait_for_state(ConnectionState.RECONNECTING, WAIT)
    sent = [courier.send(mine, "one"), courier.send(mine, "two")]
    refused = courier.send(not_mine, "hello?")
    sent += [courier.send(mine, f"more {n}") for n in range(10)]

    await eventually(lambda: courier.store.pending_outgoing() == [])
    record = courier.store.message(refused.message_id)
    assert record.tick == Tick.FAILED and "not yours" in (record.error or "")
    assert all(courier.store.message(m.message_id).tick == Tick.SENT for m in sent)
    stored = [m.message_id for m in server.store.messages(mine.ticket_id)]
    assert stored == [m.message_id for m in sent]


async def test_a_rate_limited_message_waits_and_is_sent_again_instead_of_failing(
    make_client: ClientFactory,
) -> None:
    # Room for connecting and one ticket, then ten events a second.
    async with running_server(rate_limit=RateLimit(per_second=10, burst=12)) as server:
        cu1 = await customer(server.url, "cu1")
        try:
            client, recorder, courier, _ = await operator_with_courier(server, make_client)
            ticket = await accepted_ticket(client, recorder, cu1)
            written = written_to(ticket, courier, 30, "limited")

            await eventually(lambda: courier.store.outbox() == [], within=3 * WAIT)
            assert all(courier.store.message(m.message_id).tick == Tick.SENT for m in written)
            stored = [m.message_id for m in server.store.messages(ticket.ticket_id)]
            assert sorted(stored) == sorted(m.message_id for m in written)  # each once
        finally:
            await cu1.close()


async def test_the_server_dropping_the_link_mid_flight_costs_no_message_and_doubles_none(
    server: RunningServer,
    make_client: ClientFactory,
    cu1: Peer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await server.drop_connections("op-1")
    await client.wait_for_state(ConnectionState.RECONNECTING, WAIT)
    written = [m.message_id for m in written_to(ticket, courier, 100, "mid-flight")]
    store_message = server.store.add_message
    drops: list[asyncio.Task[int]] = []

    def stored_then_dropped(message: Message) -> None:
        store_message(message)
        if len(server.store.messages(ticket.ticket_id)) == 20:  # the window's others in flight
            drops.append(asyncio.ensure_future(server.drop_connections("op-1")))

    monkeypatch.setattr(server.store, "add_message", stored_then_dropped)

    await eventually(lambda: courier.store.outbox() == [])
    assert len(drops) == 1
    assert await drops[0] == 1
    assert [m.message_id for m in server.store.messages(ticket.ticket_id)] == written
    await eventually(lambda: len(cu1.seen(ListenEvent.MESSAGE_UPDATED)) >= 100)
    await cu1.roundtrip()
    assert [args[0]["messageId"] for args in cu1.seen(ListenEvent.MESSAGE_UPDATED)] == written


async def test_only_a_message_never_emitted_can_be_taken_back_and_then_it_never_goes(
    make_client: ClientFactory,
) -> None:
    """The operator takes a message back (↑) to edit it: one already emitted may be on the
    server, so it stays; one still waiting behind it leaves the outbox, even from the sender's
    queue, and is never emitted."""
    async with tiny_server() as tiny:
        client, _ = await make_client(
            tiny.url, tokens=StaticToken("t"), start=False, max_in_flight=1
        )
        courier = Courier(client, Store(":memory:", operator_id="op-1"))
        ticket = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
        first, second, third = written_to(ticket, courier, 3, "take")
        await client.start()
        await eventually(lambda: len(tiny.held_for(EmitEvent.UPDATE_MESSAGE)) == 1)
        assert courier.take_back(first.message_id) is False  # on the wire: it may be stored
        assert courier.take_back(third.message_id) is True
        assert courier.store.message(third.message_id) is None
        assert [row[0] for row in courier.store.outbox()] == [first.message_id, second.message_id]
        tiny.answer_at_once = True
        tiny.held_for(EmitEvent.UPDATE_MESSAGE)[0].set_result(None)
        await eventually(lambda: courier.store.outbox() == [])
        await settle_on(client, tiny, ticket)
        sent = [args[1] for args in tiny.emitted(EmitEvent.UPDATE_MESSAGE)]
        assert sent == [first.message_id, second.message_id]
        assert courier.take_back(second.message_id) is False  # sent: nothing to take back
        await courier.close()


async def test_a_message_left_pending_by_an_earlier_console_is_not_taken_back(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    """A crash may have come after the emit: whether the server has it, nobody here knows."""
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    await client.stop()
    left = courier.send(ticket, "sent before the crash?")
    again = Courier(client, courier.store)  # the next console's courier, same outbox
    assert again.take_back(left.message_id) is False
    assert [row[0] for row in again.store.outbox()] == [left.message_id]


# ---- why a message failed: refused (surely not stored) or unanswered (may be stored) ----------


async def test_a_message_the_server_refused_is_taken_back_whole(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    _, recorder, courier, _ = await operator_with_courier(server, make_client)
    not_mine = await open_ticket(cu1, recorder, "Nobody's yet")  # op-1 may not write to it
    refused = courier.send(not_mine, "hello?")
    await eventually(lambda: courier.store.failed_outgoing(not_mine.ticket_id) != [])
    assert not courier.may_be_on_server(refused.message_id)
    assert courier.take_back(refused.message_id)
    assert courier.store.message(refused.message_id) is None and courier.store.outbox() == []
    assert server.store.messages(not_mine.ticket_id) == []
    await courier.close()


async def test_a_message_failed_unanswered_is_not_taken_back_even_after_a_restart(
    make_client: ClientFactory, tmp_path: object
) -> None:
    path = f"{tmp_path}/console.sqlite3"
    async with tiny_server() as tiny:  # takes every message and never answers: it may keep it
        client, _ = await make_client(
            tiny.url, tokens=StaticToken("t"), start=False, ack_timeout=0.2
        )
        courier = Courier(client, Store(path, operator_id="op-1"))
        await client.start()
        ticket = Ticket(ticket_id="t-1", owner_id="cu-1", owner_nm="Carl")
        message = courier.send(ticket, "anyone?")
        await eventually(lambda: courier.store.message(message.message_id).tick == Tick.FAILED)
        assert courier.may_be_on_server(message.message_id)
        assert not courier.take_back(message.message_id)  # its edit would go as well
        record = courier.store.message(message.message_id)
        assert record is not None and record.tick == Tick.FAILED
        assert [row[2] for row in courier.store.outbox()] == ["failed"]
        await courier.close()
        await client.stop()
        courier.store.close()

        again = Courier(client, Store(path, operator_id="op-1"))
        assert again.may_be_on_server(message.message_id)
        assert not again.take_back(message.message_id)
        assert again.retry([message.message_id]) == 1  # the same messageId: kept once
        assert [m.message_id for m in again.store.pending_outgoing()] == [message.message_id]


async def test_a_failed_message_the_server_has_after_all_shows_the_servers_tick(
    server: RunningServer, make_client: ClientFactory, cu1: Peer
) -> None:
    client, recorder, courier, _ = await operator_with_courier(server, make_client)
    ticket = await accepted_ticket(client, recorder, cu1)
    message = message_to_customer(
        ticket, client.user, "did it arrive?", created_at=courier.store.clock()
    )
    # The server stores it and acks; the console never heard the ack (a flaky link) and, after
    # its silences, marked it failed.
    await (await client.emit_message(message))
    courier.store.record_outgoing(message)
    courier.store.mark_failed(
        message.message_id, "no answer from the server within 10 s (3 tries)", unanswered=True
    )
    assert courier.may_be_on_server(message.message_id)

    await courier.resync()  # the server's copy, with its status
    record = courier.store.message(message.message_id)
    assert record is not None and record.tick >= Tick.SENT and record.error is None
    assert courier.store.outbox() == [] and courier.store.failed_outgoing(ticket.ticket_id) == []
    assert not courier.take_back(message.message_id)
    assert [m.message_id for m in server.store.messages(ticket.ticket_id)] == [message.message_id]
    await courier.close()
