"""The size limits of protocol/limits.py, enforced alike by the decoder, the server, the client
and the composer: one set of numbers, the same words."""

import pytest

from chat_console.client import ClientError, OperatorClient, StaticToken
from chat_console.protocol import EmitEvent, Message, Ticket, TicketStatus, User, emits
from chat_console.protocol.inbound import ProtocolError, decode
from chat_console.protocol.limits import (
    MAX_CONTENT_BYTES,
    MAX_ID_CHARS,
    content_problem,
    content_size,
)
from chat_console.server.runner import RunningServer
from tests.helpers import Peer, fetch_token
from tests.tui.conftest import Live

LONG_ID = "t" * (MAX_ID_CHARS + 1)


def test_content_size_counts_utf8_bytes() -> None:
    assert content_size("abc") == 3
    assert content_size("é") == 2
    assert content_size("😀") == 4
    assert content_size("\ud800") == 3  # a lone surrogate, as JSON can carry one


def test_content_problem_says_how_large_and_what_the_limit_is() -> None:
    assert content_problem("a" * MAX_CONTENT_BYTES) is None
    assert content_problem("é" * (MAX_CONTENT_BYTES // 2)) is None
    problem = content_problem("é" * (MAX_CONTENT_BYTES // 2 + 1))
    assert problem == "the message is too large: 1,048,578 bytes, the limit is 1,048,576"


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("ticketCreated", ({"ticketId": LONG_ID},)),
        ("messageUpdated", ({"ticketId": "t", "messageId": LONG_ID},)),
        ("messageUpdated", ({"ticketId": "t", "messageId": "m", "senderId": LONG_ID},)),
        ("ticketStatusUpdated", (LONG_ID, 200)),
        ("messageStatusUpdated", (LONG_ID, 2)),
        ("typing", (LONG_ID, "Carl")),
        ("notifyOfAssignment", (LONG_ID, 1, "x")),
        ("ticketResponded", (LONG_ID,)),
    ],
)
def test_decode_drops_ids_over_the_limit(event: str, args: tuple[object, ...]) -> None:
    with pytest.raises(ProtocolError) as raised:
        decode(event, args)
    assert LONG_ID not in str(raised.value)  # the reason names the field, not the payload


def test_inbound_content_over_the_cap_is_kept_for_display_not_dropped() -> None:
    big = "x" * (MAX_CONTENT_BYTES + 10)
    decoded = decode("messageUpdated", ({"ticketId": "t", "messageId": "m", "content": big},))
    assert decoded.message.content == big  # type: ignore[union-attr]


async def test_server_refuses_content_over_the_cap_and_ids_over_the_limit(
    server: RunningServer,
) -> None:
    customer = Peer()
    await customer.login(server.url, "cu1", "cu1pass", operator=False)
    try:
        ticket = Ticket(ticket_id="t-1", ticket_nm="Help")
        assert await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
        at_cap = Message(ticket_id="t-1", message_id="m-1", content="a" * MAX_CONTENT_BYTES)
        ack = await customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(at_cap, ""))
        assert ack is None
        over = Message(ticket_id="t-1", message_id="m-2", content="é" * MAX_CONTENT_BYTES)
        ack = await customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(over, ""))
        assert ack == content_problem(over.content)
        assert [m.message_id for m in server.store.messages("t-1")] == ["m-1"]
        ack = await customer.call(EmitEvent.CREATE_TICKET, LONG_ID, {"ticketNm": "x"})
        assert ack == f"ticketId is longer than {MAX_ID_CHARS} characters"
    finally:
        await customer.close()


async def test_client_refuses_before_sending_what_the_server_would_refuse(
    server: RunningServer,
) -> None:
    customer = Peer()
    await customer.login(server.url, "cu1", "cu1pass", operator=False)
    token = await fetch_token(server.url, "op1", "op1pass")
    client = OperatorClient(
        url=server.url, user=User(user_id="op-1"), tokens=StaticToken(token), listener=print
    )
    try:
        ticket = Ticket(ticket_id="t-1", ticket_nm="Help", owner_id="cu-1")
        assert await customer.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket)) is None
        await client.start()
        await client.accept(ticket)
        with pytest.raises(ClientError, match="too large"):
            await client.send_message(ticket, "x" * (MAX_CONTENT_BYTES + 1))
        assert server.store.messages("t-1") == []
    finally:
        await client.stop()
        await customer.close()


async def test_composer_refuses_an_oversized_or_closed_ticket_message_and_says_why(
    live: Live,
) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    live.app.main.action_open()
    live.app.main.conversation.send("x" * (MAX_CONTENT_BYTES + 1))
    await live.pilot.pause()
    assert live.notifications()[-1] == (
        "Message not sent",
        "the message is too large: 1,048,577 bytes, the limit is 1,048,576",
        "error",
    )
    assert not live.app.store.message_ids(ticket.ticket_id)
    op2 = await live.operator()
    closing = emits.update_ticket_status(ticket, TicketStatus.CLOSED)
    assert await op2.call(EmitEvent.UPDATE_TICKET_STATUS, *closing) is None
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).is_closed)  # type: ignore[union-attr]
    live.app.main.conversation.send("hello")
    await live.pilot.pause()
    assert live.notifications()[-1][1] == "the ticket is closed: reopen it first"
    assert not live.app.store.message_ids(ticket.ticket_id)
