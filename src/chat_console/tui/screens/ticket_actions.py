"""The operator's actions on tickets: each awaits its ack in a worker and never freezes the UI.

While an action waits, its ticket's row and header say so ("accepting…"). On success the store is
changed as the server confirmed; on an error ack the operator reads the server's words and nothing
changes locally.
"""

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, cast

from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

from chat_console.client.errors import ClientError
from chat_console.protocol import TicketStatus
from chat_console.protocol.inbound import TicketAccepted
from chat_console.store import TicketRecord, View, one_line
from chat_console.tui import messages as msg
from chat_console.tui.console_config import OperatorChoice
from chat_console.tui.formatting import (
    clock_time,
    customer_label,
    handler_label,
    ticket_label,
    ticket_title,
)
from chat_console.tui.notices import notify_error, report_failed_worker
from chat_console.tui.screens.assign import AssignScreen
from chat_console.tui.screens.confirm import ConfirmScreen
from chat_console.tui.widgets.bars import ConversationHeader, TicketDetails
from chat_console.tui.widgets.conversation import Conversation
from chat_console.tui.widgets.queue import QueueView

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from chat_console.tui.app import ConsoleApp
    from chat_console.tui.ports import ClientPort

MAX_NAMED = 3  # tickets a notice names; the rest of a burst is a count
NOTICE_LENGTH = 120  # characters of a ticket's label in a notice


class TicketActionScreen(Screen[None]):
    """The base of the main screen: its queue and conversation, and the actions on tickets."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.own_assignments: set[str] = set()  # tickets whose next notice our own action caused

    @property
    def console(self) -> "ConsoleApp":
        return cast("ConsoleApp", self.app)

    @property
    def client(self) -> "ClientPort | None":
        return self.console.client

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self.console, event)

    @property
    def queue(self) -> QueueView:
        return self.query_one(QueueView)

    @property
    def conversation(self) -> Conversation:
        return self.query_one(Conversation)

    @property
    def open_ticket_id(self) -> str | None:
        return self.conversation.ticket_id

    def refresh_header(self) -> None:
        tid = self.open_ticket_id
        record = self.console.store.ticket(tid) if tid else None
        busy = self.queue.busy.get(tid) if tid else None
        self.query_one(ConversationHeader).show(record, self.console.config.operator_id, busy)
        details = self.query_one(TicketDetails)
        if details.display:
            details.show(*self._details(record))

    def refresh_bars(self) -> None:
        self.refresh_header()  # the main screen draws its bars too

    def _details(self, record: TicketRecord | None) -> tuple[TicketRecord | None, str, int]:
        if record is None:
            return None, "", 0
        app, ticket = self.console, record.ticket
        created = ""
        if ticket.created_at is not None:
            created = clock_time(ticket.created_at, app.clock(), app.timezone)
        if not ticket.owner_id:
            return record, created, 0
        others = app.store.open_tickets_of(ticket.owner_id) - (0 if record.is_closed else 1)
        return record, created, others

    def action_toggle_details(self) -> None:
        details = self.query_one(TicketDetails)
        details.display = not details.display
        self.refresh_header()

    def open_and_focus(self, ticket_id: str) -> None:
        """Open the conversation with its row highlighted, ready to reply."""
        if not self.queue.select(ticket_id) and self.queue.view != View.ALL:
            self.queue.set_view(View.ALL)
            self.queue.select(ticket_id)
        self.conversation.open(ticket_id)
        self.refresh_bars()
        self.set_focus(self.conversation.composer)  # now, not after keys already queued

    def target(self) -> TicketRecord | None:
        """The ticket an action applies to: the highlighted row while the queue has focus, else
        the open conversation (what the header names), whatever the cursor does meanwhile."""
        store = self.console.store
        if self.focused is self.queue or self.open_ticket_id is None:
            tid = self.queue.highlighted
        else:
            tid = self.open_ticket_id
        return store.ticket(tid) if tid else None

    def notify_about(
        self, ticket_ids: Iterable[str], what: str, severity: SeverityLevel = "information"
    ) -> None:
        """One notice for the batch, however many tickets it names (a toast per ticket would
        bury the screen when the link comes back to a full queue)."""
        store = self.console.store
        ids = sorted(ticket_ids)
        if not ids:
            return
        labels = [ticket_label(r) if (r := store.ticket(t)) else t for t in ids[:MAX_NAMED]]
        text = " · ".join(labels)
        if len(ids) > 1:
            text = f"{len(ids)} tickets: {text}" + (" …" if len(ids) > MAX_NAMED else "")
        self.console.notify(
            one_line(text)[:NOTICE_LENGTH], title=what, severity=severity, markup=False, timeout=6
        )

    def say(self, text: str) -> None:
        self.console.notify(one_line(text), timeout=3, markup=False)

    def error(self, text: str, title: str = "Server said") -> None:
        notify_error(self.console, text, title)

    def _need_client(self) -> "ClientPort | None":
        if self.client is None:
            self.error("not connected to a server", title="Offline")
        return self.client

    def await_ack(
        self,
        record: TicketRecord,
        busy: str,
        call: Callable[[], Awaitable[object]],
        on_success: Callable[[], None],
    ) -> None:
        """Show `busy` on the ticket, await `call` in a worker; `on_success` only on success."""
        tid = record.ticket_id
        if tid in self.queue.busy:
            self.console.notify(
                f"{ticket_label(record)}: still waiting for the server", timeout=2, markup=False
            )
            return

        self.queue.set_busy(tid, busy)
        self.refresh_header()

        async def work() -> None:
            try:
                await call()
            except ClientError as problem:
                self.own_assignments.discard(tid)
                self.error(f"{ticket_label(record)}: {problem}")
            else:
                on_success()
                self.console.store.commit()
                self.post_message(msg.TicketsChanged(frozenset({tid})))
            finally:
                self.queue.set_busy(tid, None)
                self.refresh_header()

        self.run_worker(work(), group="actions", exit_on_error=False)

    def _ticket_update(self, record: TicketRecord, **changes: object) -> Callable[[], None]:
        def apply() -> None:
            current = self.console.store.ticket(record.ticket_id)
            base = current.ticket if current else record.ticket
            self.console.store.apply(TicketAccepted(base.model_copy(update=changes)))

        return apply

    # ---- ticket actions -------------------------------------------------------------

    def action_accept(self) -> None:
        self.accept(self.target())

    def accept(self, record: TicketRecord | None, then: Callable[[], None] | None = None) -> None:
        """Accept the ticket; `then` runs once the server has agreed."""
        client = self._need_client() if record else None
        if record is None or client is None:
            return
        me = self.console.config
        update = self._ticket_update(
            record,
            status_id=TicketStatus.OPEN,
            handle_by_id=me.operator_id,
            handle_by_nm=me.operator_name,
        )

        def accepted() -> None:
            update()
            self.conversation.catch_up(record.ticket_id)
            if then is not None:
                then()

        self.await_ack(record, "accepting…", lambda: client.accept(record.ticket), accepted)

    def accept_and_then(
        self, ticket_id: str, then: Callable[[], None], sending: str = "your reply"
    ) -> None:
        """Ask to accept the ticket (naming it, its customer and what goes once it is accepted),
        then accept it and `then`."""
        record = self.console.store.ticket(ticket_id)
        if record is None:
            return
        question = about_ticket("Accept", record, f" and send {sending}?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.accept(self.console.store.ticket(ticket_id), then)

        self.console.push_screen(ConfirmScreen("Not yours yet", question), answered)

    def action_take_oldest(self) -> None:
        """Accept the new ticket whose customer has waited longest, and open it."""
        tid = self.console.store.oldest_new()
        record = self.console.store.ticket(tid) if tid else None
        if record is None:
            self.say("No new ticket is waiting")
            return
        self.accept(record, then=lambda: self.open_and_focus(record.ticket_id))

    def action_close(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        if record.is_closed:
            reopen = self.console.key_for("reopen")
            self.say(f"{ticket_label(record)} is already closed ({reopen} reopens it)")
            return
        self.confirm_status(record, TicketStatus.CLOSED)

    def action_close_and_next(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        if record.is_closed:
            self.open_next_waiting(record.ticket_id)
            return
        self.confirm_status(
            record, TicketStatus.CLOSED, then=lambda: self.open_next_waiting(record.ticket_id)
        )

    def action_reopen(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        if not record.is_closed:
            self.say(f"{ticket_label(record)} is not closed")
            return
        self.confirm_status(record, TicketStatus.OPEN)

    def open_next_waiting(self, after: str) -> None:
        tid = self.console.store.next_waiting(after)
        if tid is None:
            self.say("No other customer is waiting")
            return
        self.open_and_focus(tid)

    def confirm_status(
        self, record: TicketRecord, status: TicketStatus, then: Callable[[], None] | None = None
    ) -> None:
        """Ask, naming the ticket and its customer; on yes, set the status and await the ack;
        `then` once the server has agreed."""
        reopen = status == TicketStatus.OPEN
        verb = "Reopen" if reopen else "Close"
        question = about_ticket(
            verb, record, "?", " Then the next waiting customer opens." if then else ""
        )
        update = self._ticket_update(record, status_id=status)

        def changed() -> None:
            update()
            if then is not None:
                then()

        def answered(yes: bool | None) -> None:
            client = self.client
            if yes and client is not None:
                self.await_ack(
                    record,
                    "reopening…" if reopen else "closing…",
                    lambda: client.set_status(record.ticket, status),
                    changed,
                )

        self.console.push_screen(ConfirmScreen(f"{verb} ticket", question), answered)

    def action_hijack(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        me = self.console.config
        if record.ticket.handle_by_id == me.operator_id:
            self.say(f"{ticket_label(record)} is already yours")
            return
        if record.ticket.handle_by_id:
            whom: tuple[str | tuple[str, str], ...] = (
                " from ",
                (handler_label(record, me.operator_id), "bold"),
            )
        else:
            whom = (" (nobody handles it yet)",)
        question = about_ticket("Take", record, *whom, "?")

        def answered(yes: bool | None) -> None:
            client = self.client
            if yes and client is not None:
                self.own_assignments.add(record.ticket_id)  # no "assigned to you" for this
                self.await_ack(
                    record,
                    "hijacking…",
                    lambda: client.hijack(record.ticket_id),
                    self._ticket_update(
                        record,
                        status_id=TicketStatus.OPEN,
                        handle_by_id=me.operator_id,
                        handle_by_nm=me.operator_name,
                    ),
                )

        self.console.push_screen(ConfirmScreen("Hijack ticket", question), answered)

    def action_assign(self) -> None:
        """The dialog opens at once (keys typed right after `t` are its keys); the server's list
        of operators joins the configured ones when it arrives."""
        record = self.target()
        client = self._need_client() if record else None
        if record is None or client is None:
            return
        me = self.console.config.operator_id
        names = {op.id: op.name for op in self.console.config.operators}

        def others(operators: Iterable[OperatorChoice]) -> list[OperatorChoice]:
            return [op for op in operators if op.id not in (me, record.ticket.handle_by_id)]

        def chosen(operator_id: str | None) -> None:
            if operator_id:
                self._assign_to(record, client, operator_id, names.get(operator_id, ""))

        screen = AssignScreen(ticket_label(record), others(self.console.config.operators))
        self.console.push_screen(screen, chosen)

        async def offer_the_servers_list() -> None:
            try:
                users = await client.fetch_operators() or []
            except Exception as problem:  # the list is a convenience; an id can still be typed
                log.warning("operator list unavailable: %s", one_line(problem))
                return
            listed = [OperatorChoice(u.user_id, u.full_nm or "") for u in users]
            for op in listed:
                names.setdefault(op.id, op.name)
            if screen.is_attached:
                screen.add_operators(others(listed))

        self.run_worker(offer_the_servers_list(), group="assign", exit_on_error=False)

    def _assign_to(
        self, record: TicketRecord, client: "ClientPort", operator_id: str, name: str
    ) -> None:
        if record.ticket.handle_by_id == self.console.config.operator_id:
            self.own_assignments.add(record.ticket_id)  # no "taken from you" for this
        self.await_ack(
            record,
            "assigning…",
            lambda: client.assign(record.ticket_id, operator_id),
            self._ticket_update(
                record,
                status_id=TicketStatus.OPEN,
                handle_by_id=operator_id,
                handle_by_nm=name or None,
            ),
        )


def about_ticket(verb: str, record: TicketRecord, *tail: str | tuple[str, str]) -> Content:
    """A question that names its ticket and customer (their words as plain text, never markup):
    `<verb> <title> of <customer><tail>`."""
    return Content.assemble(
        f"{verb} ",
        (ticket_title(record), "bold"),
        " of ",
        (customer_label(record), "bold"),
        *tail,
    )
