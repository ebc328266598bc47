"""One-line widgets: the status bar, the conversation header, the views bar, the typing line.

Everything from the network goes in as a plain part of `Content.assemble`, never as markup.
"""

import math

from rich.cells import cell_len, set_cell_size
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from chat_console.protocol import TicketStatus
from chat_console.store import TicketRecord, View, one_line
from chat_console.tui.formatting import (
    STATUS_LABEL,
    customer_label,
    handler_label,
    short_id,
    ticket_title,
)

CUSTOMER_CELLS = 16  # of the header's line, at most, for the customer's name
MIN_TITLE_CELLS = 10  # of the header's line kept for the ticket's title, however narrow

_STATE_STYLE = {
    "connecting": "bold $warning",
    "authenticating": "bold $warning",
    "online": "bold $success",
    "reconnecting": "bold $warning",
    "offline": "bold $error",
}


class _Bar(Static):
    """Redrawn only when what it shows changed: the bars are told after every batch of events,
    and a Static's update lays out the whole screen again unless told its size cannot change."""

    FIXED_HEIGHT = True  # one line (app.tcss): no layout pass needed on a change
    _shown: object = None

    def put(self, *parts: str | tuple[str, str]) -> None:
        if parts == self._shown:
            return
        self._shown = parts
        self.update(Content.assemble(*parts), layout=not self.FIXED_HEIGHT)


class StatusBar(_Bar):
    def show(
        self,
        *,
        state: str,
        reason: str | None,
        retry_in: float | None,
        operator: str,
        host: str,
        new: int,
        unread: int,
        mine: int,
        protocol: str | None = None,
        retry_key: str = "",
        dropped: int = 0,
        skipped: int = 0,
        insecure: bool = False,
        read_only: str | None = None,
    ) -> None:
        parts: list[str | tuple[str, str]] = []
        if insecure:  # permanent: verify_tls = false lets anyone on the path read and speak
            parts.append(("⚠ TLS NOT VERIFIED ", "bold $text-error on $error-muted"))
        parts.append(("● " + state, _STATE_STYLE.get(state, "bold")))
        if state == "reconnecting" and retry_in is not None:
            parts.append((f" in {math.ceil(retry_in)}s", "$text-muted"))
        if retry_key and state in ("reconnecting", "offline"):  # before a reason that may be long
            parts += [("  " + retry_key, "bold $accent"), (" retry now", "$text-muted")]
        if read_only:  # permanent, but after the connection's state, which must fit 80 columns
            parts += [
                "  ",
                ("read-only: " + one_line(read_only), "bold $text-warning on $warning-muted"),
            ]
        if reason:
            parts.append((" (" + one_line(reason) + ")", "$text-muted"))
        parts += [
            ("  new ", "$text-muted"),
            (str(new), "bold"),
            ("  unread ", "$text-muted"),
            (str(unread), "bold"),
            ("  mine ", "$text-muted"),
            (str(mine), "bold"),
        ]
        if dropped:  # events that did not decode: the server (or someone) sends what we cannot read
            parts += [("  dropped ", "$text-muted"), (str(dropped), "bold $warning")]
        if skipped:  # stored records that did not read back: the rest of the history is shown
            parts += [("  unreadable history ", "$text-muted"), (str(skipped), "bold $warning")]
        parts += [
            "  ",
            (one_line(operator), "bold"),
            (" @ " + one_line(host) if host else "", "$text-muted"),
            (" · " + protocol if protocol else "", "$text-muted"),  # the [server] protocol value
        ]
        self.put(*parts)


class ViewsBar(_Bar):
    """The views as tabs with their counts; a click on a tab picks that view."""

    class Picked(Message):
        def __init__(self, view: View) -> None:
            super().__init__()
            self.view = view

    _tabs: tuple[tuple[int, View], ...] = ()  # each tab's last cell (exclusive), and its view

    def show(self, current: View, counts: dict[View, int], filter_text: str) -> None:
        parts: list[str | tuple[str, str]] = []
        tabs, end = [], 0
        for view in View:  # tight, so that four tabs with their counts fit a 32-cell pane
            label = f" {view.value} {counts.get(view, 0)}"
            if view == current:
                label += " "
            parts.append((label, "reverse bold" if view == current else "$text-muted"))
            end += cell_len(label)
            tabs.append((end, view))
        self._tabs = tuple(tabs)
        if filter_text:
            parts.append(("  /" + one_line(filter_text), "italic $accent"))
        self.put(*parts)

    def on_click(self, event: events.Click) -> None:
        for end, view in self._tabs:
            if event.x < end:
                self.post_message(self.Picked(view))
                return


class ConversationHeader(_Bar):
    """One line naming the open ticket: its title, who the customer is, and who handles it. The
    title gives way first, so that the customer and the handler fit an 80-column terminal."""

    _last: tuple[TicketRecord | None, str, str | None] = (None, "", None)

    def show(self, record: TicketRecord | None, operator_id: str, busy: str | None) -> None:
        self._last = (record, operator_id, busy)
        if record is None:
            self.put("No conversation open — pick a ticket and press Enter")
            return
        rest: list[str | tuple[str, str]] = [(" · ", "$text-muted")]
        customer = _capped(customer_label(record), CUSTOMER_CELLS)
        rest += [(customer, "bold $accent"), (" · ", "$text-muted")]
        if record.status != TicketStatus.OPEN:  # open is the usual case: say only the others
            status = STATUS_LABEL.get(record.status, str(int(record.status)))
            rest += [(status, "bold"), (" · ", "$text-muted")]
        rest.append((handler_label(record, operator_id), ""))
        if busy:
            rest.append(("  " + busy, "italic $warning"))
        used = sum(cell_len(part if isinstance(part, str) else part[0]) for part in rest)
        room = max(MIN_TITLE_CELLS, self.content_size.width - used)
        self.put((_capped(ticket_title(record), room), "bold"), *rest)

    def on_resize(self) -> None:
        self.show(*self._last)


class TicketDetails(_Bar):
    """What tells two look-alike tickets apart (`i` shows it): the short id, the customer's id
    and name as the server gives them, when it was opened, their other open tickets."""

    def show(self, record: TicketRecord | None, created: str, others: int) -> None:
        if record is None:
            self.put()
            return
        ticket = record.ticket
        parts: list[str | tuple[str, str]] = [
            (short_id(ticket.ticket_id), "bold"),
            (" ", ""),
            (one_line(ticket.owner_id or "no owner id"), "bold"),
            (" opened ", "$text-muted"),
            (created or "?", ""),
            (" · ", "$text-muted"),
            (f"{others} more open", ""),  # this customer's other tickets
            (" · ", "$text-muted"),
            (one_line(ticket.owner_nm or "no owner name from the server"), "$accent"),
        ]
        self.put(*parts)


def _capped(text: str, cells: int) -> str:
    """At most `cells` cells, ending in an ellipsis when cut: a long title must leave room for
    the customer and the handler on the header's one line."""
    if cell_len(text) <= cells:
        return text
    return set_cell_size(text, cells - 1) + "…"


class TypingLine(_Bar):
    def show(self, name: str | None) -> None:
        if name:
            self.put((one_line(name) + " is typing…", "italic $text-muted"))
        else:
            self.put()
