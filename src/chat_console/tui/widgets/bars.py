"""One-line widgets: the status bar, the conversation header, the views bar, the typing line.

Everything from the network goes in as a plain part of `Content.assemble`, never as markup.
"""

import math

from textual.content import Content
from textual.widgets import Static

from chat_console.store import TicketRecord, View, one_line
from chat_console.tui.formatting import (
    STATUS_LABEL,
    customer_label,
    handler_label,
    ticket_title,
)

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
    ) -> None:
        parts: list[str | tuple[str, str]] = []
        if insecure:  # permanent: verify_tls = false lets anyone on the path read and speak
            parts.append(("⚠ TLS NOT VERIFIED ", "bold $text-error on $error-muted"))
        parts.append(("● " + state, _STATE_STYLE.get(state, "bold")))
        if state == "reconnecting" and retry_in is not None:
            parts.append((f" in {math.ceil(retry_in)}s", "$text-muted"))
        if retry_key and state in ("reconnecting", "offline"):  # before a reason that may be long
            parts += [("  " + retry_key, "bold $accent"), (" retry now", "$text-muted")]
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
    def show(self, current: View, counts: dict[View, int], filter_text: str) -> None:
        parts: list[str | tuple[str, str]] = []
        for view in View:
            label = f" {view.value} {counts.get(view, 0)} "
            parts.append((label, "reverse bold" if view == current else "$text-muted"))
        if filter_text:
            parts.append(("  /" + one_line(filter_text), "italic $accent"))
        self.put(*parts)


class ConversationHeader(_Bar):
    FIXED_HEIGHT = False  # a long title wraps to a second line

    def show(self, record: TicketRecord | None, operator_id: str, busy: str | None) -> None:
        if record is None:
            self.put("No conversation open — pick a ticket and press Enter")
            return
        status = STATUS_LABEL.get(record.status, str(int(record.status)))
        parts: list[str | tuple[str, str]] = [
            (ticket_title(record), "bold"),
            ("  ", ""),
            (customer_label(record), "bold $accent"),
            ("  ·  ", "$text-muted"),
            (status, "bold"),
            ("  ·  ", "$text-muted"),
            (handler_label(record, operator_id), ""),
        ]
        if busy:
            parts.append(("  " + busy, "italic $warning"))
        self.put(*parts)


class TypingLine(_Bar):
    def show(self, name: str | None) -> None:
        if name:
            self.put((one_line(name) + " is typing…", "italic $text-muted"))
        else:
            self.put()
