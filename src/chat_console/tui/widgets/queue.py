"""The ticket queue: two lines per ticket, rendered with the Line API.

Only the rows on screen are drawn, so 10,000 tickets cost one widget and a list of ids.
"""

from collections.abc import Callable
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from chat_console.store import Store, TicketRecord, View
from chat_console.tui.bindings import QUEUE, bindings
from chat_console.tui.formatting import (
    STATUS_LABEL,
    customer_label,
    format_wait,
    handler_label,
    ticket_title,
    waiting_seconds,
)

ROW_HEIGHT = 2

_STATUS_STYLE = {
    "new": Style(color="black", bgcolor="yellow", bold=True),
    "open": Style(color="green", bold=True),
    "closed": Style(color="bright_black"),
}
_UNREAD = Style(color="white", bgcolor="red", bold=True)
_WAIT_OK = Style(color="bright_black")
_WAIT_WARN = Style(color="yellow", bold=True)
_WAIT_ALERT = Style(color="white", bgcolor="dark_red", bold=True)
_DIM = Style(color="bright_black")
_BUSY = Style(color="yellow", italic=True)
_CURSOR_FOCUSED = Style(bgcolor="blue", color="white")
_CURSOR_BLURRED = Style(bgcolor="grey23")


class QueueView(ScrollView, can_focus=True):
    """The queue of one view (All / New / Mine / Closed), optionally filtered by text."""

    BINDINGS = bindings(QUEUE)

    class Highlighted(Message):
        def __init__(self, ticket_id: str | None) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        wait_warning: float,
        wait_alert: float,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.wait_warning = wait_warning
        self.wait_alert = wait_alert
        self.view = View.ALL
        self.filter_text = ""
        self.ticket_ids: list[str] = []
        self.cursor = 0
        self.busy: dict[str, str] = {}  # ticket id -> "accepting…" while an action awaits its ack

    # ---- data -----------------------------------------------------------------------

    @property
    def highlighted(self) -> str | None:
        if 0 <= self.cursor < len(self.ticket_ids):
            return self.ticket_ids[self.cursor]
        return None

    def reload(self) -> None:
        """Re-read the order from the store, keeping the cursor on the same ticket."""
        current = self.highlighted
        self.ticket_ids = self.store.queue(self.view, self.filter_text)
        if current is not None and current in self.ticket_ids:
            self.cursor = self.ticket_ids.index(current)
        else:
            self.cursor = min(self.cursor, max(0, len(self.ticket_ids) - 1))
        self.virtual_size = Size(self.size.width, len(self.ticket_ids) * ROW_HEIGHT)
        self._keep_cursor_visible()
        self.refresh()
        if self.highlighted != current:
            self.post_message(self.Highlighted(self.highlighted))

    def set_view(self, view: View, filter_text: str | None = None) -> None:
        self.view = view
        if filter_text is not None:
            self.filter_text = filter_text
        self.reload()

    def select(self, ticket_id: str) -> bool:
        if ticket_id not in self.ticket_ids:
            return False
        self._move_to(self.ticket_ids.index(ticket_id))
        return True

    def set_busy(self, ticket_id: str, label: str | None) -> None:
        if label is None:
            self.busy.pop(ticket_id, None)
        else:
            self.busy[ticket_id] = label
        self.refresh()

    # ---- cursor ---------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self.ticket_ids:
            return
        index = max(0, min(index, len(self.ticket_ids) - 1))
        if index != self.cursor:
            self.cursor = index
            self.post_message(self.Highlighted(self.highlighted))
        self._keep_cursor_visible()
        self.refresh()

    def _keep_cursor_visible(self) -> None:
        top = self.cursor * ROW_HEIGHT
        height = max(ROW_HEIGHT, self.scrollable_content_region.height)
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif top + ROW_HEIGHT > self.scroll_y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False, immediate=True)

    def action_cursor_down(self) -> None:
        self._move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move_to(self.cursor + max(1, self.size.height // ROW_HEIGHT))

    def action_page_up(self) -> None:
        self._move_to(self.cursor - max(1, self.size.height // ROW_HEIGHT))

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.ticket_ids) * ROW_HEIGHT)
        self._keep_cursor_visible()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ---- drawing --------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = int(self.scroll_y) + y
        index, part = divmod(line, ROW_HEIGHT)
        base = self.rich_style
        if index >= len(self.ticket_ids):
            return Strip.blank(width, base)
        record = self.store.ticket(self.ticket_ids[index])
        if record is None:
            return Strip.blank(width, base)
        text = self._first_line(record, width) if part == 0 else self._second_line(record)
        if index == self.cursor:
            text.stylize(_CURSOR_FOCUSED if self.has_focus else _CURSOR_BLURRED)
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = list(text.render(self.app.console))
        return Strip(Segment.apply_style(segments, base), width).crop_extend(0, width, base)

    def _first_line(self, record: TicketRecord, width: int) -> Text:
        status = STATUS_LABEL.get(record.status, str(int(record.status)))
        right = Text()
        if record.unread:
            right.append(f" {record.unread} ", _UNREAD)
        waited = waiting_seconds(record, self.clock())
        if waited is not None:
            style = (
                _WAIT_ALERT
                if waited >= self.wait_alert
                else _WAIT_WARN
                if waited >= self.wait_warning
                else _WAIT_OK
            )
            right.append(" ")
            right.append(format_wait(waited), style)
        left = Text(no_wrap=True)
        left.append(f"{status:^6}", _STATUS_STYLE.get(status, _DIM))
        left.append(" ")
        left.append(customer_label(record), Style(bold=bool(record.unread or record.is_new)))
        room = max(1, width - right.cell_len - 1)
        left.truncate(room, overflow="ellipsis", pad=True)
        return Text.assemble(left, " ", right, no_wrap=True)

    def _second_line(self, record: TicketRecord) -> Text:
        line = Text("       ", no_wrap=True)
        line.append(ticket_title(record), _DIM)
        line.append(" · ", _DIM)
        busy = self.busy.get(record.ticket_id)
        if busy:
            line.append(busy, _BUSY)
        else:
            line.append(handler_label(record, self.store.operator_id), _DIM)
        return line
