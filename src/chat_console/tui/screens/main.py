"""The operator's one working screen: queue on the left, conversation on the right."""

import math
import time
from datetime import datetime, timedelta

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, TextArea

from chat_console.alerts import Kind
from chat_console.history_tools import Match
from chat_console.store import View, one_line
from chat_console.tui import messages as msg
from chat_console.tui.bindings import SCREEN, bindings
from chat_console.tui.handover import CannotHandOver, handed_over
from chat_console.tui.history_files import as_shown, as_text, export_to_file, run_pager
from chat_console.tui.notices import notify_error
from chat_console.tui.screens.ticket_actions import TicketActionScreen
from chat_console.tui.widgets.bars import StatusBar, ViewsBar
from chat_console.tui.widgets.composer import Composer
from chat_console.tui.widgets.conversation import Conversation
from chat_console.tui.widgets.queue import QueueView
from chat_console.tui.widgets.transcript import Transcript

_VIEWS = list(View)


class MainScreen(TicketActionScreen):
    BINDINGS = bindings(SCREEN)

    def __init__(self) -> None:
        super().__init__(id="main")
        self.connection: tuple[str, str | None, float | None] = ("connecting", None, None)
        self.protocol: str | None = None  # the server's Socket.IO generation, once known
        self._retry_at: float | None = None  # time.monotonic() of the next attempt, if waiting

    def compose(self) -> ComposeResult:
        app = self.console
        with Horizontal(id="panes"):
            with Vertical(id="queue-pane"):
                yield ViewsBar(id="views")
                yield Input(placeholder="filter by name", id="filter")
                yield QueueView(
                    app.store,
                    clock=app.clock,
                    wait_warning=app.config.wait_warning,
                    wait_alert=app.config.wait_alert,
                    id="queue",
                )
            yield Conversation(id="conversation-pane")
        yield StatusBar(id="status")
        yield Footer(compact=True, show_command_palette=False)  # all of it fits 80 columns

    # ---- widgets --------------------------------------------------------------------

    @property
    def transcript(self) -> Transcript:
        return self.conversation.transcript

    @property
    def composer(self) -> Composer:
        return self.conversation.composer

    @property
    def filter_input(self) -> Input:
        return self.query_one("#filter", Input)

    def on_mount(self) -> None:
        self.filter_input.display = False
        self.queue.being_read = self.conversation.being_read
        self.queue.reload()
        self.refresh_bars()
        self.queue.focus()

    def refresh_bars(self) -> None:
        store = self.console.store
        counts = store.counts()
        self.query_one(ViewsBar).show(self.queue.view, counts, self.queue.filter_text)
        state, reason, retry_in = self.connection
        if self._retry_at is not None:  # count down to the next attempt
            retry_in = max(0.0, self._retry_at - time.monotonic())
        self.query_one(StatusBar).show(
            state=state,
            reason=reason,
            retry_in=retry_in,
            operator=self.console.config.operator_name,
            host=self.console.config.server_host,
            protocol=self.protocol,
            retry_key=self.console.chord_for("retry") if self.console.client else "",
            new=counts[View.NEW],
            unread=self._unread_tickets(),
            mine=counts[View.MINE],
            dropped=self.console.dropped_events,
            skipped=store.skipped,
            insecure=not self.console.config.verify_tls,
            read_only=self.console.read_only_reason,
        )
        self.refresh_header()

    def _unread_tickets(self) -> int:
        """Tickets with unread messages, those whose read receipt is on its way not counted."""
        store = self.console.store
        reading = [store.ticket(t) for t in self.conversation.being_read]
        return store.unread_tickets() - sum(1 for r in reading if r is not None and r.unread)

    def store_replaced(self) -> None:
        """The console took its history over from another one: everything from the new store."""
        self.queue.store = self.console.store
        self.queue.reload()
        self.conversation.store_replaced()
        self.refresh_bars()

    def tick(self) -> None:
        """The clock moved (at `next_change`): waiting times move on, typing indicators expire,
        the retry countdown counts."""
        if not self.query(QueueView):
            return  # quitting: the app's timer can fire while the screen is being torn down
        self.queue.repaint()  # only the lines whose waiting time moved
        if self._retry_at is not None:
            self.refresh_bars()
        if self.console.store.expire_typing():
            self.conversation.refresh_typing()

    def next_change(self, now: datetime) -> datetime | None:
        """The soonest moment this screen shows something else with time alone."""
        if not self.query(QueueView):
            return None  # quitting
        moments = (
            self.queue.next_change(now),
            self.console.store.typing_expires(),
            self._countdown_moves(now),
        )
        return min((m for m in moments if m is not None), default=None)

    def _countdown_moves(self, now: datetime) -> datetime | None:
        """When the retry countdown (whole seconds, rounded up) shows the next figure."""
        if self._retry_at is None:
            return None
        left = self._retry_at - time.monotonic()
        return now + timedelta(seconds=left - math.ceil(left) + 1) if left > 0 else None

    @on(QueueView.WaitsShown)
    def _waits_shown(self, event: QueueView.WaitsShown) -> None:
        self.console.reschedule()

    # ---- domain messages from the app's batches ----------------------------------------

    @on(msg.TicketsChanged)
    def _tickets_changed(self, event: msg.TicketsChanged) -> None:
        self.conversation.tickets_changed(event.ticket_ids)
        self.queue.reload()
        self.refresh_bars()

    @on(msg.EventsDropped)
    def _events_dropped(self, event: msg.EventsDropped) -> None:
        self.refresh_bars()

    @on(msg.MessagesChanged)
    def _messages_changed(self, event: msg.MessagesChanged) -> None:
        self.conversation.messages_changed(event.ticket_ids)
        self.queue.reload()
        self.refresh_bars()

    @on(msg.TypingChanged)
    def _typing_changed(self, event: msg.TypingChanged) -> None:
        if self.open_ticket_id in event.ticket_ids:
            self.conversation.refresh_typing()

    @on(msg.TicketsArrived)
    def _tickets_arrived(self, event: msg.TicketsArrived) -> None:
        self.console.alerts.alert(Kind.NEW_TICKET, event.ticket_ids)
        self.notify_about(event.ticket_ids, "New ticket")

    @on(msg.ClosedTicketWritten)
    def _closed_ticket_written(self, event: msg.ClosedTicketWritten) -> None:
        self.console.alerts.alert(Kind.OTHER, event.ticket_ids)
        reopen = self.console.key_for("reopen")
        self.notify_about(event.ticket_ids, f"Customer wrote on a closed ticket — {reopen} reopens")

    def _not_caused_by_me(self, ticket_ids: frozenset[str]) -> list[str]:
        """The server also tells us about assignments we made ourselves; those need no alarm."""
        others = sorted(ticket_ids - self.own_assignments)
        self.own_assignments -= ticket_ids
        return others

    @on(msg.AssignedToMe)
    def _assigned_to_me(self, event: msg.AssignedToMe) -> None:
        for ticket_id in event.ticket_ids:  # hijacked or handed back: what did we miss?
            self.conversation.catch_up(ticket_id)
        others = self._not_caused_by_me(event.ticket_ids)
        if others:
            self.console.alerts.alert(Kind.ASSIGNED_TO_ME, others)
        self.notify_about(others, "Assigned to you")

    @on(msg.AssignedAway)
    def _assigned_away(self, event: msg.AssignedAway) -> None:
        self.notify_about(
            self._not_caused_by_me(event.ticket_ids), "Taken from you", severity="warning"
        )

    @on(msg.ConnectionChanged)
    def _connection_changed(self, event: msg.ConnectionChanged) -> None:
        self.connection = (event.state, event.reason, event.retry_in)
        waiting = event.state == "reconnecting" and event.retry_in is not None
        waiting = waiting and self.console.live_clock  # snapshots: the figure as given
        self._retry_at = time.monotonic() + (event.retry_in or 0.0) if waiting else None
        self.protocol = event.protocol or self.protocol
        self.refresh_bars()
        self.console.reschedule()  # the retry countdown counts, or stops
        if event.state == "online":
            self.conversation.mark_read_if_seen()

    # ---- the queue and the conversation ----------------------------------------------

    @on(ViewsBar.Picked)
    def _view_picked(self, event: ViewsBar.Picked) -> None:
        self.set_view(event.view)

    @on(QueueView.Opened)
    def _row_opened(self, event: QueueView.Opened) -> None:
        self.open_and_focus(event.ticket_id)

    @on(QueueView.Highlighted)
    def _highlighted(self, event: QueueView.Highlighted) -> None:
        event.stop()

    def open_ticket(self, ticket_id: str) -> None:
        self.conversation.open(ticket_id)
        self.refresh_header()

    def action_open(self) -> None:
        tid = self.queue.highlighted
        if tid is not None:
            self.open_and_focus(tid)

    def action_back(self) -> None:
        """Back to the queue; from the queue or the filter, an active filter goes."""
        if self.filter_input.has_focus or (self.queue.has_focus and self.queue.filter_text):
            self.clear_filter()
        self.set_focus(self.queue)  # now, not after keys already queued (see QueueView)

    def clear_filter(self) -> None:
        with self.filter_input.prevent(Input.Changed):
            self.filter_input.value = ""
        self.filter_input.display = False
        self.queue.set_view(self.queue.view, "")
        self.refresh_bars()

    def action_switch_pane(self) -> None:
        order = [self.queue, self.composer, self.transcript]
        focused = self.focused
        index = order.index(focused) if focused in order else -1
        self.set_focus(order[(index + 1) % len(order)])

    def action_next_unread(self) -> None:
        store = self.console.store
        tid = store.next_unread(self.queue.highlighted, self.queue.view)
        if tid is None and self.queue.view != View.ALL:
            tid = store.next_unread(self.queue.highlighted, View.ALL)
            if tid is not None:
                self.set_view(View.ALL)
        if tid is None:
            self.app.notify("No unread messages", timeout=2)
            return
        self.open_and_focus(tid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` is text in an input, but Textual's footer does not know it as a printable key
        (its name is "slash") and would offer Filter while the operator writes a reply."""
        return not (action == "filter" and isinstance(self.focused, Input | TextArea))

    def action_filter(self) -> None:
        self.filter_input.display = True
        self.set_focus(self.filter_input)  # now, not after keys already queued (see QueueView)

    def action_search(self) -> None:
        from chat_console.tui.screens.search import SearchScreen

        self.app.push_screen(
            SearchScreen(self.console.store, self.console.timezone), self._open_match
        )

    def _open_match(self, match: Match | None) -> None:
        """The conversation of the match, scrolled to it and highlighted."""
        if match is None or self.console.store.ticket(match.ticket_id) is None:
            return
        self.open_and_focus(match.ticket_id)
        self.transcript.scroll_to_message(match.message_id)
        self.set_focus(self.transcript)

    def action_export(self) -> None:
        """The open conversation as Markdown in the downloads folder, images beside it."""
        tid = self.open_ticket_id
        if tid is None:
            self.app.notify("No conversation open", timeout=3, markup=False)
            return
        try:
            path = export_to_file(self.console.store, tid, self.console.timezone)
        except OSError as problem:
            notify_error(self.console, str(problem), title="Cannot export")
            return
        self.app.notify(as_shown(path), title="Conversation exported", markup=False)

    def action_pager(self) -> None:
        """The open conversation as text in $PAGER (less if unset), the terminal handed over
        while it runs."""
        tid = self.open_ticket_id
        if tid is None:
            self.app.notify("No conversation open", timeout=3, markup=False)
            return
        text = as_text(self.console.store, tid, self.console.timezone)
        try:
            problem = handed_over(self.app, lambda: run_pager(text))
        except CannotHandOver:
            notify_error(self.console, "this terminal cannot be handed over", title="Pager")
            return
        if problem:
            notify_error(self.console, problem, title="Pager")

    def action_next_view(self) -> None:
        self.set_view(_VIEWS[(_VIEWS.index(self.queue.view) + 1) % len(_VIEWS)])

    def set_view(self, view: View) -> None:
        self.queue.set_view(view)
        self.refresh_bars()

    # ---- the conversation's actions, bound here so that they work from the queue too -------

    def action_toggle_fold(self) -> None:
        self.conversation.toggle_fold()

    def action_save_image(self) -> None:
        self.conversation.save_image()

    async def action_view_image(self) -> None:
        from chat_console.tui.screens.image_viewer import view_image

        record = self.conversation.transcript.image_to_save()  # the one s would save
        if record is None:
            self.console.notify("No image in this conversation", timeout=3, markup=False)
            return
        await view_image(self.console, record, self.console.graphics)

    def action_attach_image(self) -> None:
        self.conversation.attach_image()

    def action_copy_message(self) -> None:
        self.conversation.copy_message()

    def action_replies(self) -> None:
        self.conversation.pick_reply()

    def action_retry(self) -> None:
        self.conversation.retry(self.connection[0])

    def action_discard_failed(self) -> None:
        if self.conversation.discard_failed():
            self.queue.reload()

    @on(Conversation.AcceptWanted)
    def _accept_then_send(self, event: Conversation.AcceptWanted) -> None:
        tid, image = event.ticket_id, event.image
        if image is None:
            typed = event.typed
            self.accept_and_then(tid, lambda: self.conversation.send_typed(tid, typed))
        else:
            self.accept_and_then(
                tid,
                lambda: self.conversation.send_image_now(tid, image),
                f"the image {one_line(image.path.name)}",
            )

    def action_help(self) -> None:
        from chat_console.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.console.config.keymap))

    async def action_quit(self) -> None:
        await self.console.action_quit()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.queue.set_view(self.queue.view, event.value)
        self.refresh_bars()

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.filter_input.display = bool(self.filter_input.value)  # Enter keeps the filter
        self.set_focus(self.queue)
