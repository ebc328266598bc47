"""The Textual app: owns the store, the client and the event batching; the screen does the rest."""

import asyncio
import contextlib
import gc
import logging
import sqlite3
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.driver import Driver
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, TextArea
from textual.worker import Worker

from chat_console.client.events import ClientEvent, ConnectionStateChanged, EventDropped, Listener
from chat_console.protocol import TicketStatus, now_utc
from chat_console.store import Change, ChangeKind, Store, Tick, one_line
from chat_console.tui import messages as msg
from chat_console.tui.alerts import Alerter
from chat_console.tui.bindings import (
    EVERY,
    QUEUE,
    SCREEN,
    alt_characters,
    chord_for,
    keys_for,
    unknown_binding_ids,
)
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.notices import report_failed_worker
from chat_console.tui.ports import ClientPort, HistoryOwnership
from chat_console.tui.screens.main import MainScreen
from chat_console.tui.wakeup import Wakeup

if TYPE_CHECKING:
    from chat_console.client.courier import Courier
    from chat_console.config import Graphics

# Incoming events are applied in batches: the first event after a quiet spell at once (on the next
# turn of the message loop), later ones at most once a frame, so a burst costs one redraw a frame
# and a lone message is not held back by a fixed timer (it cost ~25 ms on average at 50 ms).
FLUSH_GAP = 1 / 60  # seconds
# Under a flood, fewer and bigger batches: a batch redraws the queue and the bars, and 60 of them a
# second cost more CPU than the events did (benchmarks/FINDINGS.md, Ingest); nobody reads a queue
# that changes faster than this. A flood is a rate, averaged over a quarter of a second so that a
# clump of events (a sender that stalled) is none: "64 events in one batch" took 3,840 a second,
# and at 1,000 a second every frame still drew a batch.
FLOOD_RATE = 500  # events a second that mean a flood (2.5 times the latency benchmark's 200)
RATE_WINDOW = 0.25  # seconds the rate is averaged over
FLOOD_GAP = 0.1  # seconds between batches while flooded
# At most this many events in one batch: a burst taken whole held the keys (benchmarks/FINDINGS.md,
# "Burst").
MAX_BATCH = 2000
READ_ONLY_RECHECK = 2.0  # seconds between two looks at whether the history's owner has quit
FINISH_WITHIN = 5.0  # seconds an orderly quit waits for the answer to a message in flight
ShutdownHook = Callable[[], Awaitable[None]]
log = logging.getLogger(__name__)


def event_rate(previous: float, events: int, seconds: float) -> float:
    """Events a second over about the last RATE_WINDOW: the `previous` rate moved towards what
    `events` in `seconds` (a frame at least) make, as far as `seconds` is of the window."""
    seconds = max(seconds, FLUSH_GAP)
    return previous + (events / seconds - previous) * min(1.0, seconds / RATE_WINDOW)


def batch_gap(rate: float) -> float:
    """How long to wait before the next batch while events come at `rate` a second."""
    return FLOOD_GAP if rate >= FLOOD_RATE else FLUSH_GAP


class ConsoleApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "chat-console"

    def __init__(
        self,
        config: ConsoleConfig,
        *,
        store: Store,
        client_factory: Callable[[Listener], ClientPort] | None = None,
        clock: Callable[[], datetime] = now_utc,
        timezone: tzinfo | None = None,
        live_clock: bool = True,
        history: HistoryOwnership | None = None,
    ) -> None:
        """`history`: whether this console owns its history file; one that does not is
        read-only (no courier) and looks again every few seconds, to take over once the owner
        has quit."""
        super().__init__()
        self.config = config
        self.store = store
        self.clock = clock
        self.timezone = timezone
        self.live_clock = live_clock  # False in snapshots: nothing moves on its own
        self._client_factory = client_factory
        self.client: ClientPort | None = None  # built after the first frame: _start_client
        self.courier: Courier | None = None
        self._history = history
        self.read_only_reason = history.read_only_reason() if history else None
        self._ownership_timer: Timer | None = None
        self.shutdown_hooks: list[ShutdownHook] = []
        self.typing_sent = 0  # how many `typing` emits went out (tests read it)
        self.dropped_events = 0
        self.last_saved_image: Path | None = None
        self.crash: str | None = None  # the uncaught exception's type that ended the console
        self.startup_notices: list[str] = []  # config warnings, shown once the screen is up
        # What the demo wants a newcomer to know (title, text), shown once the screen is up.
        self.greeting: tuple[str, str] | None = None
        # How the image viewer draws: sixel and kitty only once the terminal was asked before
        # the start (launch.py, `prepare_terminal_graphics`); half blocks ask it nothing.
        self.graphics: Graphics = "halfcell"
        self._inbox: list[ClientEvent] = []
        self._flush_due = False  # a flush is scheduled and will take what is in the inbox
        self._last_flush = 0.0
        self._flush_gap = FLUSH_GAP
        self._rate = 0.0  # events a second, averaged (event_rate)
        self._quitting = False
        self.main = MainScreen()
        self.alerts = Alerter(self)
        self.wakeup = Wakeup(clock, partial(self.call_later, self.clock_moved))

    def get_driver_class(self) -> type[Driver]:
        chosen = super().get_driver_class()  # TEXTUAL_DRIVER, or the platform's
        if sys.platform == "win32":
            return chosen
        from textual.drivers.linux_driver import LinuxDriver

        from chat_console.tui.driver import QuietLinuxDriver

        return QuietLinuxDriver if chosen is LinuxDriver else chosen

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Over ssh a blinking cursor is its row sent again twice a second, ~1.9 KB/s for as long
        # as the composer has the focus, which is most of an operator's day: a steady one.
        if isinstance(event.widget, Input | TextArea):
            event.widget.cursor_blink = False

    def on_unmount(self) -> None:
        self.wakeup.stop()
        gc.unfreeze()  # an app made again in the same process (tests) must not pile up

    def key_for(self, binding_id: str) -> str:
        spec = next(s for s in EVERY if s.id == binding_id)
        return keys_for(spec, self.config.keymap)

    @property
    def alt_characters(self) -> frozenset[str]:
        """What the input thread reads as alt chords (tui/driver.py)."""
        return alt_characters(self.config.keymap)

    def chord_for(self, binding_id: str) -> str:
        """The key a notice names: one that works wherever the focus is."""
        spec = next(s for s in EVERY if s.id == binding_id)
        return chord_for(spec, self.config.keymap)

    # ---- lifecycle ------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_mount(self) -> None:
        # What is loaded by now (the store's records, the widgets) lives as long as the app: keep
        # it out of the collector's full scans, which paused keys ~150 ms over 100,000 messages.
        gc.freeze()
        # Full collections run as often as CPython has them. Made 100 times rarer, they let the
        # day's cyclic garbage (Textual's messages, notices' widgets) pile up in the oldest
        # generation: the memory it took stayed with the console, ~7 MB over the jump host's day
        # of 300 tickets (benchmarks/FINDINGS.md, Jump host). They were made rare because every
        # message received stayed in memory for them to scan; the store now keeps only the
        # conversation on screen.
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        if unknown := unknown_binding_ids(self.config.keymap):
            known = ", ".join(spec.id for spec in EVERY)
            self.startup_notices.append(
                f"[keymap] names no binding: {', '.join(unknown)} (the ids are: {known})"
            )
        for notice in self.startup_notices:
            self.notify(notice, title="Config", severity="warning", markup=False, timeout=10)
        if self.greeting:
            title, text = self.greeting
            self.notify(text, title=title, markup=False, timeout=15)
        self.call_after_refresh(self.reschedule)
        if self.read_only_reason is not None:
            self._ownership_timer = self.set_interval(READ_ONLY_RECHECK, self._recheck_ownership)
        if self._client_factory is not None:
            # After the first frame: the client's modules were a quarter of the time to it.
            self.call_after_refresh(self._start_client)
        else:
            self.main.post_message(msg.ConnectionChanged("offline", "no server configured", None))

    def clock_moved(self) -> None:
        """The moment the clock timer was set for has come: what time alone changes, then
        the timer again for the next such moment."""
        self.main.tick()
        self.alerts.remind()
        self.reschedule()

    def reschedule(self) -> None:
        """Set the clock timer for the soonest moment time alone changes what the console shows
        or rings; none while nothing will (an idle console then does no work on a beat).
        After every batch and whatever moves the queue's rows."""
        if not self.live_clock or self._quitting:
            return  # snapshots: nothing moves on its own
        now = self.clock()
        moments = (self.main.next_change(now), self.alerts.next_due())
        self.wakeup.set(min((m for m in moments if m is not None), default=None))

    def _start_client(self) -> None:
        from chat_console.client.courier import Courier
        from chat_console.client.operator import OperatorClient

        assert self._client_factory is not None
        self.client = self._client_factory(self.deliver)
        # The outbox and the resync after every (re)connect; only a real client has them, and
        # only in the console that owns the history: another one would send the same outbox.
        if isinstance(self.client, OperatorClient) and self.read_only_reason is None:
            self.courier = Courier(self.client, self.store, self._courier_changed)
        self.run_worker(self.client.start(), group="client", exit_on_error=False)

    def _recheck_ownership(self) -> None:
        """The owner may have quit meanwhile: then this console takes the history over."""
        assert self._history is not None
        if self._quitting:
            return
        try:
            store = self._history.take_over()
        except (sqlite3.Error, OSError) as problem:  # stays read-only, and says so
            log.warning("could not take the history over: %s", problem)
            store = None
        if store is None:
            reason = self._history.read_only_reason()
            if reason != self.read_only_reason:
                self.read_only_reason = reason
                self.main.refresh_bars()
            return
        if self._ownership_timer is not None:
            self._ownership_timer.stop()
        self.store, self.read_only_reason = store, None
        self.main.store_replaced()
        self.reschedule()
        self.notify(
            "The console that owned the history has quit: this one owns it now, and sends",
            title="History",
            markup=False,
        )
        if self.client is not None:
            self._start_courier()

    def _start_courier(self) -> None:
        from chat_console.client.courier import Courier
        from chat_console.client.errors import ClientError
        from chat_console.client.operator import OperatorClient

        if not isinstance(self.client, OperatorClient):
            return
        courier = self.courier = Courier(self.client, self.store, self._courier_changed)

        async def catch_up() -> None:  # as after a reconnect: offline, the next one does it
            with contextlib.suppress(ClientError):
                await courier.resync()
            courier.retry(())  # wakes the outbox: what the old owner left goes now

        self.run_worker(catch_up(), group="client", exit_on_error=False)

    async def action_quit(self) -> None:
        """Stop the client (and, in the demo, the server and customers) before leaving."""
        if self._quitting:
            return
        self._quitting = True
        if self.courier is not None:
            await self.courier.finish(FINISH_WITHIN)  # the answer to what is in flight
        if self.client is not None:
            try:
                async with asyncio.timeout(5):
                    await self.client.stop()  # unsubscribes, then closes
            except (TimeoutError, Exception) as problem:
                log.warning("client did not stop cleanly: %s", one_line(repr(problem)))
        for hook in self.shutdown_hooks:
            try:
                async with asyncio.timeout(5):
                    await hook()
            except (TimeoutError, Exception) as problem:
                log.warning("shutdown hook failed: %s", one_line(repr(problem)))
        self.store.commit()
        self.exit(0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self, event)

    def _handle_exception(self, error: Exception) -> None:
        """Any uncaught exception ends the console (Textual sets return_code 1): its traceback
        goes to the log too, since the terminal's copy is gone once the operator closes it."""
        log.critical("the console stopped on an uncaught %s", type(error).__name__, exc_info=error)
        self.crash = type(error).__name__
        super()._handle_exception(error)

    def _fatal_error(self) -> None:
        """Textual would print the traceback with its local variables, which hold tokens and
        customers' words, onto the operator's terminal; the log has it instead, and the launcher
        names the log in one line."""
        self.bell()
        self._close_messages_no_wait()

    # ---- events in: queued by the listener, applied in batches ----------------------

    def deliver(self, event: ClientEvent) -> None:
        """The client's listener: must not block, so it queues and schedules one flush."""
        self._inbox.append(event)
        if self._flush_due:
            return
        wait = self._last_flush + self._flush_gap - time.monotonic()
        if wait > 0:
            asyncio.get_running_loop().call_later(wait, self.call_later, self.flush)
            self._flush_due = True
        else:
            self._flush_due = self.call_later(self.flush)  # False once the app has closed

    def flush(self) -> None:
        self._flush_due = False
        now = time.monotonic()
        self._rate = event_rate(self._rate, len(self._inbox), now - self._last_flush)
        self._flush_gap = batch_gap(self._rate)
        self._last_flush = now
        if not self._inbox:
            return
        events, self._inbox = self._inbox[:MAX_BATCH], self._inbox[MAX_BATCH:]
        if self._inbox:  # the rest in the next batch, after the keys pressed meanwhile
            asyncio.get_running_loop().call_later(self._flush_gap, self.call_later, self.flush)
            self._flush_due = True
        server_events = []
        dropped = self.dropped_events
        for event in events:
            if isinstance(event, ConnectionStateChanged):
                self.main.post_message(
                    msg.ConnectionChanged(event.state, event.reason, event.retry_in, event.protocol)
                )
            elif isinstance(event, EventDropped):
                self.dropped_events += 1
                log.warning("dropped %s: %s", one_line(event.event), one_line(event.reason))
            else:
                server_events.append(event)
        if self.dropped_events != dropped:
            self.main.post_message(msg.EventsDropped(self.dropped_events))
        if server_events:
            self.post_changes(self.store.apply_batch(server_events))

    def post_changes(self, changes: Iterable[Change]) -> None:
        """One past-tense message per kind of change in the batch."""
        groups: dict[type[msg.TicketsMessage], set[str]] = {}
        for change in changes:
            kind, tid = change.kind, change.ticket_id
            if kind in (
                ChangeKind.MESSAGE_ADDED,
                ChangeKind.MESSAGE_STATUS,
                ChangeKind.MESSAGE_REMOVED,
            ):
                groups.setdefault(msg.MessagesChanged, set()).add(tid)
            elif kind == ChangeKind.TYPING:
                groups.setdefault(msg.TypingChanged, set()).add(tid)
            else:
                groups.setdefault(msg.TicketsChanged, set()).add(tid)
            if kind == ChangeKind.MESSAGE_ADDED and self._customer_wrote_on_closed(change):
                groups.setdefault(msg.ClosedTicketWritten, set()).add(tid)
            elif kind == ChangeKind.TICKET_CREATED:
                record = self.store.ticket(tid)
                if record is not None and record.status == TicketStatus.NEW:
                    groups.setdefault(msg.TicketsArrived, set()).add(tid)
            elif kind == ChangeKind.ASSIGNED_TO_ME:
                groups.setdefault(msg.AssignedToMe, set()).add(tid)
            elif kind == ChangeKind.TAKEN_AWAY:
                groups.setdefault(msg.AssignedAway, set()).add(tid)
        for message_type, ids in groups.items():
            self.main.post_message(message_type(frozenset(ids)))
        if groups:  # once the screen has taken them: waiting, typing and reminders moved
            self.main.call_later(self.reschedule)

    def _customer_wrote_on_closed(self, change: Change) -> bool:
        ticket = self.store.ticket(change.ticket_id)
        message = self.store.message(change.message_id or "")
        if not (ticket and ticket.is_closed and message) or message.own:
            return False
        owner = ticket.ticket.owner_id  # a colleague's closing remark is no customer writing again
        return message.message.sender_id == owner if owner else True

    def _courier_changed(self, changes: list[Change]) -> None:
        """The outbox moved or a resync brought news; a failed message is said out loud."""
        self.post_changes(changes)
        for change in changes:
            record = self.store.message(change.message_id or "")
            if change.kind == ChangeKind.MESSAGE_STATUS and record and record.tick == Tick.FAILED:
                hint = (
                    f"{self.chord_for('retry')} retry · {self.chord_for('discard_failed')} discard"
                )
                self.notify(
                    f"{one_line(record.error or 'refused')} — {hint}",
                    title="Message not sent",
                    severity="error",
                    markup=False,
                    timeout=8,
                )

    # ---- command palette: every action ----------------------------------------------

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        if screen is self.main:
            for spec in (*SCREEN, *QUEUE):
                yield SystemCommand(
                    spec.description,
                    f"{keys_for(spec, self.config.keymap)} — {spec.id}",
                    partial(self._run_on_main, spec.action, spec in QUEUE),
                )
        yield from super().get_system_commands(screen)

    async def _run_on_main(self, action: str, on_queue: bool) -> None:
        target = self.main.queue if on_queue else self.main
        await target.run_action(action)
