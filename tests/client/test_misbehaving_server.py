"""The client against a server that misbehaves: silent acks, unreadable events, odd auth."""

import asyncio

import pytest

from chat_console.client import (
    AckTimeout,
    ConnectionState,
    ConnectionStateChanged,
    EventDropped,
    NotConnected,
    StaticToken,
)
from chat_console.client.supervisor import MAX_AUTH_REJECTIONS
from chat_console.protocol import Ticket, TicketStatus
from chat_console.protocol.inbound import TicketResponded, TicketStatusUpdated
from tests.client.conftest import ClientFactory
from tests.client.tiny_server import AuthReply, tiny_server
from tests.helpers import WAIT, eventually

State = ConnectionState


async def test_an_ack_that_never_comes_times_out(make_client: ClientFactory) -> None:
    async with tiny_server() as server:
        client, _ = await make_client(server.url, tokens=StaticToken("t"), ack_timeout=0.2)
        assert client.state is State.ONLINE
        with pytest.raises(AckTimeout, match=r"^no answer from the server within 0\.2 s$"):
            await client.accept(Ticket(ticket_id="t-1", owner_id="cu-1"))
        name, args = server.received[-1]
        assert (name, args[0]) == ("acceptTicket", "t-1")
        assert client.state is State.ONLINE  # a slow server is not a lost connection


async def test_handshake_order_on_the_wire(make_client: ClientFactory) -> None:
    async with tiny_server() as server:
        await make_client(server.url, tokens=StaticToken("tok-1"))
        await eventually(lambda: len(server.received) >= 3)  # subscribe* have no ack
        assert [name for name, _ in server.received] == [
            "authenticate",
            "subscribe",
            "subscribeOperator",
        ]
        assert server.received[0][1] == ({"accessToken": "tok-1"},)
        (user,) = server.received[1][1]
        assert (user["userId"], user["fullNm"]) == ("op-1", "Olivia Operator")
        assert server.received[2][1] == ()


async def test_unreadable_events_are_dropped_and_later_ones_still_arrive(
    make_client: ClientFactory,
) -> None:
    garbage = [
        ("ticketCreated", "SECRET-PAYLOAD-not-an-object"),
        ("ticketStatusUpdated", ("t-1", 999)),
        ("noSuchEvent", {"x": 1}),
        ("ticketStatusUpdated", ("t-1", 10000)),
        ("ticketResponded", "t-1"),
    ]
    async with tiny_server(on_subscribe=garbage) as server:
        _, recorder = await make_client(server.url, tokens=StaticToken("t"))
        await recorder.next(TicketResponded)
        dropped = recorder.of(EventDropped)
        assert [d.event for d in dropped] == ["ticketCreated", "ticketStatusUpdated", "noSuchEvent"]
        assert all("SECRET-PAYLOAD" not in d.reason for d in dropped)
        assert dropped[1].reason == "ticketStatusUpdated: status has an unknown value"
        (closed,) = recorder.of(TicketStatusUpdated)
        assert closed.status is TicketStatus.CLOSED
        assert server.connects == 1  # nothing unreadable cost the connection


async def test_no_answer_to_authenticate_is_retried(make_client: ClientFactory) -> None:
    async with tiny_server(auth=AuthReply.SILENT) as server:
        _, recorder = await make_client(server.url, tokens=StaticToken("t"), auth_timeout=0.2)
        waiting = recorder.of(ConnectionStateChanged)[-1]
        assert waiting.state is State.RECONNECTING
        assert waiting.reason == "the server did not answer authenticate"
        mark = recorder.mark()
        await recorder.after(
            mark, ConnectionStateChanged, lambda e: e.state is State.AUTHENTICATING
        )
        assert server.connects >= 2


async def test_rejection_followed_by_a_drop_is_bounded(make_client: ClientFactory) -> None:
    async with tiny_server(auth=AuthReply.REJECT_AND_DROP) as server:
        client, recorder = await make_client(server.url, tokens=StaticToken("t"))
        offline = await recorder.next(ConnectionStateChanged, lambda e: e.state is State.OFFLINE)
        assert offline.reason is not None and "rejected" in offline.reason
        assert server.connects <= MAX_AUTH_REJECTIONS
        assert client.state is State.OFFLINE


async def test_a_server_without_http_extras_reads_as_unknown(make_client: ClientFactory) -> None:
    async with tiny_server() as server:
        client, _ = await make_client(server.url, tokens=StaticToken("t"))
        assert await client.fetch_tickets() is None
        assert await client.fetch_messages("t-1") is None
        assert await client.fetch_operators() is None


async def test_a_pending_ack_fails_at_once_when_the_connection_drops(
    make_client: ClientFactory,
) -> None:
    async with tiny_server() as server:
        client, recorder = await make_client(server.url, tokens=StaticToken("t"), ack_timeout=60)
        pending = asyncio.create_task(client.accept(Ticket(ticket_id="t-1", owner_id="cu-1")))
        await eventually(lambda: any(name == "acceptTicket" for name, _ in server.received))
        for sid in list(server.sids):
            await server.sio.disconnect(sid)
        # Well before the 60 s ack timeout: python-socketio would have forgotten the ack.
        with pytest.raises(NotConnected, match=r"^connection lost before the server answered$"):
            await asyncio.wait_for(pending, WAIT)
        lost = await recorder.next(ConnectionStateChanged, lambda e: e.state is State.RECONNECTING)
        assert lost.reason == "the server closed the connection"


async def test_only_messages_from_others_get_a_delivery_receipt(make_client: ClientFactory) -> None:
    def message(mid: str, sender: str) -> tuple[str, dict[str, str]]:
        wire = {"ticketId": "t-1", "messageId": mid, "senderId": sender, "recipientId": "x"}
        return ("messageUpdated", wire)

    # Our own message echoed back (as from another device of ours) was not delivered to us.
    echoes = [message("mine", "op-1"), message("theirs", "cu-1"), ("ticketResponded", "t-1")]
    async with tiny_server(on_subscribe=echoes) as server:
        _, recorder = await make_client(server.url, tokens=StaticToken("t"))
        await recorder.next(TicketResponded)
        await eventually(lambda: any(e == "updateMessageStatus" for e, _ in server.received))
        receipts = [args[0] for event, args in server.received if event == "updateMessageStatus"]
        assert receipts == ["theirs"]
