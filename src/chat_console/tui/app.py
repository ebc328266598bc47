"""The Textual app: owns the store, the client and the event batching; the screen does the rest."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path

from textual.app import App, SystemCommand
from textual.screen import Screen

from chat_console.client.events import ClientEvent, ConnectionChanged, EventDropped, Listener
from chat_console.protocol import TicketStatus, now_utc
from chat_console.store import ChangeKind, Store
from chat_console.tui import messages as msg
from chat_console.tui.bindings import QUEUE, SCREEN, keys_for
from chat_console.tui.console_config import ConsoleConfig
from chat_console.tui.ports import ClientPort
from chat_console.tui.screens.main import MainScreen

FLUSH_INTERVAL = 0.05  # seconds: incoming events are applied in batches this often
ShutdownHook = Callable[[], Awaitable[None]]


class ConsoleApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "chat-console"

    def __init__(
        self,
        config: ConsoleConfig,
        store: Store,
        *,
        client_factory: Callable[[Listener], ClientPort] | None = None,
        clock: Callable[[], datetime] = now_utc,
        timezone: tzinfo | None = None,
        live_clock: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.store = store
        self.clock = clock
        self.timezone = timezone
        self.live_clock = live_clock  # False in snapshots: nothing moves on its own
        self.client: ClientPort | None = client_factory(self.deliver) if client_factory else None
        self.shutdown_hooks: list[ShutdownHook] = []
        self.typing_sent = 0  # how many `typing` emits went out (tests read it)
        self.dropped_events = 0
        self.last_saved_image: Path | None = None
        self.startup_notices: list[str] = []  # config warnings, shown once the screen is up
        self._inbox: list[ClientEvent] = []
        self._quitting = False
        self.main = MainScreen()

    def key_for(self, binding_id: str) -> str:
        spec = next(s for s in (*SCREEN, *QUEUE) if s.id == binding_id)
        return keys_for(spec, self.config.keymap)

    # ---- lifecycle ------------------------------------------------------------------

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_mount(self) -> None:
        if self.config.keymap:
            self.set_keymap(self.config.keymap)
        for notice in self.startup_notices:
            self.notify(notice, title="Config", severity="warning", markup=False, timeout=10)
        self.set_interval(FLUSH_INTERVAL, self.flush)
        if self.live_clock:
            self.set_interval(1.0, self.main.tick)
        if self.client is not None:
            self.run_worker(self.client.start(), group="client", exit_on_error=False)
        else:
            self.main.post_message(msg.ConnectionChanged("offline", "no server configured", None))

    async def action_quit(self) -> None:
        """Stop the client (and, in the demo, the server and customers) before leaving."""
        if self._quitting:
            return
        self._quitting = True
        if self.client is not None:
            try:
                async with asyncio.timeout(5):
                    await self.client.stop()
            except (TimeoutError, Exception) as problem:
                self.log.warning(f"client did not stop cleanly: {problem!r}")
        for hook in self.shutdown_hooks:
            try:
                async with asyncio.timeout(5):
                    await hook()
            except (TimeoutError, Exception) as problem:
                self.log.warning(f"shutdown hook failed: {problem!r}")
        self.store.commit()
        self.exit(0)

    # ---- events in: queued by the listener, applied in batches ----------------------

    def deliver(self, event: ClientEvent) -> None:
        """The client's listener: must not block, so it only queues."""
        self._inbox.append(event)

    def flush(self) -> None:
        if not self._inbox:
            return
        events, self._inbox = self._inbox, []
        server_events = []
        dropped = self.dropped_events
        for event in events:
            if isinstance(event, ConnectionChanged):
                self.main.post_message(
                    msg.ConnectionChanged(
                        str(event.state), event.reason, event.retry_in, event.protocol
                    )
                )
                if str(event.state) == "online":
                    self.run_worker(self._load_tickets(), group="load", exit_on_error=False)
            elif isinstance(event, EventDropped):
                self.dropped_events += 1
                self.log.warning(f"dropped {event.event}: {event.reason}")
            else:
                server_events.append(event)
        if self.dropped_events != dropped:
            self.main.post_message(msg.EventsDropped(self.dropped_events))
        if server_events:
            self.post_changes(self.store.apply_batch(server_events))

    def post_changes(self, changes: Iterable[object]) -> None:
        """One past-tense message per kind of change in the batch."""
        groups: dict[type[msg.Message], set[str]] = {}
        for change in changes:
            kind, tid = change.kind, change.ticket_id  # type: ignore[attr-defined]
            if kind in (ChangeKind.MESSAGE_ADDED, ChangeKind.MESSAGE_STATUS):
                groups.setdefault(msg.MessagesChanged, set()).add(tid)
            elif kind == ChangeKind.TYPING:
                groups.setdefault(msg.TypingChanged, set()).add(tid)
            else:
                groups.setdefault(msg.TicketsChanged, set()).add(tid)
            if kind == ChangeKind.TICKET_CREATED:
                record = self.store.ticket(tid)
                if record is not None and record.status == TicketStatus.NEW:
                    groups.setdefault(msg.TicketsArrived, set()).add(tid)
            elif kind == ChangeKind.ASSIGNED_TO_ME:
                groups.setdefault(msg.AssignedToMe, set()).add(tid)
            elif kind == ChangeKind.TAKEN_AWAY:
                groups.setdefault(msg.AssignedAway, set()).add(tid)
        for message_type, ids in groups.items():
            self.main.post_message(message_type(frozenset(ids)))  # type: ignore[call-arg]

    async def _load_tickets(self) -> None:
        """What the server already had when we connected (HTTP extra, where it exists)."""
        if self.client is None:
            return
        try:
            tickets = await self.client.fetch_tickets()
        except Exception as problem:
            self.log.warning(f"ticket list unavailable: {problem!r}")
            return
        if tickets:
            changes = self.store.load_tickets(tickets)
            if changes:
                self.main.post_message(msg.TicketsChanged(frozenset(c.ticket_id for c in changes)))

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


def make_app(
    config: ConsoleConfig,
    *,
    store: Store,
    client_factory: Callable[[Listener], ClientPort] | None = None,
    clock: Callable[[], datetime] = now_utc,
    timezone: tzinfo | None = None,
    live_clock: bool = True,
) -> ConsoleApp:
    """The one way the CLI, the demo and the tests build the console."""
    return ConsoleApp(
        config,
        store,
        client_factory=client_factory,
        clock=clock,
        timezone=timezone,
        live_clock=live_clock,
    )
