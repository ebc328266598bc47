"""Pictures of every state an operator sees, from fixed data and a fixed clock.

Update after a deliberate change with `python -m pytest tests/tui/test_snapshots.py
--snapshot-update` and look at the report before committing.
"""

from textual.pilot import Pilot

from chat_console.store import Store
from chat_console.tui import messages as msg
from chat_console.tui.screens.assign import AssignScreen
from tests.helpers import console
from tests.tui.sample import CONFIG, ME, fixed_clock, store_app


def test_empty_queue(snap_compare) -> None:  # type: ignore[no-untyped-def]
    empty = Store(":memory:", operator_id=ME.user_id, clock=fixed_clock)
    assert snap_compare(store_app(empty), terminal_size=(80, 24))


def test_mixed_queue(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def online(pilot: Pilot[int]) -> None:
        await pilot.pause()
        console(pilot).main.post_message(msg.ConnectionChanged("online", None, None))
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=online)


async def open_carl(pilot: Pilot[int]) -> None:
    await pilot.pause()
    main = console(pilot).main
    main.post_message(msg.ConnectionChanged("online", None, None))
    main.queue.select("t1")
    await pilot.press("enter")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()  # Carl's photo, decoded in a thread
    await pilot.pause()


def test_open_conversation_with_ticks_and_typing(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=open_carl)


def test_open_conversation_wide(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(store_app(), terminal_size=(200, 60), run_before=open_carl)


def test_assign_modal(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def assign(pilot: Pilot[int]) -> None:
        await pilot.pause()
        pilot.app.push_screen(AssignScreen("Carl Customer — Order 1042", list(CONFIG.operators)))
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=assign)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(store_app(), terminal_size=(80, 24), press=["question_mark"])


def test_search_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(store_app(), terminal_size=(80, 24), press=["ctrl+f", *"address"])


def test_offline_status(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def offline(pilot: Pilot[int]) -> None:
        await pilot.pause()
        console(pilot).main.post_message(
            msg.ConnectionChanged("offline", "credentials rejected: invalid token", None)
        )
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=offline)


def test_reconnecting_status(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def reconnecting(pilot: Pilot[int]) -> None:
        await pilot.pause()
        console(pilot).main.post_message(
            msg.ConnectionChanged("reconnecting", "connection lost", 4.0)
        )
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=reconnecting)


def test_80x24_long_header_details_and_a_notice(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """The common ssh window: a long title gives way in the header's one line, the details line
    (`i`) tells look-alike tickets apart, and a notice sits top right, clear of the composer."""
    from chat_console.protocol import Ticket, TicketStatus
    from chat_console.protocol.inbound import TicketCreated
    from tests.tui.sample import NOW

    async def long_header(pilot: Pilot[int]) -> None:
        await pilot.pause()
        app = pilot.app
        main = app.main  # type: ignore[attr-defined]
        main.post_message(msg.ConnectionChanged("online", None, None))
        long = Ticket(
            ticket_id="9f3c2a71-0000-4000-8000-000000000001",
            ticket_nm="My parcel was delivered to the wrong address and then sent back",
            display_nm="Maximilian Alexander von Musterhausen-Beispielberg",
            owner_id="cu-77",
            owner_nm="Maximilian Alexander von Musterhausen-Beispielberg",
            status_id=TicketStatus.OPEN,
            handle_by_id="op-2",
            handle_by_nm="Oscar Other",
            created_at=NOW,
        )
        app.store.apply(TicketCreated(long))  # type: ignore[attr-defined]
        main.queue.reload()
        main.queue.select(long.ticket_id)
        await pilot.press("enter", "escape", "i")
        main.notify_about([long.ticket_id], "Taken from you", severity="warning")
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=long_header)


def test_reply_picker(snap_compare) -> None:  # type: ignore[no-untyped-def]
    from chat_console.replies import Reply
    from chat_console.tui.screens.reply_picker import ReplyPicker

    replies = (
        Reply("greeting", "Hello {customer}, I am {operator}. How can I help?"),
        Reply("refund_full", "I have refunded the whole order: it shows in 3-5 working days."),
        Reply("refund_partial", "I have refunded {amount} of the order."),
        Reply("shipping", "Your parcel left our warehouse today."),
    )

    async def pick(pilot: Pilot[int]) -> None:
        await pilot.pause()
        pilot.app.push_screen(ReplyPicker(replies, "ref"))
        await pilot.pause()

    # over an empty queue: the picture is the picker's, whatever the queue's rows come to show
    from chat_console.tui.app import ConsoleApp

    empty = Store(":memory:", operator_id=ME.user_id, clock=fixed_clock)
    app = ConsoleApp(CONFIG, store=empty, clock=fixed_clock, live_clock=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=pick)


def test_composer_over_several_lines_near_the_limit(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """A reply of many lines: the composer has grown to its most (5 lines at 24 rows) and
    scrolls, the cursor's line in sight; past 80 % of the limit its border shows the size."""

    async def write(pilot: Pilot[int]) -> None:
        await open_carl(pilot)
        composer = console(pilot).main.composer
        composer.put_back(("x" * 99 + "\n") * 8400 + "Dear Carl,\nyour parcel left today")
        await pilot.press("ctrl+j", *"Olivia")
        await pilot.pause()

    assert snap_compare(store_app(), terminal_size=(80, 24), run_before=write)
