"""The ticket queue: two lines per ticket, rendered with the Line API.

Only the rows on screen are drawn, so 10,000 tickets cost one widget and a list of ids. A drawn
line is kept with the key of everything it shows (the ticket's fields, unread count, waiting time,
cursor, focus, busy label, width), so a batch of events repaints only the lines whose key changed
and a repaint of an unchanged line is a dictionary look-up.
"""

import contextlib
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
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
    wait_label_changes_at,
    waiting_seconds,
)
from chat_console.tui.widgets.scrollbars import scroll_quietly

ROW_HEIGHT = 2
_STRIP_CACHE_LIMIT = 512  # lines; a few screens' worth

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
_PLAIN = Style()
_BOLD = Style(bold=True)
_NOT_BOLD = Style(bold=False)
Parts = list[tuple[str, Style]]


class QueueView(ScrollView, can_focus=True):
    """The queue of one view (All / New / Mine / Closed), optionally filtered by text."""

    BINDINGS = bindings(QUEUE)

    class Highlighted(Message):
        def __init__(self, ticket_id: str | None) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    class Opened(Message):
        """A row was double-clicked: open its conversation."""

        def __init__(self, ticket_id: str) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    class WaitsShown(Message):
        """The waiting times on screen read differently from `moment` on (None: none shows
        one): the console's clock wakes then, not every second."""

        def __init__(self, moment: datetime | None) -> None:
            super().__init__()
            self.moment = moment

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
        self.held: str | None = None  # the highlighted ticket kept although it left the view
        self.busy: dict[str, str] = {}  # ticket id -> "accepting…" while an action awaits its ack
        self.being_read: Collection[str] = ()  # shown as read: their read receipt is on its way
        self._strips: dict[Any, Strip] = {}  # line key -> the drawn line
        self._shown: dict[int, Any] = {}  # screen line -> key of what it shows now
        self._base = Style()
        self._width = 0
        self._waits_shown: datetime | None = None  # the moment last told in WaitsShown

    # ---- data -----------------------------------------------------------------------

    @property
    def highlighted(self) -> str | None:
        if 0 <= self.cursor < len(self.ticket_ids):
            return self.ticket_ids[self.cursor]
        return None

    def reload(self, *, hold: bool = True) -> None:
        """Re-read the order from the store, keeping the cursor on the same ticket. A highlighted
        ticket that left the view (a colleague took it from New or Mine) stays on its line, marked,
        until the cursor leaves it: the cursor never jumps to a ticket the operator did not pick."""
        current = self.highlighted
        self.ticket_ids = self.store.queue(self.view, self.filter_text)
        self.held = None
        if current is not None and current in self.ticket_ids:
            self.cursor = self.ticket_ids.index(current)
        elif hold and current is not None and self.store.ticket(current) is not None:
            self.cursor = min(self.cursor, len(self.ticket_ids))
            self.ticket_ids.insert(self.cursor, current)
            self.held = current
        else:
            self.cursor = min(self.cursor, max(0, len(self.ticket_ids) - 1))
        self.virtual_size = Size(self.size.width, len(self.ticket_ids) * ROW_HEIGHT)
        self._keep_cursor_visible()
        self.repaint()
        if self.highlighted != current:
            self.post_message(self.Highlighted(self.highlighted))

    def set_view(self, view: View, filter_text: str | None = None) -> None:
        self.view = view
        if filter_text is not None:
            self.filter_text = filter_text
        self.reload(hold=False)

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
        self.repaint()

    # ---- cursor ---------------------------------------------------------------------

    def _move_to(self, index: int) -> None:
        if not self.ticket_ids:
            return
        before = self.highlighted
        if self.held is not None and index != self.cursor:
            self._let_go_of_held()
            index -= index > self.cursor
        index = max(0, min(index, len(self.ticket_ids) - 1))
        self.cursor = index
        if self.highlighted != before:
            self.post_message(self.Highlighted(self.highlighted))
        self._keep_cursor_visible()
        self.repaint()

    def _let_go_of_held(self) -> None:
        """The cursor leaves a ticket that is no longer in the view: the ticket goes."""
        if self.held in self.ticket_ids:
            self.ticket_ids.remove(self.held)
        self.held = None
        self.virtual_size = Size(self.size.width, len(self.ticket_ids) * ROW_HEIGHT)
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

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(len(self.ticket_ids) - 1)

    async def _on_key(self, event: events.Key) -> None:
        """Keys typed quickly are queued here before the first of them moves focus: a key's
        binding runs here, in typing order (not after the key bubbled up through every
        container), and the keys after one that focused an input or opened a dialog go there."""
        if self.app.focused is not self:
            event.stop()  # `/quiz` typed at once filters by "quiz" instead of quitting
            target = self.app.focused or self.app.screen
            target.post_message(events.Key(event.key, event.character))
            return
        active = self.screen.active_bindings.get(event.key)
        if active is not None and active.enabled:
            event.stop()
            await self.app.run_action(active.binding.action, active.node)
            return
        await super()._on_key(event)

    def on_click(self, event: events.Click) -> None:
        """A click selects the row under it; a double click opens it."""
        index = (int(self.scroll_y) + event.y) // ROW_HEIGHT
        if index >= len(self.ticket_ids):
            return
        self._move_to(index)
        if event.chain >= 2 and self.highlighted is not None:
            self.post_message(self.Opened(self.highlighted))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scroll_quietly(self, old_value, new_value)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self.ticket_ids) * ROW_HEIGHT)
        self._keep_cursor_visible()

    def on_focus(self) -> None:
        self.repaint()

    def on_blur(self) -> None:
        self.repaint()

    # ---- drawing --------------------------------------------------------------------

    def repaint(self) -> None:
        """Mark for redrawing only the screen lines whose content changed since they were drawn
        (all of them after a scroll: Textual repaints a scrolled widget whole anyway)."""
        now, region = self.clock(), self.scrollable_content_region
        top = int(self.scroll_y)
        for y in range(region.height):
            key = self._line_key(top + y, now, region.width)
            if self._shown.get(y) != key:
                self.refresh(Region(0, y, self.size.width, 1))

    def render_lines(self, crop: Region) -> list[Strip]:
        # Once per paint, not per line: both walk the DOM.
        self._base = self.rich_style
        self._width = self.scrollable_content_region.width
        lines = super().render_lines(crop)
        # After every paint, whatever moved the rows (a batch, a scroll, a resize, the filter).
        moment = self.next_change(self.clock())
        if moment != self._waits_shown:
            self._waits_shown = moment
            self.post_message(self.WaitsShown(moment))
        return lines

    def next_change(self, now: datetime) -> datetime | None:
        """When the first waiting time on screen will read differently (its figure or its
        colour); None when no row on screen shows one."""
        top = int(self.scroll_y) // ROW_HEIGHT
        rows = self.scrollable_content_region.height // ROW_HEIGHT + 2  # part-shown ones too
        moments = []
        for ticket_id in self.ticket_ids[top : top + rows]:
            record = self.store.ticket(ticket_id)
            since = record.waiting_since if record is not None else None
            if since is None:
                continue
            waited = (now - since).total_seconds()
            limits = [limit for limit in (self.wait_warning, self.wait_alert) if limit > waited]
            at = min([wait_label_changes_at(waited), *limits])
            with contextlib.suppress(OverflowError):  # a peer's 9999-12-31: it never changes
                # From the ticket's own start, not from `now`: the same moment at every paint.
                moments.append(since + timedelta(seconds=at))
        return min(moments, default=None)

    def render_line(self, y: int) -> Strip:
        key = self._line_key(int(self.scroll_y) + y, self.clock(), self._width)
        self._shown[y] = key
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > _STRIP_CACHE_LIMIT:
                self._strips.clear()
            strip = self._strips[key] = self._draw(key)
        return strip

    def _line_key(self, line: int, now: datetime, width: int) -> tuple[Any, ...]:
        """Everything the line shows; equal keys draw equal lines."""
        index, part = divmod(line, ROW_HEIGHT)
        record = self.store.ticket(self.ticket_ids[index]) if index < len(self.ticket_ids) else None
        if record is None:
            return (None, width, self._base)
        cursor = index == self.cursor and (self.has_focus, True)
        if part == 1:
            busy = self.busy.get(record.ticket_id)
            left = self.view.value if record.ticket_id == self.held else None
            return (_face(record), 1, busy, left, cursor, width, self._base)
        waited = waiting_seconds(record, now)
        wait = None if waited is None else (format_wait(waited), self._wait_style(waited))
        unread = 0 if record.ticket_id in self.being_read else record.unread
        return (_face(record), 0, unread, wait, cursor, width, self._base)

    def _wait_style(self, waited: float) -> Style:
        if waited >= self.wait_alert:
            return _WAIT_ALERT
        return _WAIT_WARN if waited >= self.wait_warning else _WAIT_OK

    def _draw(self, key: tuple[Any, ...]) -> Strip:
        face, width, base = key[0], key[-2], key[-1]
        record = self.store.ticket(face[0]) if face is not None else None
        if record is None:
            return Strip.blank(width, base)
        if key[1] == 0:
            parts = self._first_line(record, width, key[2], key[3])
        else:
            parts = self._second_line(record, key[2], key[3])
        cursor = key[-3]
        highlight = (_CURSOR_FOCUSED if cursor[0] else _CURSOR_BLURRED) if cursor else _PLAIN
        # Built as segments directly: rich's Text.render cost several times more per line.
        segments = [Segment(text, base + style + highlight) for text, style in _fit(parts, width)]
        return Strip(segments).crop_extend(0, width, base)

    def _first_line(
        self, record: TicketRecord, width: int, unread: int, wait: tuple[str, Style] | None
    ) -> Parts:
        status = STATUS_LABEL.get(record.status, str(int(record.status)))
        right: Parts = []
        if unread:
            right.append((f" {unread} ", _UNREAD))
        if wait is not None:
            right += [(" ", _PLAIN), wait]
        room = max(1, width - sum(cell_len(text) for text, _ in right) - 1)
        left = _fit(
            [
                (f"{status:^6}", _STATUS_STYLE.get(status, _DIM)),
                (" ", _PLAIN),
                (customer_label(record), _BOLD if unread or record.is_new else _NOT_BOLD),
            ],
            room,
        )
        used = sum(cell_len(text) for text, _ in left)
        return [*left, (" " * (room - used + 1), _PLAIN), *right]

    def _second_line(self, record: TicketRecord, busy: str | None, left: str | None) -> Parts:
        handler = handler_label(record, self.store.operator_id)
        if left is not None:  # held on screen after leaving the view: say why it no longer fits
            return [
                ("       ", _PLAIN),
                (busy or handler, _BUSY),
                (f" · not in {left} now · ", _BUSY),
                (ticket_title(record), _DIM),
            ]
        return [
            ("       ", _PLAIN),
            (ticket_title(record), _DIM),
            (" · ", _DIM),
            (busy, _BUSY) if busy else (handler, _DIM),
        ]


def _fit(parts: Parts, width: int) -> Parts:
    """The parts cut to `width` cells, the last kept cell an ellipsis when anything was cut (as
    rich's Text.truncate(overflow="ellipsis") does)."""
    if sum(cell_len(text) for text, _ in parts) <= width:
        return parts
    kept: Parts = []
    room = width - 1
    for text, style in parts:
        size = cell_len(text)
        if size <= room:
            kept.append((text, style))
            room -= size
            continue
        kept.append((set_cell_size(text, room) + "…", style))
        break
    return kept


def _face(record: TicketRecord) -> tuple[object, ...]:
    """The ticket's fields that a queue row shows (the id first)."""
    t = record.ticket
    return (
        t.ticket_id,
        t.status_id,
        t.display_nm,
        t.ticket_nm,
        t.owner_nm,
        t.owner_id,
        t.handle_by_id,
        t.handle_by_nm,
    )
