"""Flow keys against the real reference server: n opens, C closes and moves on, A takes the
oldest, o reopens, Esc drops a filter; a closed ticket a customer writes on comes back."""

import uuid

from chat_console.protocol import EmitEvent, ListenEvent, Message, TicketStatus, emits
from chat_console.protocol.inbound import MessageUpdated
from chat_console.store import View
from chat_console.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import Live


async def test_n_opens_the_next_unread_conversation(live: Live) -> None:
    quiet = await live.open_ticket("Quiet one")
    asking = await live.open_ticket("Asking")
    await live.customer_says(asking.ticket_id, "hello?")
    await live.select(quiet.ticket_id)
    await live.pilot.press("n")
    main = live.app.main
    assert main.open_ticket_id == asking.ticket_id
    assert main.queue.highlighted == asking.ticket_id
    assert main.focused is main.composer


async def test_shift_c_closes_after_asking_then_opens_the_next_waiting(live: Live) -> None:
    done = await live.open_ticket("Done now")
    waiting = await live.open_ticket("Still waiting")
    await live.customer_says(waiting.ticket_id, "anyone?")
    await live.select(done.ticket_id)
    await live.pilot.press("enter", "escape", "C")
    screen = live.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert "Done now" in screen.question.plain and "Carl Customer" in screen.question.plain
    await live.pilot.press("y")
    await live.until(lambda: live.app.main.open_ticket_id == waiting.ticket_id)
    assert live.app.store.ticket(done.ticket_id).is_closed
    changed = await live.customer.next(ListenEvent.TICKET_STATUS_UPDATED)
    assert changed == (done.ticket_id, int(TicketStatus.CLOSED))


async def test_shift_a_accepts_and_opens_the_longest_waiting_new_ticket(live: Live) -> None:
    oldest = await live.open_ticket("First in")
    await live.open_ticket("Second in")
    live.app.main.queue.focus()
    await live.pilot.press("A")
    await live.until(lambda: live.app.main.open_ticket_id == oldest.ticket_id)
    assert live.app.store.ticket(oldest.ticket_id).ticket.handle_by_id == "op-1"
    accepted = await live.customer.next(ListenEvent.TICKET_ACCEPTED)
    assert accepted[0]["ticketId"] == oldest.ticket_id


async def test_escape_clears_an_active_filter_and_hides_it(live: Live) -> None:
    await live.open_ticket("Missing order")
    main = live.app.main
    main.queue.focus()
    await live.pilot.press("slash", *"zzz", "enter")
    assert main.queue.filter_text == "zzz" and main.queue.ticket_ids == []
    assert main.queue.has_focus
    await live.pilot.press("escape")
    assert main.queue.filter_text == "" and len(main.queue.ticket_ids) == 1
    assert not main.filter_input.display


async def test_o_reopens_a_closed_ticket_after_asking(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("c", "y")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).is_closed)
    await live.pilot.press("o")
    screen = live.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert "Reopen" in screen.question.plain and "Missing order" in screen.question.plain
    await live.pilot.press("y")
    await live.until(lambda: not live.app.store.ticket(ticket.ticket_id).is_closed)
    await live.until(lambda: len(live.customer.seen(ListenEvent.TICKET_STATUS_UPDATED)) == 2)
    statuses = live.customer.seen(ListenEvent.TICKET_STATUS_UPDATED)
    assert statuses[-1] == (ticket.ticket_id, int(TicketStatus.OPEN))


async def test_a_closed_ticket_a_customer_writes_on_comes_back_visibly(live: Live) -> None:
    closed = await live.open_ticket("Closed one")
    handled = await live.open_ticket("Handled one")
    op2 = await live.operator()
    assert not await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(handled))
    await live.select(closed.ticket_id)
    await live.pilot.press("c", "y")
    await live.until(lambda: live.app.store.ticket(closed.ticket_id).is_closed)
    live.app.main.set_view(View.ALL)
    assert live.app.main.queue.ticket_ids[-1] == closed.ticket_id  # closed: at the bottom
    late = Message(
        ticket_id=closed.ticket_id,
        message_id=str(uuid.uuid4()),
        content="one more thing",
        sender_id="cu-1",
        recipient_id="op-1",
    )
    # The reference server refuses it; a server that relays it must not bury it.
    refused = await live.customer.call(EmitEvent.UPDATE_MESSAGE, *emits.update_message(late, ""))
    assert refused
    live.app.deliver(MessageUpdated(late))
    await live.until(lambda: live.app.store.message(late.message_id) is not None)
    await live.until(lambda: live.app.main.queue.ticket_ids[0] == closed.ticket_id)
    record = live.app.store.ticket(closed.ticket_id)
    assert record.unread == 1 and record.waiting_since is not None
    await live.until(lambda: any("closed ticket" in t for t, _, _ in live.notifications()))
    assert live.app.store.unread_tickets() == 1


async def test_a_colleagues_message_on_a_closed_ticket_is_not_a_customer_writing_again(
    live: Live,
) -> None:
    closed = await live.open_ticket("Closed one")
    await live.select(closed.ticket_id)
    await live.pilot.press("c", "y")
    await live.until(lambda: live.app.store.ticket(closed.ticket_id).is_closed)
    note = Message(
        ticket_id=closed.ticket_id,
        message_id=str(uuid.uuid4()),
        content="closing remark",
        sender_id="op-2",
        sender_nm="Oscar Other",
        recipient_id="cu-1",
    )
    bells = len(live.bells)
    live.app.deliver(MessageUpdated(note))  # as a server that relays it (ours refuses it)
    await live.until(lambda: live.app.store.message(note.message_id) is not None)
    await live.pilot.pause(0.2)
    assert not any("closed ticket" in t for t, _, _ in live.notifications())
    assert len(live.bells) == bells
