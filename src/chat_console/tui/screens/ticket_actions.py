"""The operator's actions on tickets: each awaits its ack in a worker and never freezes the UI.

While an action waits, its ticket's row and header say so ("accepting…"). On success the store is
changed as the server confirmed; on an error ack the operator reads the server's words and nothing
changes locally.
"""

import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from textual.content import Content
from textual.notifications import SeverityLevel

from chat_console.protocol import TicketStatus
from chat_console.protocol.inbound import TicketAccepted
from chat_console.protocol.limits import content_problem
from chat_console.store import TicketRecord, one_line
from chat_console.tui.console_config import OperatorChoice
from chat_console.tui.formatting import customer_label, handler_label, ticket_label, ticket_title
from chat_console.tui.screens.assign import AssignScreen
from chat_console.tui.screens.confirm import ConfirmScreen
from chat_console.tui.widgets.transcript import image_size

if TYPE_CHECKING:
    from chat_console.tui.app import ConsoleApp
    from chat_console.tui.ports import ClientPort
    from chat_console.tui.widgets.queue import QueueView
    from chat_console.tui.widgets.transcript import Transcript

TYPING_INTERVAL = 2.0  # seconds between two `typing` emits while the operator types
MAX_NAMED = 3  # tickets a notice names; the rest of a burst is a count
NOTICE_LENGTH = 120  # characters of a ticket's label in a notice


class ClientErrorLike(Exception):
    """Stand-in so this module need not import the client package at import time."""


def _client_error() -> type[Exception]:
    try:
        from chat_console.client import ClientError
    except ImportError:  # a console without the client package (store-only tests)
        return ClientErrorLike
    return ClientError


class TicketActions:
    """Mixed into MainScreen; expects `console`, `queue`, `transcript`, `composer` from it."""

    console: "ConsoleApp"
    open_ticket_id: str | None
    connection: tuple[str, str | None, float | None]
    queue: "QueueView"
    transcript: "Transcript"

    _last_typing_sent: dict[str, float]  # ticket id -> time.monotonic() of its last emit
    own_assignments: set[str]  # tickets whose next assignment notice our own action caused
    _reading: set[str]
    _history_loaded: set[str]

    if TYPE_CHECKING:  # provided by MainScreen / Screen; declared here for the type checker

        def refresh_header(self) -> None: ...
        def refresh_bars(self) -> None: ...
        def open_and_focus(self, ticket_id: str) -> None: ...
        def run_worker(self, work: Any, **kwargs: Any) -> Any: ...
        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        @property
        def focused(self) -> Any: ...

    # ---- helpers --------------------------------------------------------------------

    @property
    def client(self) -> "ClientPort | None":
        return self.console.client

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
        self.console.notify(one_line(text), title=title, severity="error", markup=False, timeout=8)

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
        then: Callable[[], None] | None = None,
    ) -> None:
        """Show `busy` on the ticket, await `call` in a worker; `on_success` (the store's change)
        and `then` (what the operator asked for next) only on success."""
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
            except _client_error() as problem:
                self.own_assignments.discard(tid)
                self.error(f"{ticket_label(record)}: {problem}")
            else:
                on_success()
                self.console.store.commit()
                self.queue.reload()
                self.refresh_bars()
                if then is not None:
                    then()
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
        record = self.target()
        if record is not None:
            self.accept(record)

    def accept(self, record: TicketRecord, then: Callable[[], None] | None = None) -> None:
        client = self._need_client()
        if client is None:
            return
        me = self.console.config
        self.await_ack(
            record,
            "accepting…",
            lambda: client.accept(record.ticket),
            self._ticket_update(
                record,
                status_id=TicketStatus.OPEN,
                handle_by_id=me.operator_id,
                handle_by_nm=me.operator_name,
            ),
            then,
        )

    def action_take_oldest(self) -> None:
        """Accept the new ticket whose customer has waited longest, and open it."""
        tid = self.console.store.oldest_new()
        record = self.console.store.ticket(tid) if tid else None
        if record is None:
            self.console.notify("No new ticket is waiting", timeout=3, markup=False)
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
        """Ask, naming the ticket and its customer; on yes, set the status and await the ack."""
        reopen = status == TicketStatus.OPEN
        verb = "Reopen" if reopen else "Close"
        question = Content.assemble(
            f"{verb} ",
            (ticket_title(record), "bold"),
            " of ",
            (customer_label(record), "bold"),
            "?",
            " Then the next waiting customer opens." if then else "",
        )

        def answered(yes: bool | None) -> None:
            client = self.client
            if yes and client is not None:
                self.await_ack(
                    record,
                    "reopening…" if reopen else "closing…",
                    lambda: client.set_status(record.ticket, status),
                    self._ticket_update(record, status_id=status),
                    then,
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
        question = Content.assemble(
            "Take ",
            (ticket_title(record), "bold"),
            " of ",
            (customer_label(record), "bold"),
            *whom,
            "?",
        )

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
                self.console.log.warning(f"operator list unavailable: {problem!r}")
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

    # ---- the conversation -----------------------------------------------------------

    def send(self, text: str) -> None:
        text = text.strip()
        tid = self.open_ticket_id
        if not text:
            return
        record = self.console.store.ticket(tid) if tid else None
        client = self._need_client()
        if record is None or client is None:
            if record is None:
                self.console.notify("Open a ticket first (Enter on a row)", markup=False)
            return
        refused = content_problem(text)  # the server's own limit: say so before it refuses
        if refused is None and record.is_closed:
            refused = "the ticket is closed: reopen it first"
        if refused is not None:
            self.error(refused, title="Message not sent")
            return
        courier = self.console.courier
        if courier is None:
            self.error("not connected to a server", title="Offline")
            return
        try:
            courier.send(record.ticket, text)  # pending, in the outbox, before any emit
        except _client_error() as problem:
            self.error(str(problem), title="Message not sent")
            return
        self.query_one("#composer").value = ""
        self.transcript.messages_changed()
        self.queue.reload()

    def action_retry(self) -> None:
        """Whatever waits: reconnect now, and send the open conversation's failed messages."""
        client, courier = self.client, self.console.courier
        if client is None or courier is None:
            self.error("not connected to a server", title="Offline")
            return
        state = self.connection[0]
        if state in ("reconnecting", "offline"):
            client.retry_now()
        failed = self.console.store.failed_outgoing(self.open_ticket_id or "")
        if failed:
            courier.retry(failed)
            self.transcript.messages_changed()
        elif state not in ("reconnecting", "offline"):
            self.console.notify("Nothing to retry", timeout=2, markup=False)

    def action_discard_failed(self) -> None:
        courier = self.console.courier
        failed = self.console.store.failed_outgoing(self.open_ticket_id or "")
        if courier is None or not failed:
            self.console.notify("No failed message in this conversation", timeout=2, markup=False)
            return
        courier.discard(failed)
        self.transcript.messages_changed()
        self.queue.reload()

    def typing_out(self) -> None:
        """At most one `typing` emit per TYPING_INTERVAL while the operator types."""
        tid = self.open_ticket_id
        client = self.client
        record = self.console.store.ticket(tid) if tid else None
        now = time.monotonic()
        if record is None or client is None or tid is None:
            return
        if now - self._last_typing_sent.get(tid, float("-inf")) < TYPING_INTERVAL:
            return
        self._last_typing_sent[tid] = now  # per ticket: switching tickets must not mute the next
        self.console.typing_sent += 1
        self.run_worker(client.typing(record.ticket), group="typing", exit_on_error=False)

    def mark_read_if_seen(self) -> None:
        """Bulk read receipt, once, for unread customer messages in the conversation on screen."""
        tid = self.open_ticket_id
        client = self.client
        if tid is None or client is None or not self.console.app_focus:
            return
        record = self.console.store.ticket(tid)
        if record is None or not record.unread or tid in self._reading:
            return
        customer = record.ticket.owner_id
        if not customer:
            return
        self._reading.add(tid)

        async def work() -> None:
            try:
                await client.mark_all_read(customer)
            except _client_error() as problem:
                self.console.log.warning(f"read receipt failed: {problem}")
            else:
                self.console.store.mark_ticket_read(tid)
                self.queue.reload()
                self.refresh_bars()
            finally:
                self._reading.discard(tid)
            again = self.console.store.ticket(tid)
            if again is not None and again.unread and self.open_ticket_id == tid:
                self.mark_read_if_seen()  # more arrived while the receipt was on its way

        self.run_worker(work(), group="read", exit_on_error=False)

    def load_history(self, ticket_id: str) -> None:
        """Fetch the ticket's earlier messages once per session, where the server offers them."""
        client = self.client
        if client is None or ticket_id in self._history_loaded:
            return
        self._history_loaded.add(ticket_id)

        async def work() -> None:
            try:
                history = await client.fetch_messages(ticket_id)
            except Exception as problem:
                self._history_loaded.discard(ticket_id)
                self.console.log.warning(f"history unavailable: {problem!r}")
                return
            if history and self.console.store.load_messages(ticket_id, history):
                if self.open_ticket_id == ticket_id:
                    self.transcript.show(ticket_id)
                    self.mark_read_if_seen()
                self.queue.reload()
                self.refresh_bars()

        self.run_worker(work(), group="history", exit_on_error=False)

    def action_save_image(self) -> None:
        record = self.transcript.image_to_save()
        if record is None:
            self.console.notify("No image in this conversation", timeout=3, markup=False)
            return
        import base64

        if image_size(record.message.content) is None:
            self.error("the image data is not valid base64", title="Cannot save")
            return
        folder = Path(
            platformdirs.user_downloads_dir() or platformdirs.user_data_dir("chat-console")
        )
        safe_id = "".join(c for c in record.message_id if c.isalnum() or c in "-_")[:64]
        path = folder / f"chat-image-{safe_id or 'unnamed'}.bin"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(record.message.content))
        except OSError as problem:
            self.error(str(problem), title="Cannot save")
            return
        self.console.last_saved_image = path
        self.console.notify(str(path), title="Image saved", markup=False)
