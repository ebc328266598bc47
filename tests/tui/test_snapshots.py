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
