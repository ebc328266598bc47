"""Alerts against the real server: the bell per kind, the reminder while a new ticket waits
(on the console's own clock, stepped: nobody sleeps a minute), quiet hours, and desktop
notifications whose customer name cannot break out of the OSC string."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chat_console.alerts import AlertRules, Desktop, Kind, QuietHours
from chat_console.protocol import EmitEvent, Ticket, emits
from chat_console.server.accounts import Account, Accounts, Role, demo_accounts
from tests.helpers import Peer
from tests.tui.conftest import Live
from tests.tui.test_copy_message import capture_terminal

EVE = "Eve\x1b]52;c;cm0gLXJm\x07;x\x1b\\ \x9d0;pwned\x07"


def accounts_with_eve() -> Accounts:
    demo = demo_accounts()
    eve = Account("eve", "evepass", "cu-eve", EVE, Role.CUSTOMER)
    return Accounts([*demo.operators(), *demo.customers(), eve], demo.clients())


async def remind_now(live: Live) -> None:
    live.app.clock_moved()  # what the app does when its clock timer rings
    await live.pilot.pause()


async def test_a_new_ticket_rings_then_reminds_until_it_is_accepted(
    live_factory: Callable[..., Any],
) -> None:
    rules = AlertRules(remind_after=60, remind_every=30)
    async with live_factory(alerts=rules) as live:
        ticket = await live.open_ticket()
        await live.until(lambda: live.bells == [1])  # the bell for the new ticket
        live.clock.offset += timedelta(seconds=59)
        await remind_now(live)
        assert len(live.bells) == 1
        live.clock.offset += timedelta(seconds=2)
        await live.until(lambda: len(live.bells) == 2)  # the app's own timer reminds
        live.clock.offset += timedelta(seconds=20)
        await remind_now(live)
        assert len(live.bells) == 2  # not yet: every 30 s
        live.clock.offset += timedelta(seconds=10)
        await remind_now(live)
        assert len(live.bells) == 3
        await live.select(ticket.ticket_id)
        await live.pilot.press("a")
        await live.until(lambda: not live.app.store.ticket(ticket.ticket_id).is_new)
        live.clock.offset += timedelta(minutes=10)
        await remind_now(live)
        assert len(live.bells) == 3  # accepted: no more reminders


async def test_switched_off_kinds_and_quiet_hours_do_not_ring(
    live_factory: Callable[..., Any],
) -> None:
    now = datetime.now(UTC).astimezone()  # quiet hours are local time, as the operator's clock
    around_now = QuietHours(
        (now - timedelta(hours=1)).time().replace(second=0, microsecond=0),
        (now + timedelta(hours=1)).time().replace(second=0, microsecond=0),
    )
    quiet = AlertRules(quiet_hours=around_now, remind_after=1, remind_every=1)
    async with live_factory(alerts=quiet) as live:
        await live.open_ticket()
        live.clock.offset += timedelta(seconds=5)
        await remind_now(live)
        assert live.bells == []
        assert any(title == "New ticket" for title, _, _ in live.notifications())  # still said
    no_new = AlertRules(kinds=frozenset(set(Kind) - {Kind.NEW_TICKET}), remind_after=60)
    async with live_factory(alerts=no_new) as live:
        await live.open_ticket()
        await live.pilot.pause()
        assert live.bells == []
        live.clock.offset += timedelta(seconds=61)
        await remind_now(live)
        assert live.bells == [1]  # the reminder is a kind of its own


@pytest.mark.server(accounts=accounts_with_eve())
@pytest.mark.parametrize("desktop", [Desktop.OSC9, Desktop.OSC777, Desktop.OSC99])
async def test_a_desktop_notification_names_the_customer_without_their_escapes(
    live_factory: Callable[..., Any], desktop: Desktop
) -> None:
    async with live_factory(alerts=AlertRules(desktop=desktop)) as live:
        eve = Peer()
        live.peers.append(eve)
        await eve.login(live.server.url, "eve", "evepass", operator=False)
        written = capture_terminal(live.app)
        ticket = Ticket(ticket_id=str(uuid.uuid4()), ticket_nm="Help", display_nm="Olivia")
        assert not await eve.call(EmitEvent.CREATE_TICKET, *emits.create_ticket(ticket))
        await live.until(lambda: live.bells)
        record = live.app.store.ticket(ticket.ticket_id)
        assert record is not None and record.ticket.owner_nm == EVE  # as the server gave it
        terminal = "".join(written)
        start = {Desktop.OSC9: "\x1b]9;", Desktop.OSC777: "\x1b]777;", Desktop.OSC99: "\x1b]99;"}
        sequence = terminal[terminal.index(start[desktop]) :]
        end = "\x07" if desktop is not Desktop.OSC99 else "\x1b\\"
        sequence = sequence[: sequence.rindex(end) + len(end)]
        # as the console shows it (stand-ins for the controls), with no `;` to start a field
        expected_body = "new ticket: Eve␛]52,c,cm0gLXJm␇,x␛\\ \\x9d0,pwned␇"
        expected = {
            Desktop.OSC9: f"\x1b]9;chat-console: {expected_body}\x07",
            Desktop.OSC777: f"\x1b]777;notify;chat-console;{expected_body}\x07",
            Desktop.OSC99: "\x1b]99;i=cc:d=0:p=title;chat-console\x1b\\"
            f"\x1b]99;i=cc:d=1:p=body;{expected_body}\x1b\\",
        }
        assert sequence == expected[desktop]
        assert "\x1b]52;" not in terminal and "\x9d" not in terminal


async def test_desktop_notifications_are_off_unless_asked_for(live: Live) -> None:
    written = capture_terminal(live.app)
    await live.open_ticket()
    await live.until(lambda: live.bells)
    assert "\x1b]" not in "".join(written)
