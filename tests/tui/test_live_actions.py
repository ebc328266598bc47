"""Every operator action, by key, against the real reference server."""

from chat_console.protocol import EmitEvent, ListenEvent, TicketStatus, emits
from chat_console.store import View
from chat_console.tui.screens.assign import AssignScreen
from chat_console.tui.screens.confirm import ConfirmScreen
from tests.tui.conftest import Live


async def test_a_new_ticket_rings_notifies_and_accept_awaits_the_ack(live: Live) -> None:
    ticket = await live.open_ticket("Missing order")
    await live.until(lambda: live.notifications())
    assert live.bells
    assert ("New ticket", "Carl Customer — Missing order", "information") in live.notifications()
    await live.select(ticket.ticket_id)
    queue = live.app.main.queue
    shown: list[tuple[str, str | None]] = []
    set_busy = queue.set_busy
    queue.set_busy = lambda tid, label: (shown.append((tid, label)), set_busy(tid, label))  # type: ignore[method-assign]
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")
    record = live.app.store.ticket(ticket.ticket_id)
    assert record is not None and record.status == TicketStatus.OPEN
    accepted = await live.customer.next(ListenEvent.TICKET_ACCEPTED)
    assert accepted[0]["handleById"] == "op-1"
    await live.until(lambda: not queue.busy)
    assert shown == [(ticket.ticket_id, "accepting…"), (ticket.ticket_id, None)]
    assert live.app.main.queue.ticket_ids == live.app.store.queue(View.ALL)


async def test_an_error_ack_shows_the_servers_words_and_changes_nothing(live: Live) -> None:
    ticket = await live.open_ticket()
    op2 = await live.operator()
    wire = await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket))
    assert not wire
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2")
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: any(sev == "error" for _, _, sev in live.notifications()))
    title, words, _ = next(n for n in live.notifications() if n[2] == "error")
    assert title == "Server said" and words  # the server's own refusal, shown literally
    assert live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2"
    assert not live.app.main.queue.busy


async def test_close_asks_first_and_only_yes_closes(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id)
    await live.pilot.press("c")
    assert isinstance(live.app.screen, ConfirmScreen)
    await live.pilot.press("n")
    assert live.app.screen is live.app.main
    assert not live.app.store.ticket(ticket.ticket_id).is_closed
    await live.pilot.press("c")
    await live.pilot.press("y")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).is_closed)
    changed = await live.customer.next(ListenEvent.TICKET_STATUS_UPDATED)
    assert changed == (ticket.ticket_id, int(TicketStatus.CLOSED))


async def test_hijack_names_the_current_handler_and_takes_the_ticket(live: Live) -> None:
    ticket = await live.open_ticket()
    op2 = await live.operator()
    assert not await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket))
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2")
    await live.select(ticket.ticket_id)
    await live.pilot.press("h")
    screen = live.app.screen
    assert isinstance(screen, ConfirmScreen)
    assert "Oscar Other" in screen.question.plain
    await live.pilot.press("y")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")
    taken = await op2.next(ListenEvent.NOTIFY_OF_ASSIGNMENT)
    assert taken[:2] == (ticket.ticket_id, 0)
    await live.customer.roundtrip()
    await live.pilot.pause()
    assert not [n for n in live.notifications() if n[0] == "Assigned to you"]  # we did it


async def test_assign_modal_lists_operators_and_a_typed_id_works_too(live: Live) -> None:
    ticket = await live.open_ticket()
    op2 = await live.operator()
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")
    await live.pilot.press("t")
    await live.until(lambda: isinstance(live.app.screen, AssignScreen))
    screen = live.app.screen
    assert isinstance(screen, AssignScreen)
    assert [op.id for op in screen.operators] == ["op-2"]
    await live.pilot.press("enter")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2")
    assigned = await op2.next(ListenEvent.NOTIFY_OF_ASSIGNMENT)
    assert assigned[:2] == (ticket.ticket_id, 1)
    await live.customer.roundtrip()
    await live.pilot.pause()
    assert not [n for n in live.notifications() if n[0] == "Taken from you"]  # we gave it away
    # Back to me by typing an id is refused (it's op-1, not in the list): type op-2's id again
    # on a second ticket instead.
    second = await live.open_ticket("Login trouble")
    await live.select(second.ticket_id)
    await live.pilot.press("t")
    await live.until(lambda: isinstance(live.app.screen, AssignScreen))
    await live.pilot.press("tab", *"op-2", "enter")
    await live.until(lambda: live.app.store.ticket(second.ticket_id).ticket.handle_by_id == "op-2")


async def test_assigned_to_me_rings_and_taken_away_notifies_and_leaves_mine(live: Live) -> None:
    ticket = await live.open_ticket()
    op2 = await live.operator()
    assert not await op2.call(EmitEvent.ACCEPT_TICKET, *emits.accept_ticket(ticket))
    bells = len(live.bells)
    assert not await op2.call(
        EmitEvent.ASSIGN_TICKET, *emits.assign_ticket(ticket.ticket_id, "op-1")
    )
    await live.until(lambda: live.app.store.queue(View.MINE) == [ticket.ticket_id])
    await live.until(lambda: any(t == "Assigned to you" for t, _, _ in live.notifications()))
    assert len(live.bells) > bells
    assert not await op2.call(EmitEvent.ASSIGN_TICKET, *emits.assign_ticket(ticket.ticket_id, None))
    await live.until(lambda: any(t == "Taken from you" for t, _, _ in live.notifications()))
    assert ("Taken from you", "Carl Customer — Missing order", "warning") in live.notifications()
    assert live.app.store.queue(View.MINE) == []


async def test_keymap_remaps_a_binding_by_id(live_factory) -> None:  # type: ignore[no-untyped-def]
    async with live_factory(keymap={"accept": "x"}) as live:
        ticket = await live.open_ticket()
        await live.select(ticket.ticket_id)
        await live.pilot.press("a")
        await live.customer.roundtrip()
        assert not live.app.main.queue.busy
        assert live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id in (None, "")
        await live.pilot.press("x")
        await live.until(
            lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1"
        )


async def test_quit_stops_the_client(live: Live) -> None:
    client = live.app.client
    await live.pilot.press("q")
    await live.until(lambda: not live.app.is_running)
    assert str(client.state) == "offline"  # type: ignore[union-attr]
