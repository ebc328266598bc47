"""A draft per ticket: what is typed for one customer never follows to another, and it survives a
restart (SQLite). The crash case is in tests/faults/test_draft_kill.py."""

from pathlib import Path

from chat_console.protocol import ListenEvent, Ticket, TicketStatus
from chat_console.protocol.inbound import TicketCreated
from chat_console.store import Store
from tests.tui.conftest import Live
from tests.tui.sample import ME, fixed_clock, store_app


def two_tickets(path: Path) -> Store:
    store = Store(path, operator_id=ME.user_id, clock=fixed_clock)
    store.apply_batch(
        [
            TicketCreated(
                Ticket(
                    ticket_id=tid,
                    ticket_nm=title,
                    owner_id="cu-1",
                    owner_nm=name,
                    status_id=TicketStatus.OPEN,
                    handle_by_id=ME.user_id,
                )
            )
            for tid, title, name in (
                ("t-a", "Double charge", "Carl"),
                ("t-b", "[b]Change address[/b]", "Dora"),
            )
        ]
    )
    return store


async def test_a_draft_stays_with_its_ticket_and_comes_back_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "console.sqlite3"
    app = store_app(two_tickets(path))
    async with app.run_test(size=(100, 30)) as pilot:
        main = app.main
        main.queue.select("t-a")
        await pilot.press("enter", *"half a reply")
        assert main.composer.placeholder == "Reply to Carl · Double charge — Enter sends"
        await pilot.press("escape")
        main.queue.select("t-b")
        await pilot.press("enter")
        assert main.open_ticket_id == "t-b"
        assert main.composer.text == ""  # Carl's words do not follow to Dora's ticket
        assert main.composer.placeholder == "Reply to Dora · [b]Change address[/b] — Enter sends"
        await pilot.press(*"for Dora")
        await pilot.press("escape")
        main.queue.select("t-a")
        await pilot.press("enter")
        assert main.composer.text == "half a reply"
    app.store.close()

    again = store_app(Store(path, operator_id=ME.user_id, clock=fixed_clock))
    async with again.run_test(size=(100, 30)) as pilot:
        again.main.queue.select("t-b")
        await pilot.press("enter")
        assert again.main.composer.text == "for Dora"
        await pilot.press("escape")
        again.main.queue.select("t-a")
        await pilot.press("enter")
        assert again.main.composer.text == "half a reply"


async def test_a_stored_draft_is_put_back_and_emptying_it_forgets_it(
    tmp_path: Path,
) -> None:
    store = two_tickets(tmp_path / "console.sqlite3")
    store.save_draft("t-a", "kept")
    app = store_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        app.main.queue.select("t-a")
        await pilot.press("enter")
        assert app.main.composer.text == "kept"
        await pilot.press(*["backspace"] * 4)
        assert app.store.draft("t-a") == ""


async def test_a_draft_put_back_is_not_typing_and_sending_clears_it(live: Live) -> None:
    ticket = await live.open_ticket("Double charge")
    live.app.store.save_draft(ticket.ticket_id, "your refund")
    await live.select(ticket.ticket_id)
    await live.pilot.press("a")
    await live.until(lambda: live.app.store.ticket(ticket.ticket_id).ticket.handle_by_id == "op-1")
    await live.pilot.press("enter")
    assert live.app.main.composer.text == "your refund"
    await live.customer.roundtrip()
    assert live.customer.seen(ListenEvent.TYPING) == [] and live.app.typing_sent == 0
    await live.pilot.press("enter")
    args = await live.customer.next(ListenEvent.MESSAGE_UPDATED)
    assert args[0]["content"] == "your refund"
    assert live.app.store.draft(ticket.ticket_id) == ""
