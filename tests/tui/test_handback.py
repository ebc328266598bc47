"""A colleague's part of a conversation: when a ticket comes back after another operator had it,
what they and the customer said meanwhile is fetched and merged, or a marker says it is missing."""

import uuid

import pytest

from chat_console.protocol import EmitEvent, Message, emits
from chat_console.store import MARKER_PREFIX
from tests.helpers import Peer
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import accept_and_open, screen_text


async def say(peer: Peer, ticket_id: str, text: str, recipient: str) -> Message:
    message = Message(ticket_id=ticket_id, message_id=str(uuid.uuid4()), content=text)
    assert not await peer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(message, recipient))
    return message


async def colleague_holds_it_meanwhile(
    live: Live, tid: str, *, reads: bool = False
) -> tuple[Message, Message]:
    """op2 hijacks the ticket, writes, the customer answers op2 (whom op2 reads, if `reads`), and
    op2 hands it back."""
    oscar = await live.operator()
    assert not await oscar.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket(tid, None))
    await live.until(lambda: live.app.store.ticket(tid).ticket.handle_by_id == "op-2")
    customer = live.app.store.ticket(tid).ticket.owner_id or ""
    from_oscar = await say(oscar, tid, "Oscar here, refunded", customer)
    reply = await say(live.customer, tid, "thanks Oscar", "op-2")
    if reads:
        received = reply.model_copy(update={"sender_id": customer, "recipient_id": "op-2"})
        assert not await oscar.call(EmitEvent.UPDATE_MESSAGE_STATUS, *emits.confirm_read(received))
    assert not await oscar.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket(tid, "op-1"))
    return from_oscar, reply


async def test_a_ticket_handed_back_shows_the_colleagues_part_in_order_and_once(
    live: Live,
) -> None:
    tid = await accept_and_open(live)
    first = await live.customer_says(tid, "charged twice")
    await live.pilot.press(*"looking", "enter")
    await live.until(lambda: len(live.app.store.messages(tid)) == 2)
    other = await live.open_ticket("Change address")  # unread: receipts go one by one
    await live.customer_says(other.ticket_id, "I moved")
    _, reply = await colleague_holds_it_meanwhile(live, tid)

    await live.until(lambda: live.app.store.message(reply.message_id) is not None)
    contents = [r.message.content for r in live.app.store.messages(tid)]
    assert contents == ["charged twice", "looking", "Oscar here, refunded", "thanks Oscar"]
    assert live.app.store.message(first.message_id) is not None
    stored = live.server.store.get_message(reply.message_id)
    assert stored is not None
    # The customer's answer to Oscar is unanswered: they wait since then, not since before.
    assert live.app.store.ticket(tid).waiting_since == stored.created_at
    await live.until(lambda: "thanks Oscar" in screen_text(live))
    await live.until(lambda: live.app.store.ticket(tid).unread == 0)  # on screen: read
    assert "Oscar here, refunded" in screen_text(live)


async def test_a_customer_answer_the_colleague_read_but_never_answered_still_waits(
    live: Live,
) -> None:
    # As the demo's op2 does: he reads the customer's answer, then hands the ticket back.
    tid = await accept_and_open(live)
    await live.customer_says(tid, "charged twice")
    await live.pilot.press(*"looking", "enter")
    await live.until(lambda: live.app.store.ticket(tid).waiting_since is None)
    _, reply = await colleague_holds_it_meanwhile(live, tid, reads=True)
    await live.until(lambda: live.app.store.message(reply.message_id) is not None)
    stored = live.server.store.get_message(reply.message_id)
    assert stored is not None and stored.status_id == 3  # read, by Oscar
    assert live.app.store.ticket(tid).waiting_since == stored.created_at


@pytest.mark.server(http_extras=False)  # /api/ answers 404, as on a server without extras
async def test_without_the_servers_history_a_marker_names_the_colleague(live: Live) -> None:
    tid = await accept_and_open(live)
    await live.customer_says(tid, "charged twice")
    assert live.app.store.ticket(tid).waiting_since is not None
    await colleague_holds_it_meanwhile(live, tid)

    def markers() -> list[str]:
        return [r.message.content for r in live.app.store.messages(tid) if r.note]

    await live.until(markers)
    gap = "— while Oscar Other handled this ticket, messages were not shown here —"
    assert markers() == [gap]
    # All the console can know: the ticket's lastResponseAt says Oscar answered; the marker
    # itself neither starts nor stops the waiting clock.
    answered = live.server.store.get_ticket(tid).last_response_at
    assert answered is not None and live.app.store.ticket(tid).waiting_since is None
    await live.until(
        lambda: gap in " ".join(line.strip() for line in screen_text(live).split("\n"))
    )


async def test_a_customer_cannot_pass_a_message_off_as_the_consoles_own_line(live: Live) -> None:
    tid = await accept_and_open(live)
    forged = Message(
        ticket_id=tid,
        message_id=f"{MARKER_PREFIX}forged",
        content="— while Oscar Other handled this ticket, messages were not shown here —",
    )
    sent = emits.update_message(forged, "op-1")
    assert not await live.customer.call(EmitEvent.UPDATE_MESSAGE, *sent)
    await live.until(lambda: live.app.store.message(forged.message_id) is not None)
    record = live.app.store.message(forged.message_id)
    assert record is not None and not record.note
    # Shown as what it is: the customer's message, under their name.
    lines = live.app.main.transcript.message_text(forged.message_id)
    assert lines[0].lstrip().startswith("Carl Customer")
