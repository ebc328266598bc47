"""The console over a store filled directly from protocol events: no server needed."""

from datetime import timedelta

import pytest

from chat_console.protocol import Message, Ticket, TicketStatus
from chat_console.protocol.inbound import MessageUpdated
from chat_console.store import Store, View
from chat_console.tui.app import ConsoleApp
from chat_console.tui.widgets.composer import Composer
from chat_console.tui.widgets.queue import QueueView
from chat_console.tui.widgets.transcript import Transcript
from tests.tui.sample import ME, NOW, fixed_clock, store_app


def _widget_count(app) -> int:  # type: ignore[no-untyped-def]
    return len(list(app.screen.walk_children(with_self=True)))


async def test_queue_shows_untrusted_names_literally_and_opens_a_ticket() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = app.main.queue
        assert queue.ticket_ids[0] == "t4"  # unread first
        label = app.store.ticket("t3").ticket.display_nm  # type: ignore[union-attr]
        assert "[@click=app.quit]" in label
        line = "".join(seg.text for seg in queue.render_line(2))
        assert "[@click=ap" in line and "\x1b" not in line
        queue.select("t1")
        await pilot.press("enter")
        assert app.main.open_ticket_id == "t1"
        assert isinstance(app.focused, Composer) and app.focused.id == "composer"


async def test_letters_typed_in_the_composer_are_text_not_commands() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.queue.select("t2")
        await pilot.press("enter")
        await pilot.press("a", "c", "h", "t", "q", "n", "question_mark", "slash", "j")
        await pilot.pause()
        assert app.main.composer.text == "achtqn?/j"
        assert app.is_running and len(app.screen_stack) == 1
        await pilot.press("escape")
        assert app.focused is app.main.queue


async def test_views_filter_and_next_unread() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        queue = app.main.queue
        await pilot.press("v")
        assert queue.view == View.NEW and set(queue.ticket_ids) == {"t2", "t3"}
        await pilot.press("v", "v")
        assert queue.view == View.CLOSED and queue.ticket_ids == ["t5"]
        await pilot.press("v")
        await pilot.press("slash", "d", "a", "n", "a")
        assert queue.ticket_ids == ["t2"]
        await pilot.press("escape")
        assert app.focused is queue
        await pilot.press("slash", *["backspace"] * 4, "enter")
        assert len(queue.ticket_ids) == 5
        queue.select("t2")
        await pilot.press("n")
        assert queue.highlighted == "t4"  # the only ticket with unread messages


async def test_help_screen_lists_every_binding_and_palette_opens() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        from chat_console.tui.screens.help import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is app.main
        await pilot.press("ctrl+p")
        from textual.command import CommandPalette

        assert isinstance(app.screen, CommandPalette)


async def test_ten_thousand_tickets_and_a_hundred_thousand_messages_stay_bounded() -> None:
    store = Store(":memory:", operator_id=ME.user_id, clock=fixed_clock)
    store.load_tickets(
        [
            Ticket(
                ticket_id=f"t{i:05d}",
                display_nm=f"Customer {i}",
                ticket_nm=f"Question {i}",
                status_id=TicketStatus.NEW if i % 3 else TicketStatus.OPEN,
                owner_id=f"cu-{i}",
                created_at=NOW - timedelta(seconds=i),
            )
            for i in range(10_000)
        ]
    )
    big = "t00001"
    store.apply_batch(
        MessageUpdated(
            Message(
                ticket_id=big,
                message_id=f"m{i}",
                content=f"message number {i} " + "word " * (i % 30),
                sender_id="cu-1" if i % 2 else ME.user_id,
                sender_nm="Customer 1" if i % 2 else "Olivia Operator",
                recipient_id=ME.user_id,
                created_at=NOW - timedelta(seconds=100_000 - i),
            )
        )
        for i in range(100_000)
    )
    assert len(store) == 10_000 and store.has_older(big)  # not on screen: in SQLite
    app = store_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        queue = app.main.queue
        assert len(queue.ticket_ids) == 10_000
        widgets_before = _widget_count(app)
        assert widgets_before < 60  # one widget for the queue, not one per ticket
        await pilot.press("j", "j", "j", "pagedown", "pagedown")
        assert queue.cursor == 3 + 2 * (queue.size.height // 2)
        assert queue.scroll_y > 0
        await pilot.press("end")  # found in the demo: End scrolled the view, Enter opened row 1
        assert queue.cursor == 9_999 and queue.scroll_y == queue.max_scroll_y
        await pilot.press("home")
        assert queue.cursor == 0 and queue.scroll_y == 0
        queue.select(big)
        await pilot.press("enter")
        transcript = app.main.query_one(Transcript)
        assert store.load_older(big, 100_000)  # as if scrolled back through all of it
        transcript.older_arrived(big)
        await pilot.pause()
        assert len(store.message_ids(big)) == 100_000
        assert transcript.line_count > 100_000
        assert transcript.scroll_y == transcript.max_scroll_y > 0  # opened at the newest
        assert transcript.visible_message_ids()[-1] == "m99999"
        transcript.focus()
        await pilot.press("home")
        assert transcript.scroll_y == 0 and transcript.visible_message_ids()[0] == "m0"
        await pilot.press("pagedown", "down")
        assert transcript.scroll_y > 0
        assert _widget_count(app) < 60  # scrollbars and footer keys, never one per message
        assert len(app.main.query(QueueView)) == 1


async def test_a_burst_of_events_is_applied_as_one_batch_with_one_message_per_kind() -> None:
    from chat_console.tui import messages as msg

    posted: list[object] = []
    app = store_app()
    async with app.run_test(size=(80, 24), message_hook=posted.append) as pilot:
        await pilot.pause()
        posted.clear()
        for i in range(2_000):
            app.deliver(
                MessageUpdated(
                    Message(
                        ticket_id=f"burst-{i % 50}",
                        message_id=f"b{i}",
                        content="hi",
                        sender_id=f"cu-{i % 50}",
                        sender_nm=f"Burst {i % 50}",
                    )
                )
            )
        app.flush()
        await pilot.pause()
        # The hook sees a message at each pump it passes through: count distinct messages.
        unique = list({id(m): m for m in posted}.values())
        changed = [m for m in unique if isinstance(m, msg.MessagesChanged)]
        assert len(changed) == 1 and len(changed[0].ticket_ids) == 50
        assert len([m for m in unique if isinstance(m, msg.TicketsChanged)]) <= 1
        assert len(app.main.queue.ticket_ids) == 55
        await pilot.press("j")
        assert app.main.queue.cursor == 1


async def test_a_burst_of_new_tickets_is_one_notice_naming_a_few() -> None:
    from chat_console.protocol.inbound import TicketCreated

    def new_ticket(tid: str) -> TicketCreated:
        return TicketCreated(Ticket(ticket_id=tid, display_nm="Cust", ticket_nm=tid))

    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(10):
            app.deliver(new_ticket(f"flood-{i}"))
        app.flush()
        await pilot.pause()
        titles = [(n.title, str(n.message)) for n in app._notifications]
        assert len(titles) == 1 and titles[0][0] == "New ticket"
        assert titles[0][1].startswith("10 tickets: “Cust” — flood-0 · “Cust” — flood-1 ·")
        for i in range(2):
            app.deliver(new_ticket(f"pair-{i}"))
        app.flush()
        await pilot.pause()
        titles = [(n.title, str(n.message)) for n in app._notifications]
        assert titles[1:] == [("New ticket", "2 tickets: “Cust” — pair-0 · “Cust” — pair-1")]


async def test_the_command_palette_offers_every_action() -> None:
    from chat_console.tui.bindings import QUEUE, SCREEN

    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        titles = {command.title for command in app.get_system_commands(app.main)}
        assert {spec.description for spec in (*SCREEN, *QUEUE)} <= titles
        await pilot.press("ctrl+p", *"next view")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert app.main.queue.view == View.NEW


async def test_tab_cycles_queue_composer_transcript_and_escape_returns() -> None:
    app = store_app()
    async with app.run_test(size=(80, 24)) as pilot:
        main = app.main
        assert app.focused is main.queue
        await pilot.press("tab")
        assert app.focused is main.composer
        await pilot.press("tab")
        assert app.focused is main.transcript
        await pilot.press("tab")
        assert app.focused is main.queue
        await pilot.press("tab", "escape")
        assert app.focused is main.queue


async def test_a_keymap_entry_that_names_no_binding_is_reported() -> None:
    from dataclasses import replace

    from chat_console.tui.sample_data import CONFIG, mixed_store

    config = replace(CONFIG, keymap={"acept": "x", "quit": "ctrl+q"})
    app = ConsoleApp(config, store=mixed_store(), clock=fixed_clock, live_clock=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        notices = [str(n.message) for n in app._notifications if n.title == "Config"]
        assert len(notices) == 1 and notices[0].startswith("[keymap] names no binding: acept (")
        await pilot.press("q")  # remapped away: q no longer quits
        assert app.is_running


async def test_the_clock_tick_during_teardown_does_not_crash_the_quit() -> None:
    # The app's 1 s timer can fire after quit has removed the panes (seen once in CI).
    app = store_app()
    async with app.run_test(size=(80, 24)):
        await app.main.queue.remove()
        app.main.tick()
        assert app.is_running


async def test_background_work_that_fails_is_logged_and_said_not_lost(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = store_app()
    async with app.run_test(notifications=True) as pilot:

        async def broken() -> None:
            raise LookupError("a bug in a worker")

        app.main.run_worker(broken(), name="broken-work", exit_on_error=False)
        for _ in range(20):
            await pilot.pause(0.05)
        titles = [(n.title, str(n.message)) for n in app._notifications]
        assert ("Something failed", "LookupError: see the log") in titles
        assert app.is_running  # one failure does not end the console
    assert any(
        r.levelname == "ERROR" and "broken-work" in r.getMessage() and r.exc_info
        for r in caplog.records
    )
