"""Issue 10, item 5: limits per account, not per connection, answered with an error ack that
names the limit. Ten sockets of one account share one budget; reconnecting does not refill it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from chat_console.protocol import EmitEvent, Ticket, TicketStatus, emits
from chat_console.server.rate_limit import RATE_LIMITED, TOO_MANY_TICKETS, RateLimit
from chat_console.server.runner import RunningServer, running_server
from tests.helpers import Peer
from tests.server.conftest import accept, open_ticket, write


@asynccontextmanager
async def sockets(server: RunningServer, username: str, count: int) -> AsyncIterator[list[Peer]]:
    """`count` sockets logged in as one account."""
    peers = [Peer() for _ in range(count)]
    try:
        for peer in peers:
            await peer.login(server.url, username, f"{username}pass", operator=username[0] == "o")
        yield peers
    finally:
        await asyncio.gather(*(peer.close() for peer in peers))


def rate_limited(acks: list[object]) -> int:
    return sum(isinstance(ack, str) and ack.startswith(RATE_LIMITED) for ack in acks)


async def no_op(peer: Peer) -> object:
    return await peer.call(EmitEvent.UPDATE_MESSAGE_STATUS, "no-such-message", 2, "", "", True)


async def test_ten_sockets_of_one_account_share_one_event_budget() -> None:
    # 40 events, then one a second; logging in spends 2 per socket (subscribe and a round trip)
    async with (
        running_server(rate_limit=RateLimit(per_second=1, burst=40)) as server,
        sockets(server, "cu1", 10) as peers,
    ):
        acks = await asyncio.gather(*(no_op(peer) for peer in peers for _ in range(5)))
        assert rate_limited(acks) >= 10, acks
        refusal = next(a for a in acks if isinstance(a, str) and a.startswith(RATE_LIMITED))
        assert refusal == "rate limit exceeded: more than 1 events a second from this account"
        async with sockets(server, "cu2", 1) as (other,):  # another account has its own budget
            assert await no_op(other) == "unknown message"


async def test_reconnecting_does_not_refill_the_budget() -> None:
    async with running_server(rate_limit=RateLimit(per_second=0.1, burst=12)) as server:
        async with sockets(server, "cu1", 1) as (first,):
            acks = [await no_op(first) for _ in range(12)]
            assert rate_limited(acks) >= 1
        async with sockets(server, "cu1", 1) as (second,):
            assert rate_limited([await no_op(second)]) == 1


async def test_bytes_a_minute_are_counted_per_account() -> None:
    limit = RateLimit(bytes_per_minute=100_000)
    async with running_server(rate_limit=limit) as server, sockets(server, "cu1", 2) as peers:
        await open_ticket(peers[0])
        text = "x" * 40_000
        assert await write(peers[0], "t-1", "m-1", text) is None
        assert await write(peers[1], "t-1", "m-2", text) is None
        ack = await write(peers[1], "t-1", "m-3", text)
        assert ack == "rate limit exceeded: more than 97.7 KB a minute from this account"
        assert server.store.get_message("m-3") is None


async def test_a_customer_may_have_only_so_many_tickets_open_at_once() -> None:
    async with (
        running_server(rate_limit=RateLimit(open_tickets=2)) as server,
        sockets(server, "cu1", 2) as (one, two),
        sockets(server, "op1", 1) as (operator,),
    ):
        first = await open_ticket(one, "t-1")
        await open_ticket(two, "t-2")
        third = Ticket(ticket_id="t-3", ticket_nm="one too many")
        ack = await one.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(third))
        assert ack == f"{TOO_MANY_TICKETS}: 2 open, the limit is 2 per customer; close one first"
        assert await two.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(third)) == ack
        assert (
            await one.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(first)) is None
        )  # re-sent
        async with sockets(server, "cu2", 1) as (other,):
            await open_ticket(other, "t-cu2")  # another customer's count is their own

        await accept(operator, first)
        closed = first.model_copy(update={"owner_id": "cu-1"})
        close = emits.update_ticket_status(closed, TicketStatus.CLOSED)
        assert await operator.call(EmitEvent.UPDATE_TICKET_STATUS, *close) is None
        assert await two.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(third)) is None


async def test_every_limit_can_be_lifted() -> None:
    async with (
        running_server(rate_limit=RateLimit.unlimited()) as server,
        sockets(server, "cu1", 1) as (customer,),
    ):
        await open_ticket(customer)
        assert await write(customer, "t-1", "m-1", "x" * 100_000) is None
        acks = await asyncio.gather(*(no_op(customer) for _ in range(3_000)))
        assert rate_limited(acks) == 0
