"""The open conversation: header, transcript, typing line and composer, and what happens in them.

It owns its area's work: the composer with a draft per ticket (kept in the store, so it survives a
restart), `typing` emits, send / retry / discard of the ticket's messages, read receipts for what
is on screen, loading the ticket's history, and saving images. Ticket actions (accept, close, …)
belong to the screen; when a reply needs the ticket accepted first the conversation asks it with
`AcceptWanted`.
"""

import base64
import logging
import time
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, cast

import platformdirs
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import TextArea
from textual.worker import Worker

from chat_console.client.errors import ClientError
from chat_console.client.pages import newest_pages, older_page
from chat_console.images import Attachment
from chat_console.protocol import MessageType
from chat_console.protocol.limits import content_problem
from chat_console.replies import Reply, fill, load_replies, starting_with, trigger_before
from chat_console.store import MessageRecord, Tick, TicketRecord, one_line, safe_text
from chat_console.tui import messages as msg
from chat_console.tui.external_editor import edit_in_editor
from chat_console.tui.formatting import customer_label, handler_label, ticket_title
from chat_console.tui.handover import CannotHandOver, handed_over
from chat_console.tui.notices import notify_error, report_failed_worker
from chat_console.tui.screens.reply_picker import ReplyPicker
from chat_console.tui.widgets.bars import ConversationHeader, TicketDetails, TypingLine
from chat_console.tui.widgets.composer import Composer
from chat_console.tui.widgets.transcript import Transcript, image_size

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from chat_console.tui.app import ConsoleApp
    from chat_console.tui.ports import ClientPort

TYPING_INTERVAL = 2.0  # seconds between two `typing` emits while the operator types
NO_TICKET_PLACEHOLDER = "Write a reply — Enter sends"
READ_ONLY_PLACEHOLDER = "Read-only: another console owns this history (status bar)"


class Conversation(Vertical):
    class AcceptWanted(Message):
        """The operator replied on a ticket nobody handles: the screen offers to accept it, and
        then sends what was typed before Enter (`send_typed`), or the image attached
        (`send_image_now`)."""

        def __init__(
            self, ticket_id: str, image: "Attachment | None" = None, typed: str = ""
        ) -> None:
            super().__init__()
            self.ticket_id = ticket_id
            self.image = image  # what to send once accepted, instead of the typed text
            self.typed = typed

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ticket_id: str | None = None
        self._last_typing_sent: dict[str, float] = {}  # ticket id -> monotonic time of the emit
        self._reading: set[str] = set()  # tickets whose read receipt is on its way
        self._history_loaded: set[str] = set()
        # tickets whose oldest message the server has, or whose older page is on its way
        self._no_older_on_server: set[str] = set()

    @property
    def being_read(self) -> Collection[str]:
        """Tickets whose read receipt is on its way (live): the queue and the status bar show
        them as read, so that a message arriving on the open conversation does not flash an
        unread badge for one round trip to the server (and repaint both over ssh)."""
        return self._reading

    @property
    def console(self) -> "ConsoleApp":
        return cast("ConsoleApp", self.app)

    @property
    def client(self) -> "ClientPort | None":
        return self.console.client

    def compose(self) -> ComposeResult:
        app = self.console
        yield ConversationHeader(id="header")
        yield TicketDetails(id="details")  # `i` shows it (the screen's toggle_details)
        yield Transcript(
            app.store,
            clock=app.clock,
            timezone=app.timezone,
            save_key=app.key_for("save_image"),
            fold_key=app.key_for("fold"),
            id="transcript",
        )
        yield TypingLine(id="typing")
        yield Composer(placeholder=NO_TICKET_PLACEHOLDER, id="composer")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        report_failed_worker(self.console, event)

    def on_mount(self) -> None:
        self.transcript.show(None)
        self.watch(self.app, "app_focus", self._app_focus_changed, init=False)

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def composer(self) -> Composer:
        return self.query_one("#composer", Composer)

    def _record(self) -> TicketRecord | None:
        return self.console.store.ticket(self.ticket_id) if self.ticket_id else None

    # ---- what the screen tells it -----------------------------------------------------

    def open(self, ticket_id: str) -> None:
        if self.ticket_id not in (None, ticket_id):  # keys typed just before are not lost
            self.console.store.save_draft(self.ticket_id, self.composer.text)
        if ticket_id != self.ticket_id:
            self.ticket_id = ticket_id
            self._show_draft()
        # Opened again (Esc, then Enter): the composer holds the draft already, with keys that
        # were typed before the Esc and are still on their way to it; loading it would lose them.
        self.transcript.show(ticket_id)
        self.refresh_typing()
        self.load_history(ticket_id)
        self.mark_read_if_seen()

    def store_replaced(self) -> None:
        """Shown again from the console's new store; what the composer holds stays. Pages fetched
        into the store given up are fetched again into this one."""
        self._history_loaded.clear()
        self._no_older_on_server.clear()
        self.transcript.store = self.console.store
        self.transcript.show(self.ticket_id)
        self._name_the_recipient()

    def messages_changed(self, ticket_ids: frozenset[str]) -> None:
        if self.ticket_id in ticket_ids:
            self.transcript.messages_changed()
            self.refresh_typing()
            self.mark_read_if_seen()

    def tickets_changed(self, ticket_ids: frozenset[str]) -> None:
        if self.ticket_id in ticket_ids:
            self._name_the_recipient()  # the customer's name or the title may have arrived

    def refresh_typing(self) -> None:
        tid = self.ticket_id
        name = self.console.store.typing(tid) if tid else None
        self.query_one(TypingLine).show(name)

    def _app_focus_changed(self, focused: bool) -> None:
        if focused:
            self.mark_read_if_seen()

    # ---- the composer: a draft per ticket -----------------------------------------------

    def _show_draft(self) -> None:
        self._name_the_recipient()
        draft = self.console.store.draft(self.ticket_id) if self.ticket_id else ""
        self.composer.put_back(draft)  # not typing

    def _name_the_recipient(self) -> None:
        """The composer says whom Enter writes to: a reply must never go to the wrong customer."""
        record = self._record()
        if self.console.read_only_reason is not None:
            self.composer.show_placeholder(READ_ONLY_PLACEHOLDER)
            return
        if record is None:
            self.composer.show_placeholder(NO_TICKET_PLACEHOLDER)
            return
        recipient = f"{customer_label(record)} · {ticket_title(record)}"
        self.composer.show_placeholder(f"Reply to {recipient} — Enter sends")

    @on(TextArea.Changed, "#composer")
    def _composer_changed(self, event: TextArea.Changed) -> None:
        """The text as it is now, not as it was at the key: a change posted before the operator
        switched tickets must not file one customer's words under another's ticket."""
        event.stop()
        tid = self.ticket_id
        if tid is None:
            return
        text = self.composer.text
        self.console.store.save_draft(tid, text)
        if text:
            self.typing_out()

    @on(Composer.SendWanted)
    def _composer_submitted(self, event: Composer.SendWanted) -> None:
        event.stop()
        self.send(event.text)

    def _take_in(self, text: str) -> None:
        """`text` in the composer for the open ticket, kept as its draft at once."""
        if self.ticket_id is not None:
            self.console.store.save_draft(self.ticket_id, text)
        self.composer.put_back(text)

    @on(Composer.EditorWanted)
    def _to_editor(self, event: Composer.EditorWanted) -> None:
        event.stop()
        self.edit_in_editor()

    def edit_in_editor(self) -> None:
        """The reply in the operator's $EDITOR, the terminal handed over meanwhile, and back."""
        text = self.composer.text
        try:
            edited = handed_over(self.app, lambda: edit_in_editor(text))
        except CannotHandOver:
            notify_error(self.console, "this terminal cannot be handed to an editor", "Editor")
            return
        if edited.text is None:
            notify_error(self.console, f"{edited.problem}: the reply is as it was", "Editor")
            return
        self._take_in(edited.text)

    @on(Composer.LastWanted)
    def _edit_last(self, event: Composer.LastWanted) -> None:
        event.stop()
        self.edit_last()

    def edit_last(self) -> None:
        """The conversation's last unsent or failed message back in the composer, out of the
        outbox: only where it surely has not reached the server, so it never goes twice."""
        tid, courier = self.ticket_id, self.console.courier
        if tid is None:
            return
        if self.console.read_only_reason is not None:
            reason = self.console.read_only_reason
            notify_error(self.console, f"read-only: {reason}", title="Not taken back")
            return
        record = self._last_unsent(tid)
        if record is None or courier is None:
            self.console.notify("No unsent or failed message to edit", timeout=2, markup=False)
            return
        if not courier.take_back(record.message_id):
            notify_error(self.console, self._not_taken_back(record), title="Not taken back")
            return
        self._take_in(record.message.content)
        self.transcript.messages_changed()

    def _not_taken_back(self, record: MessageRecord) -> str:
        if record.tick == Tick.FAILED:  # failed unanswered: the same messageId again is safe
            retry = self.console.chord_for("retry")
            return f"it may already be on the server: {retry} sends it again as it is, never twice"
        return "it may already be on the server: it goes as it is"

    def _last_unsent(self, ticket_id: str) -> MessageRecord | None:
        """The ticket's newest text still in the outbox (pending or failed)."""
        store = self.console.store
        waiting = [message_id for message_id, tid, _, _ in store.outbox() if tid == ticket_id]
        for message_id in reversed(waiting):
            record = store.message(message_id)
            if record is not None and record.message.type == MessageType.TEXT:
                return record
        return None

    def typing_out(self) -> None:
        """At most one `typing` emit per TYPING_INTERVAL while the operator types."""
        tid = self.ticket_id
        client = self.client
        record = self._record()
        now = time.monotonic()
        if record is None or client is None or tid is None or self.console.read_only_reason:
            return  # read-only: nothing written here is sent, so nobody is told it is coming
        if now - self._last_typing_sent.get(tid, float("-inf")) < TYPING_INTERVAL:
            return
        self._last_typing_sent[tid] = now  # per ticket: switching tickets must not mute the next
        self.console.typing_sent += 1
        self.run_worker(client.typing(record.ticket), group="typing", exit_on_error=False)

    # ---- canned replies ------------------------------------------------------------------

    def _replies(self) -> tuple[Reply, ...]:
        """Read afresh each time, so that an edited or pulled reply is used at once."""
        loaded = load_replies(self.console.config.replies_dir)
        if loaded.problems:
            problems = one_line("; ".join(loaded.problems))
            self.console.notify(problems, title="Replies skipped", severity="warning", markup=False)
        return loaded.replies

    @on(Composer.ExpandWanted)
    def _expand(self, event: Composer.ExpandWanted) -> None:
        event.stop()
        replies = self._replies()
        found = starting_with(replies, event.prefix)
        span = (event.start, self.composer.cursor_offset)
        if len(found) == 1:
            self.insert_reply(found[0], span)
        elif found:
            self.pick_reply(replies, event.prefix, span)
        else:
            self._no_replies(f"No reply named {event.prefix}…")

    def _no_replies(self, what: str) -> None:
        folder = self.console.config.replies_dir
        where = (
            f" in {folder}"
            if folder
            else ": without a config file there is no replies/ folder ([ui] replies_dir names one)"
        )
        self.console.notify(what + where, severity="warning", markup=False)

    def pick_reply(
        self,
        replies: tuple[Reply, ...] | None = None,
        query: str = "",
        span: tuple[int, int] | None = None,
    ) -> None:
        """The picker, fuzzy; what it picks replaces `span` of the composer (else goes at the
        cursor, replacing a `::name` being typed there)."""
        replies = self._replies() if replies is None else replies
        if not replies:
            self._no_replies("No canned replies")
            return
        if span is None:
            cursor = self.composer.cursor_offset
            found = trigger_before(self.composer.text, cursor)
            span = (found[0] if found else cursor, cursor)
        chosen_span = span

        def chosen(reply: Reply | None) -> None:
            if reply is not None:
                self.insert_reply(reply, chosen_span)
            self.composer.focus()

        self.app.push_screen(ReplyPicker(replies, query), chosen)

    def insert_reply(self, reply: Reply, span: tuple[int, int]) -> None:
        """`reply`, filled in, in place of `span`; the cursor on the first blank left, if any."""
        record = self._record()
        values = {"operator": self.console.config.operator_name}
        if record is not None:  # as the server names them: plain text, never read as templates
            values["customer"] = customer_label(record)
            values["ticket"] = one_line(record.ticket.ticket_nm or record.ticket.ticket_id)
        filled = fill(reply.text, values)
        value = self.composer.text
        start, end = span
        problem = content_problem(value[:start] + filled.text + value[end:])
        if problem is not None:
            notify_error(self.console, f"{reply.name}: {problem}", title="Reply not inserted")
            return
        offset = len(filled.text) if filled.cursor is None else filled.cursor
        self.composer.replace_span(start, end, filled.text, start + offset)

    # ---- send, retry, discard -----------------------------------------------------------

    def _need_client(self) -> "ClientPort | None":
        if self.client is None:
            notify_error(self.console, "not connected to a server", title="Offline")
        return self.client

    def _read_only(self) -> bool:
        """Another console owns the history and its outbox: say so instead of sending."""
        reason = self.console.read_only_reason
        if reason is not None:
            notify_error(self.console, f"read-only: {reason}", title="Message not sent")
        return reason is not None

    def send(self, typed: str) -> None:
        """Send what the composer held when Enter was pressed (`typed`); keys typed after it
        (one read over ssh) are already in the composer, and stay there."""
        text = typed.strip()
        if not text or self._read_only():
            return
        record = self._record()
        client = self._need_client()
        if record is None or client is None:
            if record is None:
                self.console.notify("Open a ticket first (Enter on a row)", markup=False)
            return
        refused = content_problem(text)  # the server's own limit: say so before it refuses
        if refused is None and record.is_closed:
            refused = "the ticket is closed: reopen it first"
        if refused is not None:
            notify_error(self.console, refused, title="Message not sent")
            return
        if not self._may_write(record, typed=typed):
            return
        self.send_now(record, typed)

    def _may_write(
        self, record: TicketRecord, image: Attachment | None = None, typed: str = ""
    ) -> bool:
        """Only the ticket's handler may write: offer to accept a ticket nobody handles first."""
        me = self.console.config.operator_id
        handler = record.ticket.handle_by_id
        if handler == me:
            return True
        if handler:
            who = handler_label(record, me)
            hint = f"Esc, then {self.console.key_for('hijack')} takes it"  # h is text here
            notify_error(self.console, f"{who} handles this ticket — {hint}", "Message not sent")
        else:
            self.post_message(self.AcceptWanted(record.ticket_id, image, typed))
        return False

    def send_typed(self, ticket_id: str, typed: str) -> None:
        """Send what was typed before Enter on a ticket that had to be accepted first."""
        record = self.console.store.ticket(ticket_id)
        if record is not None and typed.strip():
            self.send_now(record, typed)

    def send_now(self, record: TicketRecord, typed: str) -> None:
        text = typed.strip()
        courier = self.console.courier
        if self._read_only():
            return
        if courier is None:
            notify_error(self.console, "not connected to a server", title="Offline")
            return
        try:
            courier.send(record.ticket, text)  # pending, in the outbox, before any emit
        except ClientError as problem:
            notify_error(self.console, str(problem), title="Message not sent")
            return
        shown = record.ticket_id == self.ticket_id
        draft = self.composer.text if shown else self.console.store.draft(record.ticket_id)
        left = draft.removeprefix(typed) if draft.startswith(typed) else ""
        self.console.store.save_draft(record.ticket_id, left)
        if shown:
            self.composer.put_back(left)
            self.transcript.messages_changed()

    def retry(self, connection_state: str) -> None:
        """Whatever waits: reconnect now, and send the open conversation's failed messages."""
        client, courier = self.client, self.console.courier
        read_only = self.console.read_only_reason is not None  # it has no courier, on purpose
        if client is None or (courier is None and not read_only):
            notify_error(self.console, "not connected to a server", title="Offline")
            return
        if connection_state in ("reconnecting", "offline"):
            client.retry_now()
        failed = self.console.store.failed_outgoing(self.ticket_id or "")
        if failed and self._read_only():
            return
        if failed and courier is not None:
            courier.retry(failed)
            self.transcript.messages_changed()
        elif connection_state not in ("reconnecting", "offline"):
            self.console.notify("Nothing to retry", timeout=2, markup=False)

    def discard_failed(self) -> bool:
        courier = self.console.courier
        failed = self.console.store.failed_outgoing(self.ticket_id or "")
        if failed and self._read_only():
            return False
        if courier is None or not failed:
            self.console.notify("No failed message in this conversation", timeout=2, markup=False)
            return False
        maybe_sent = sum(1 for message_id in failed if courier.may_be_on_server(message_id))
        courier.discard(failed)
        self.transcript.messages_changed()
        if maybe_sent:  # discarding here cannot unsend what the server may have stored
            words = f"{maybe_sent} of them may already be on the server: discarded here only"
            self.console.notify(words, title="Discarded", severity="warning", markup=False)
        return True

    # ---- read receipts and history ------------------------------------------------------

    def mark_read_if_seen(self) -> None:
        """Read receipts, once, for the unread customer messages of the conversation on screen.

        The bulk form ('all') marks every message of the customer to us, on all their tickets:
        it is sent only when that is exactly what is on screen; otherwise one receipt a message.
        """
        tid = self.ticket_id
        client = self.client
        if tid is None or client is None or not self.console.app_focus:
            return
        store = self.console.store
        record = store.ticket(tid)
        if record is None or not record.unread or tid in self._reading:
            return
        customer = record.ticket.owner_id
        if not customer:
            return
        shown = store.unread_messages(tid)
        bulk = not store.unread_elsewhere(customer, tid)
        if not bulk and not shown:
            return
        self._reading.add(tid)

        async def work() -> None:
            try:
                if bulk:
                    await client.mark_all_read(customer)
                    store.mark_ticket_read(tid)
                else:
                    for message in shown:
                        await client.mark_read(message)
                        store.mark_messages_read(tid, [message.message_id])  # as receipted
            except ClientError as problem:
                log.warning("read receipt failed: %s", one_line(problem))
                return  # the next message, focus or reconnect tries again; no loop
            finally:
                self._reading.discard(tid)
                self._tickets_changed(tid)  # unread counts may have gone down
            again = store.ticket(tid)
            if again is not None and again.unread and self.ticket_id == tid:
                self.mark_read_if_seen()  # more arrived while the receipt was on its way

        self.run_worker(work(), group="read", exit_on_error=False)

    def load_history(self, ticket_id: str) -> None:
        """Fetch the ticket's newest page once per session, where the server offers it (older
        pages come when the operator scrolls up to them: `on_transcript_top_reached`)."""
        client = self.client
        if client is None or ticket_id in self._history_loaded:
            return
        self._history_loaded.add(ticket_id)

        async def work() -> None:
            try:
                history = await newest_pages(client, self.console.store, ticket_id)
            except Exception as problem:
                self._history_loaded.discard(ticket_id)
                log.warning("history unavailable: %s", one_line(problem))
                return
            if history is not None and not history.more:
                self._no_older_on_server.add(ticket_id)
            if history and self.console.store.load_messages(ticket_id, history.items):
                if self.ticket_id == ticket_id:
                    self.transcript.show(ticket_id)
                    self.mark_read_if_seen()
                self._tickets_changed(ticket_id)

        self.run_worker(work(), group="history", exit_on_error=False)

    @on(Transcript.TopReached)
    def _older_from_server(self, event: Transcript.TopReached) -> None:
        ticket_id, client = event.ticket_id, self.client
        if client is None or ticket_id in self._no_older_on_server:
            return
        self._no_older_on_server.add(ticket_id)  # until this page is here

        async def work() -> None:
            try:
                page = await older_page(client, self.console.store, ticket_id)
            except Exception as problem:
                log.warning("older history unavailable: %s", one_line(problem))
                self._no_older_on_server.discard(ticket_id)  # the next scroll up tries again
                return
            if page is not None and page.more:
                self._no_older_on_server.discard(ticket_id)
            if page:
                self.transcript.older_arrived(ticket_id)

        self.run_worker(work(), group="history", exit_on_error=False)

    def catch_up(self, ticket_id: str) -> None:
        """The ticket is ours again after a colleague had it: fetch what was said meanwhile, or,
        where the server cannot tell, say in the transcript that something is missing."""
        colleague = self.console.store.take_handback(ticket_id)
        client = self.client
        if colleague is None or client is None:
            return

        async def work() -> None:
            store = self.console.store
            try:
                history = await newest_pages(client, store, ticket_id)
            except Exception as problem:
                log.warning("history unavailable: %s", one_line(problem))
                history = None
            if history is None:  # a server without the HTTP extras
                gap = f"— while {colleague} handled this ticket, messages were not shown here —"
                store.add_marker(ticket_id, gap)
            else:
                store.load_messages(ticket_id, history.items)
                self._history_loaded.add(ticket_id)
            self.screen.post_message(msg.MessagesChanged(frozenset({ticket_id})))

        self.run_worker(work(), group="history", exit_on_error=False)

    def _tickets_changed(self, ticket_id: str) -> None:
        self.screen.post_message(msg.TicketsChanged(frozenset({ticket_id})))

    # ---- copy -------------------------------------------------------------------------

    def _message_to_copy(self) -> MessageRecord | None:
        """The lowest customer text on screen, else the conversation's newest."""
        tid = self.ticket_id
        if tid is None:
            return None
        store = self.console.store
        candidates = [*reversed(self.transcript.visible_message_ids())]
        candidates += reversed(store.message_ids(tid))
        for message_id in candidates:
            record = store.message(message_id)
            if record is not None and _customer_text(record):
                return record
        return None

    def copy_message(self) -> None:
        """To the operator's clipboard, through the terminal (OSC 52: over ssh and tmux too).
        What is copied is what the screen shows: the customer's own control characters are
        replaced first, so none of them ever reaches the terminal inside the sequence."""
        record = self._message_to_copy()
        if record is None:
            self.console.notify("No customer message to copy", timeout=3, markup=False)
            return
        text = safe_text(record.message.content)
        self.console.copy_to_clipboard(text)
        preview = one_line(text)
        preview = preview if len(preview) <= 40 else preview[:39] + "…"
        self.console.notify(f"{len(text)} characters: {preview}", title="Copied", markup=False)

    # ---- images and folds ---------------------------------------------------------------

    def attach_image(self) -> None:
        """Ask for an image file's path, then send it to the open ticket as a text would go."""
        from chat_console.tui.screens.attach import AttachScreen

        record = self._record()
        if record is None:
            self.console.notify("Open a ticket first (Enter on a row)", markup=False)
            return
        if self._read_only():
            return
        ticket_id = record.ticket_id

        def chosen(image: Attachment | None) -> None:
            again = self.console.store.ticket(ticket_id)
            if image is not None and again is not None:
                self.send_image(again, image)

        self.app.push_screen(AttachScreen(customer_label(record)), chosen)

    def send_image(self, record: TicketRecord, image: Attachment) -> None:
        """The same rules as a text reply: online, open ticket, ours (else offer to accept)."""
        if self._read_only() or self._need_client() is None:
            return
        if record.is_closed:
            notify_error(self.console, "the ticket is closed: reopen it first", "Image not sent")
            return
        if self._may_write(record, image):
            self.send_image_now(record.ticket_id, image)

    def send_image_now(self, ticket_id: str, image: Attachment) -> None:
        courier, record = self.console.courier, self.console.store.ticket(ticket_id)
        if self._read_only() or record is None:
            return
        if courier is None:
            notify_error(self.console, "not connected to a server", title="Offline")
            return
        try:  # pending in the outbox, like a text: ticks, retry and discard work the same
            courier.send(record.ticket, image.content, type=MessageType.IMAGE)
        except ClientError as problem:
            notify_error(self.console, str(problem), title="Image not sent")
            return
        if ticket_id == self.ticket_id:
            self.transcript.messages_changed()

    def toggle_fold(self) -> None:
        if not self.transcript.toggle_fold():
            self.console.notify("No long message in this conversation", timeout=3, markup=False)

    def save_image(self) -> None:
        record = self.transcript.image_to_save()
        if record is None:
            self.console.notify("No image in this conversation", timeout=3, markup=False)
            return
        if image_size(record.message.content) is None:
            notify_error(self.console, "the image data is not valid base64", title="Cannot save")
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
            notify_error(self.console, str(problem), title="Cannot save")
            return
        self.console.last_saved_image = path
        self.console.notify(str(path), title="Image saved", markup=False)


def _customer_text(record: MessageRecord) -> bool:
    return not (record.own or record.note) and record.message.type == MessageType.TEXT
