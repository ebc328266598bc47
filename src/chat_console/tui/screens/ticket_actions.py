"""The operator's actions on tickets: each awaits its ack in a worker and never freezes the UI.

While an action waits, its ticket's row and header say so ("accepting…"). On success the store is
changed as the server confirmed; on an error ack the operator reads the server's words and nothing
changes locally.
"""

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, cast

from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen

from chat_console.protocol import TicketStatus
from chat_console.protocol.inbound import TicketAccepted
from chat_console.store import TicketRecord, one_line
from chat_console.tui import messages as msg
from chat_console.tui.console_config import OperatorChoice
from chat_console.tui.formatting import customer_label, handler_label, ticket_title
from chat_console.tui.notices import client_error, notify_error
from chat_console.tui.screens.assign import AssignScreen
from chat_console.tui.screens.confirm import ConfirmScreen
from chat_console.tui.widgets.bars import ConversationHeader
from chat_console.tui.widgets.conversation import Conversation
from chat_console.tui.widgets.queue import QueueView

if TYPE_CHECKING:
    from chat_console.tui.app import ConsoleApp
    from chat_console.tui.ports import ClientPort

MAX_NOTICES = 3  # more tickets than this in one batch get one summary notice
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

    def target(self) -> TicketRecord | None:
        """The ticket an action applies to: the highlighted row, or the open conversation."""
        store = self.console.store
        if self.focused is self.queue or self.open_ticket_id is None:
            tid = self.queue.highlighted
        else:
            tid = self.open_ticket_id
        return store.ticket(tid) if tid else None

    def notify_about(
        self, ticket_ids: Iterable[str], what: str, severity: SeverityLevel = "information"
    ) -> None:
        """One notice per ticket, or one summary for a burst (a toast per ticket would bury the
        screen when the link comes back to a full queue)."""
        ids = sorted(ticket_ids)
        if len(ids) > MAX_NOTICES:
            self.console.notify(f"{len(ids)} tickets", title=what, severity=severity, markup=False)
            return
        for ticket_id in ids:
            record = self.console.store.ticket(ticket_id)
            label = f"{customer_label(record)} — {ticket_title(record)}" if record else ticket_id
            text = one_line(label)[:NOTICE_LENGTH]
            self.console.notify(text, title=what, severity=severity, markup=False, timeout=6)

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
            self.console.notify("Still waiting for the server", timeout=2, markup=False)
            return

        self.queue.set_busy(tid, busy)
        self.refresh_header()

        async def work() -> None:
            try:
                await call()
            except client_error() as problem:
                self.own_assignments.discard(tid)
                self.error(str(problem))
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

    def accept_and_then(self, ticket_id: str, then: Callable[[], None]) -> None:
        """Ask to accept the ticket (naming it and its customer), then accept it and `then`."""
        record = self.console.store.ticket(ticket_id)
        if record is None:
            return
        question = Content.assemble(
            "Accept ",
            (ticket_title(record), "bold"),
            " of ",
            (customer_label(record), "bold"),
            " and send?",
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.accept(self.console.store.ticket(ticket_id), then)

        self.console.push_screen(ConfirmScreen("Not yours yet", question), answered)

    def action_close(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        reopen = record.is_closed
        status = TicketStatus.OPEN if reopen else TicketStatus.CLOSED
        verb = "Reopen" if reopen else "Close"
        question = Content.assemble(
            f"{verb} ",
            (ticket_title(record), "bold"),
            " of ",
            (customer_label(record), "bold"),
            "?",
        )

        def answered(yes: bool | None) -> None:
            client = self.client
            if yes and client is not None:
                self.await_ack(
                    record,
                    "reopening…" if reopen else "closing…",
                    lambda: client.set_status(record.ticket, status),
                    self._ticket_update(record, status_id=status),
                )

        self.console.push_screen(ConfirmScreen(f"{verb} ticket", question), answered)

    def action_hijack(self) -> None:
        record = self.target()
        if record is None or self._need_client() is None:
            return
        me = self.console.config
        if record.ticket.handle_by_id == me.operator_id:
            self.console.notify("This ticket is already yours", timeout=3, markup=False)
            return
        if record.ticket.handle_by_id:
            whom: tuple[str | tuple[str, str], ...] = (
                " from ",
                (handler_label(record, me.operator_id), "bold"),
            )
        else:
            whom = (" (nobody handles it yet)",)
        question = Content.assemble("Take ", (ticket_title(record), "bold"), *whom, "?")

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
        record = self.target()
        client = self._need_client() if record else None
        if record is None or client is None:
            return
        self.run_worker(self._assign(record, client), group="assign", exit_on_error=False)

    async def _assign(self, record: TicketRecord, client: "ClientPort") -> None:
        choices = {op.id: op for op in self.console.config.operators}
        try:
            for user in await client.fetch_operators() or []:
                choices.setdefault(user.user_id, OperatorChoice(user.user_id, user.full_nm or ""))
        except Exception as problem:  # the list is a convenience; an id can still be typed
            self.console.log.warning(f"operator list unavailable: {problem!r}")
        me = self.console.config.operator_id
        operators = [op for op in choices.values() if op.id not in (me, record.ticket.handle_by_id)]
        label = f"{customer_label(record)} — {ticket_title(record)}"
        chosen = await self.console.push_screen_wait(AssignScreen(label, operators))
        if not chosen:
            return
        name = choices[chosen].name if chosen in choices else ""
        if record.ticket.handle_by_id == me:
            self.own_assignments.add(record.ticket_id)  # no "taken from you" for this
        self.await_ack(
            record,
            "assigning…",
            lambda: client.assign(record.ticket_id, chosen),
            self._ticket_update(
                record, status_id=TicketStatus.OPEN, handle_by_id=chosen, handle_by_nm=name or None
            ),
        )
