"""The console's clock wakes it only for what time alone changes: the next moment a waiting time
on screen reads differently, the next reminder, a typing indicator going out, the retry
countdown; with nothing of that, it is not woken at all (issue 15: an idle console with 1,000
tickets in its history spent half its CPU looking at all of them every second)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from chat_console.alerts import AlertRules, Kind
from chat_console.protocol import EmitEvent, emits
from chat_console.store import View
from chat_console.store.store import TYPING_TTL
from chat_console.tui import messages as msg
from tests.tui.conftest import Live
from tests.tui.test_live_conversation import accept_and_open

NO_REMINDERS = AlertRules(kinds=frozenset(set(Kind) - {Kind.REMINDER}))


def waiting_since(live: Live, ticket_id: str) -> datetime:
    record = live.app.store.ticket(ticket_id)
    assert record is not None and record.waiting_since is not None
    return record.waiting_since


async def clock_moves_to(live: Live, since: datetime, waited: float) -> None:
    """The console's clock reads `waited` seconds after `since`, and its timer rings."""
    live.clock.offset += since + timedelta(seconds=waited) - live.app.clock()
    live.app.clock_moved()  # what the timer does when it rings
    await live.pilot.pause()


async def test_nothing_waiting_and_nobody_typing_sets_no_clock(live: Live) -> None:
    ticket_id = await accept_and_open(live)
    await live.until(lambda: live.app.wakeup.due is not None)  # the customer waits
    await live.pilot.press(*"Hello", "enter")  # answered: nobody waits any more
    await live.until(lambda: live.app.store.ticket(ticket_id).waiting_since is None)
    await live.until(lambda: live.app.wakeup.due is None)


async def test_the_clock_wakes_when_a_shown_waiting_time_next_reads_differently(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(alerts=NO_REMINDERS, wait_warning=75) as live:
        ticket = await live.open_ticket()
        since = waiting_since(live, ticket.ticket_id)
        await clock_moves_to(live, since, 10.3)
        assert live.app.wakeup.due == since + timedelta(seconds=11)  # seconds in the first minute
        await clock_moves_to(live, since, 70)
        assert live.app.wakeup.due == since + timedelta(seconds=75)  # amber from 75 s on
        await clock_moves_to(live, since, 90.5)
        assert live.app.wakeup.due == since + timedelta(minutes=2)  # then minutes
        await clock_moves_to(live, since, 400)
        assert live.app.wakeup.due == since + timedelta(minutes=7)  # red since 300 s: minutes
        live.app.main.set_view(View.CLOSED)  # the ticket is not on screen any more
        await live.until(lambda: live.app.wakeup.due is None)
        live.app.main.set_view(View.ALL)
        await live.until(lambda: live.app.wakeup.due == since + timedelta(minutes=7))


async def test_a_reminder_rings_when_due_by_the_consoles_own_timer(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(alerts=AlertRules(remind_after=1, remind_every=60)) as live:
        live.app.main.set_view(View.CLOSED)  # no waiting time on screen wakes the console
        ticket = await live.open_ticket()
        since = waiting_since(live, ticket.ticket_id)
        await live.until(lambda: live.app.wakeup.due == since + timedelta(seconds=1))
        await live.until(lambda: len(live.bells) == 2)  # the new ticket, then the reminder
        assert live.app.wakeup.due is not None
        assert live.app.wakeup.due >= since + timedelta(seconds=61)  # the next one, a minute on


async def test_the_clock_wakes_when_a_typing_indicator_goes_out(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(alerts=NO_REMINDERS) as live:
        ticket_id = await accept_and_open(live)
        await live.pilot.press(*"Hello", "enter")  # answered: no waiting time ticks
        await live.until(lambda: live.app.wakeup.due is None)
        await live.customer.sio.emit(EmitEvent.TYPING, emits.typing(ticket_id, "op-1"))
        await live.until(lambda: live.app.store.typing(ticket_id) is not None)
        started = live.app.store._typing[ticket_id][1]
        await live.until(lambda: live.app.wakeup.due == started + TYPING_TTL)
        live.clock.offset += TYPING_TTL
        live.app.clock_moved()
        await live.pilot.pause()
        assert live.app.store.typing(ticket_id) is None
        assert live.app.wakeup.due is None


async def test_the_retry_countdown_wakes_the_clock_every_second_until_it_stops(
    live_factory: Callable[..., Any],
) -> None:
    async with live_factory(alerts=NO_REMINDERS) as live:
        assert live.app.wakeup.due is None
        live.app.main.post_message(msg.ConnectionChanged("reconnecting", "gone", 3.5))
        await live.until(lambda: live.app.wakeup.due is not None)
        due = live.app.wakeup.due
        assert due is not None
        assert timedelta(0) < due - live.app.clock() <= timedelta(seconds=1)
        live.app.main.post_message(msg.ConnectionChanged("online", None, None))
        await live.until(lambda: live.app.wakeup.due is None)


async def test_a_waiting_time_on_screen_moves_on_by_itself(live: Live) -> None:
    ticket = await live.open_ticket()
    queue = live.app.main.queue

    def shown() -> str:
        """The waiting time of the ticket's row as last drawn (not drawn again here)."""
        key = queue._shown.get(queue.ticket_ids.index(ticket.ticket_id) * 2)
        if key is None or len(key) < 4 or key[3] is None:
            return ""  # the line was last drawn before the ticket reached it, or shows no wait
        return str(key[3][0])

    await live.until(lambda: shown().endswith("s"))
    first = shown()
    await live.until(lambda: shown() != first)  # drawn again by the console's own timer
    assert shown().endswith("s")


async def test_the_clock_timer_never_sleeps_past_a_minute() -> None:
    """The loop's clock stops while the machine sleeps and does not follow a step of the wall
    clock: a waiting time a day old (next label change in an hour) must still catch up within a
    minute of either (found in review)."""
    import asyncio

    from chat_console.protocol import now_utc
    from chat_console.tui.wakeup import LONGEST, Wakeup

    rang: list[bool] = []
    wakeup = Wakeup(now_utc, lambda: rang.append(True))
    wakeup.set(now_utc() + timedelta(hours=1))
    timer = wakeup._timer
    assert timer is not None
    assert timer.when() - asyncio.get_running_loop().time() <= LONGEST
    wakeup.stop()
