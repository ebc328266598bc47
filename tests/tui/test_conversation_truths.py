"""What the conversation shows and does must be true with several tickets: reads only for what
was on screen, and a reply on a ticket that is not yours yet."""

from chat_console.protocol import ListenEvent, Message, MessageStatus
from chat_console.store import Tick
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import screen_text


async def test_reading_one_ticket_leaves_the_same_customers_other_ticket_unread(
    live: Live,
) -> None:
    first = await live.open_ticket("Discount code")
    other = await live.open_ticket("Change address")
    seen = await live.customer_says(first.ticket_id, "is there a code?")
    unseen = await live.customer_says(other.ticket_id, "I moved")
    await live.select(first.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.store.ticket(first.ticket_id).unread == 0)
    await live.customer.roundtrip()

    read = {m for m, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED) if s == 3}
    assert read == {seen.message_id}
    assert live.app.store.ticket(other.ticket_id).unread == 1  # in the console
    on_server = live.server.store.get_message(unseen.message_id)
    assert on_server is not None and on_server.status_id < MessageStatus.READ  # and the server
    assert live.server.store.get_message(seen.message_id).status_id == MessageStatus.READ


async def test_a_customer_with_nothing_unread_elsewhere_gets_one_bulk_receipt(live: Live) -> None:
    ticket = await live.open_ticket("Discount code")
    said = [await live.customer_says(ticket.ticket_id, text) for text in ("a", "b", "c")]
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).unread == 0)
    await live.customer.roundtrip()
    read = {m for m, s in live.customer.seen(ListenEvent.MESSAGE_STATUS_UPDATED) if s == 3}
    assert read == {m.message_id for m in said}


async def test_replying_before_accepting_offers_to_accept_and_then_sends(live: Live) -> None:
    ticket = await live.open_ticket("Double charge")
    await live.customer_says(ticket.ticket_id, "charged twice")
    waiting = live.app.store.ticket(ticket.ticket_id).waiting_since
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"refunded", "enter")
    await live.until(lambda: len(live.app.screen_stack) == 2)
    question = str(live.app.screen.query_one("#dialog-body").render())
    assert "Accept Double charge of" in question and "and send your reply?" in question
    assert live.app.store.messages(ticket.ticket_id)[-1].own is False  # nothing sent yet
    assert live.app.store.ticket(ticket.ticket_id).waiting_since == waiting

    await live.pilot.press("y")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert Message.model_validate(args[0]).content == "refunded"
    assert live.server.store.get_ticket(ticket.ticket_id).handle_by_id == "op-1"
    await live.until(lambda: live.app.store.draft(ticket.ticket_id) == "")
    assert live.app.main.composer.text == ""


async def test_a_refused_reply_shows_the_servers_words_whole_and_keeps_the_waiting_time(
    live: Live,
) -> None:
    ticket = await live.open_ticket("Double charge")
    await live.customer_says(ticket.ticket_id, "charged twice")
    live.believe_mine(ticket.ticket_id)  # a stale view: the server refuses
    record = live.app.store.ticket(ticket.ticket_id)
    waiting, order = record.waiting_since, live.app.store.queue()
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter", *"refunded", "enter")
    await live.until(lambda: live.app.store.failed_outgoing(ticket.ticket_id) != [])
    (failed,) = live.app.store.failed_outgoing(ticket.ticket_id)
    assert live.app.store.message(failed).tick == Tick.FAILED
    assert live.app.store.ticket(ticket.ticket_id).waiting_since == waiting
    assert live.app.store.queue() == order
    await live.pilot.pause()
    shown = " ".join(line.strip() for line in screen_text(live).splitlines())
    assert "not yours: only the ticket's owner or handler may write" in shown
