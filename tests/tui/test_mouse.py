"""Operators over ssh click: rows, view tabs and dialog buttons answer the mouse."""

from textual import events

from chat_console.protocol import ListenEvent, TicketStatus
from chat_console.store import View
from chat_console.tui.screens.assign import AssignScreen
from chat_console.tui.screens.confirm import ConfirmScreen
from chat_console.tui.widgets.bars import ViewsBar
from chat_console.tui.widgets.queue import ROW_HEIGHT, QueueView
from tests.tui.conftest import Live


async def test_a_click_selects_a_row_and_a_double_click_opens_it(live: Live) -> None:
    await live.open_ticket("First")
    await live.open_ticket("Second")
    queue = live.app.main.queue
    second = queue.ticket_ids[1]
    assert await live.pilot.click(QueueView, offset=(3, ROW_HEIGHT))
    assert queue.highlighted == second and live.app.main.open_ticket_id is None
    assert await live.pilot.double_click(QueueView, offset=(3, ROW_HEIGHT + 1))
    await live.pilot.pause()
    assert live.app.main.open_ticket_id == second
    assert live.app.main.focused is live.app.main.composer


async def test_a_click_on_a_view_tab_picks_that_view(live: Live) -> None:
    await live.open_ticket()
    bar = live.app.main.query_one(ViewsBar)
    text = "".join(segment.text for segment in bar.render_line(0))
    assert await live.pilot.click(ViewsBar, offset=(text.index("Mine") + 1, 0))
    assert live.app.main.queue.view == View.MINE
    assert await live.pilot.click(ViewsBar, offset=(text.index("New") + 1, 0))
    assert live.app.main.queue.view == View.NEW


async def test_dialog_buttons_answer_a_click(live: Live) -> None:
    ticket = await live.open_ticket()
    await live.select(ticket.ticket_id)
    await live.pilot.press("c")
    assert isinstance(live.app.screen, ConfirmScreen)
    assert await live.pilot.click("#no")
    assert live.app.screen is live.app.main
    await live.pilot.press("c")
    assert await live.pilot.click("#yes")
    changed = await live.customer.next(ListenEvent.TICKET_STATUS_UPDATED)
    assert changed == (ticket.ticket_id, int(TicketStatus.CLOSED))
    await live.pilot.press("t")
    await live.until(lambda: isinstance(live.app.screen, AssignScreen))
    assert await live.pilot.click("#cancel")
    assert live.app.screen is live.app.main
    await live.pilot.press("o", "y")  # reopen, then hand it to op2 by a click
    await live.until(lambda: not live.app.store.ticket(ticket.ticket_id).is_closed)
    await live.pilot.press("t")
    await live.until(lambda: isinstance(live.app.screen, AssignScreen))
    assert await live.pilot.click("#assign")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-2")


async def test_the_wheel_scrolls_the_queue_under_it(live: Live) -> None:
    for number in range(16):
        await live.open_ticket(f"Ticket {number}")
    queue = live.app.main.queue
    await live.pilot.pause()
    assert queue.virtual_size.height > queue.size.height
    for _ in range(3):
        queue.post_message(events.MouseScrollDown(queue, 2, 2, 0, 0, 0, False, False, False))
    await live.pilot.pause()
    assert queue.scroll_y > 0


async def test_the_wheel_scrolls_the_conversation_under_it(live: Live) -> None:
    ticket = await live.open_ticket()
    for number in range(30):
        await live.customer_says(ticket.ticket_id, f"line {number}")
    await live.select(ticket.ticket_id)
    await live.pilot.press("enter")
    await live.pilot.pause()
    transcript = live.app.main.transcript
    bottom = transcript.scroll_y
    assert bottom > 0
    for _ in range(3):
        transcript.post_message(
            events.MouseScrollUp(transcript, 2, 2, 0, 0, 0, False, False, False)
        )
    await live.pilot.pause()
    assert transcript.scroll_y < bottom
