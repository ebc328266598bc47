"""The conversation transcript, rendered with the Line API.

A cached layout (first line of every message, per width) lets `render_line` find the message under
any screen row with a bisect, so a 100,000-message conversation is one widget and only the lines on
screen are ever wrapped and styled.

Over ssh every repainted row is sent again (Textual writes a dirty line whole; it has no terminal
scroll region), so an incoming message repaints only the rows it changed, and following the bottom
scrolls by half a pane at a time, as irssi does: when a new message does not fit below the last
one, the view jumps so that it ends half a pane above the bottom (less if it is taller), and the
next messages are written into the blank rows under it without moving the rows above.
"""

import base64
import binascii
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, tzinfo

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.actions import SkipAction
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from chat_console.protocol import MessageType
from chat_console.protocol.limits import MAX_CONTENT_BYTES, content_size, human_size
from chat_console.store import MessageRecord, Store, Tick, one_line, safe_text
from chat_console.tui.formatting import TICK_GLYPH, clock_time, wrap
from chat_console.tui.widgets.inline_image import InlineImages
from chat_console.tui.widgets.scrollbars import resize_quietly, scroll_quietly

INDENT = 2
FOLD_LINES = 12  # a longer message shows this many lines and a note with the key to show all
_LINES_CACHE_LIMIT = 4000

_CUSTOMER = Style(color="cyan", bold=True)
_OWN = Style(color="green", bold=True)
_TIME = Style(color="bright_black")
_TICK = {
    Tick.PENDING: Style(color="yellow", italic=True),
    Tick.SENT: Style(color="bright_black"),
    Tick.DELIVERED: Style(color="white"),
    Tick.READ: Style(color="bright_blue", bold=True),
    Tick.FAILED: Style(color="red", bold=True),
}
_FOLD = Style(color="yellow", italic=True)
_MARKER = Style(color="bright_black", italic=True)
_FOUND = Style(bgcolor="grey27")  # the message a search opened the conversation at


def image_size(content: str) -> int | None:
    """Decoded size of a base64 image, or None if it is not valid base64."""
    try:
        return len(base64.b64decode(content, validate=True))
    except (binascii.Error, ValueError):
        return None


def _capped(content: str) -> tuple[str, int | None]:
    """Content within the cap, and its full UTF-8 size when it was over (else None)."""
    if len(content) <= MAX_CONTENT_BYTES // 4:  # four bytes a character at most: within the cap
        return content, None
    size = content_size(content)
    if size <= MAX_CONTENT_BYTES:
        return content, None
    kept = content.encode("utf-8", "surrogatepass")[:MAX_CONTENT_BYTES]
    return kept.decode("utf-8", "ignore"), size


class Transcript(ScrollView, can_focus=True):
    class TopReached(Message):
        """The operator scrolled to the top of all the store holds of the ticket: an older page
        may be on the server (the conversation asks it, then calls `older_arrived`)."""

        def __init__(self, ticket_id: str) -> None:
            super().__init__()
            self.ticket_id = ticket_id

    def __init__(
        self,
        store: Store,
        *,
        clock: Callable[[], datetime],
        timezone: tzinfo | None = None,
        save_key: str = "s",
        fold_key: str = "e",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.store = store
        self.clock = clock
        self.timezone = timezone
        self.save_key = save_key
        self.fold_key = fold_key
        self.unfolded: set[str] = set()  # long messages the operator asked to see in full
        self.ticket_id: str | None = None
        self._ids: list[str] = []
        self._starts: list[int] = [0]  # first line of each message; last item is the total
        self._laid_width = 0
        # message id -> (key of what it shows, its drawn lines); see _message_strips
        self._lines: dict[str, tuple[tuple[object, ...], list[Strip]]] = {}
        self._base = Style()
        self._width = 0
        self._loading_older = False  # a page of older history is on its way
        self._failed: frozenset[str] = frozenset()  # failed messages in the current layout
        self.found: str | None = None  # the message a search opened the conversation at
        self.images = InlineImages(self, self.image_changed, INDENT)
        # Blank lines under the last message while following the bottom: where the next messages
        # are written without scrolling (see the module's docstring).
        self._slack = 0

    # ---- layout ---------------------------------------------------------------------

    @property
    def _text_width(self) -> int:
        return max(10, self.scrollable_content_region.width - 1)

    def show(self, ticket_id: str | None) -> None:
        self.ticket_id = ticket_id
        self.store.on_screen(ticket_id)  # what the operator may scroll back through stays loaded
        self.found = None
        self._slack = 0
        self._relayout()
        self._to_bottom()

    def scroll_to_message(self, message_id: str) -> bool:
        """Show the shown ticket's message at the top, highlighted, reading older history from
        the store until it is in memory; False if the ticket does not have it."""
        ticket_id, record = self.ticket_id, self.store.message(message_id)
        if ticket_id is None or record is None or record.message.ticket_id != ticket_id:
            return False
        # The store finds it in SQLite too: read older pages until memory's window holds it.
        while message_id not in self.store.message_ids(ticket_id):
            if not self.store.load_older(ticket_id):
                return False
        self.found = message_id
        self._relayout()

        def scroll() -> None:  # again after the next layout, as _to_bottom does
            if message_id in self._ids:
                top = self._starts[self._ids.index(message_id)]
                self.scroll_target_y = self.scroll_y = min(top, self.max_scroll_y)

        scroll()
        self.call_after_refresh(scroll)
        return True

    def messages_changed(self) -> None:
        """New messages or ticks in the shown ticket: extend the layout, repaint the rows that
        changed, follow the bottom (half a pane at a time)."""
        at_bottom = self.scroll_y >= self.max_scroll_y - 1
        ids = self.store.message_ids(self.ticket_id) if self.ticket_id else ()
        known = len(self._ids)
        failed = self._failed_now()
        if not (
            failed == self._failed
            and self._laid_width == self._text_width
            and len(ids) >= known
            and (known == 0 or ids[known - 1] == self._ids[-1])
        ):
            self._relayout()
            if at_bottom:
                self._to_bottom()
            return
        self._refresh_changed_messages()
        end = self._starts[-1]
        for message_id in ids[known:]:
            self._ids.append(message_id)
            self._starts.append(self._starts[-1] + self._height(message_id))
        added = self._starts[-1] - end
        if at_bottom:
            self._slack = max(0, self._slack - added)
        if not added:
            return
        self._apply_size()
        self._refresh_content_lines(end, added)
        if at_bottom and self._starts[-1] > int(self.scroll_y) + self.size.height:
            self._page_to_newest()

    def _page_to_newest(self) -> None:
        """The newest message did not fit below the last one: jump so that it ends half a pane
        above the bottom (at the bottom if it is taller than the rest of the pane)."""
        height = self.scrollable_content_region.height
        newest = self._starts[-1] - self._starts[-2]
        self._slack = max(0, min(height // 2, height - newest))
        self._apply_size()
        self._to_bottom()

    def _refresh_changed_messages(self) -> None:
        """Repaint the rows of messages on screen whose drawn lines changed (a tick moved)."""
        if not self._ids or not self._width:
            return
        top = int(self.scroll_y)
        first = max(0, bisect_right(self._starts, top) - 1)
        last = bisect_right(self._starts, top + self.size.height)
        for index in range(first, min(last, len(self._ids))):
            message_id = self._ids[index]
            cached = self._lines.get(message_id)
            record = self.store.message(message_id)
            if cached is not None and record is not None and cached[0] != self._key(record):
                start = self._starts[index]
                self._refresh_content_lines(start, self._starts[index + 1] - start)

    def _refresh_content_lines(self, first: int, count: int) -> None:
        """Repaint lines `first`.. of the layout that are on screen, and nothing else."""
        top = int(self.scroll_y)
        start, end = max(first, top), min(first + count, top + self.size.height)
        if start < end:
            self.refresh(Region(0, start - top, self.scrollable_content_region.width, end - start))

    def _apply_size(self) -> None:
        """The layout's height as the virtual size, without a screen layout when the
        scrollbar stays as it is (see `resize_quietly`): over ssh a layout redrew the whole
        screen (~26 KB at 120x40) for one incoming message."""
        size = Size(self._laid_width, self._starts[-1] + self._slack)
        if size == self.virtual_size:
            return
        if not resize_quietly(self, size):
            self.virtual_size = size
        elif self.scroll_y > self.max_scroll_y:  # shorter now
            self.scroll_target_y = self.scroll_y = self.max_scroll_y

    def _to_bottom(self) -> None:
        # Set directly and again after the next layout: a new virtual size may not be in effect yet.
        # The target too: scroll keys start from it, and "up" from a stale 0 jumped to the top.
        def bottom() -> None:
            self.scroll_target_y = self.scroll_y = self.max_scroll_y

        bottom()
        self.call_after_refresh(bottom)

    def _failed_now(self) -> frozenset[str]:
        """The shown ticket's failed messages, from the small outbox: a failure (or its retry)
        changes a message's height, so the layout is made again."""
        return frozenset(
            message_id
            for message_id, ticket_id, state, _ in self.store.outbox()
            if ticket_id == self.ticket_id and state == "failed"
        )

    def _relayout(self) -> None:
        self._failed = self._failed_now()
        self._laid_width = self._text_width
        self._lines.clear()
        self._ids = list(self.store.message_ids(self.ticket_id)) if self.ticket_id else []
        starts = [0]
        total = 0
        for message_id in self._ids:
            total += self._height(message_id)
            starts.append(total)
        self._starts = starts
        self._apply_size()
        self.refresh()

    def _height(self, message_id: str) -> int:
        record = self.store.message(message_id)
        if record is None:
            return 0
        if record.note:
            return len(self._body(record)[0])
        errors = len(self._error(record))
        if record.message.type == MessageType.IMAGE:
            return 1 + errors + self.images.height(record, *self._image_box())
        lines, note = self._body(record)
        return 1 + errors + len(lines) + (1 if note else 0)

    def _error(self, record: MessageRecord) -> list[str]:
        """Why an own message was not sent, whole: wrapped under its header, never cut."""
        if record.tick != Tick.FAILED or not record.error:
            return []
        return wrap(one_line(record.error), self._laid_width - INDENT)

    def _body(self, record: MessageRecord) -> tuple[list[str], str | None]:
        """The wrapped lines of a text message, and the note under them when folded or cut.

        A folded message wraps only the prefix it shows, so a hostile megabyte costs what a
        screenful does until the operator asks for all of it."""
        width = self._laid_width - INDENT
        content, full_size = _capped(record.message.content)
        full_size = record.full_size or full_size  # the store keeps content cut, with its size
        if record.message_id in self.unfolded:
            lines = wrap(safe_text(content), width)
            if full_size is None:
                return lines, None
            shown = human_size(MAX_CONTENT_BYTES)
            return lines, f"✂ truncated: {shown} shown of {human_size(full_size)} received"
        prefix = content[: (FOLD_LINES + 1) * (width + 1)]
        lines = wrap(safe_text(prefix), width)
        if len(lines) <= FOLD_LINES and len(prefix) == len(content) and full_size is None:
            return lines, None
        size = human_size(full_size or content_size(content))
        return lines[:FOLD_LINES], f"… folded ({size}) — press {self.fold_key} to show all"

    def toggle_fold(self) -> bool:
        """Unfold the lowest folded message on screen (or fold it back); False if none is long."""
        candidates = [*reversed(self.visible_message_ids()), *reversed(self._ids)]
        for message_id in candidates:
            record = self.store.message(message_id)
            if record is None or record.message.type == MessageType.IMAGE:
                continue
            if message_id in self.unfolded or self._body(record)[1] is not None:
                self.unfolded ^= {message_id}
                self._relayout()
                return True
        return False

    def _image_box(self) -> tuple[int, int]:
        """Columns and rows an inline image may take: the text's width, half the pane's height."""
        return self._laid_width - INDENT, self.scrollable_content_region.height // 2

    def image_changed(self, message_id: str) -> None:
        """An image was checked or decoded: draw its message again, and move what follows by
        what it grew (the lines on screen stay put when it grew above them)."""
        self._lines.pop(message_id, None)
        if message_id not in self._ids:
            return
        index = self._ids.index(message_id)
        grown = self._height(message_id) - (self._starts[index + 1] - self._starts[index])
        if grown:
            at_bottom = self.scroll_y >= self.max_scroll_y - 1
            for later in range(index + 1, len(self._starts)):
                self._starts[later] += grown
            if at_bottom:  # it grows into the blank rows below, as a new message would
                self._slack = max(0, self._slack - grown)
            self._apply_size()
            if at_bottom:
                if self._starts[-1] > int(self.scroll_y) + self.size.height:
                    self._page_to_newest()
                else:
                    self._to_bottom()
            elif self._starts[index] < self.scroll_y:
                self.scroll_target_y = self.scroll_y = self.scroll_y + grown
        self.refresh()

    def on_resize(self) -> None:
        if self._text_width != self._laid_width:
            at_bottom = self.scroll_y >= self.max_scroll_y - 1
            self._relayout()
            if at_bottom:
                self._to_bottom()

    @property
    def line_count(self) -> int:
        return self._starts[-1]

    # ---- older history: read from the store when the top comes into view ---------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        scroll_quietly(self, old_value, new_value)
        if new_value < self.size.height and self.ticket_id is not None and not self._loading_older:
            self._loading_older = True
            self.call_later(self._load_older, self.ticket_id)

    def _load_older(self, ticket_id: str) -> None:
        self._loading_older = False
        if ticket_id != self.ticket_id:
            return  # another conversation by now
        if not self.store.has_older(ticket_id):
            self.post_message(self.TopReached(ticket_id))
        elif self.store.load_older(ticket_id):
            self.older_arrived(ticket_id)

    def older_arrived(self, ticket_id: str) -> None:
        """Older messages of the ticket came into the store: show them above, where they are."""
        if ticket_id != self.ticket_id or list(self.store.message_ids(ticket_id)) == self._ids:
            return  # nothing older came (the server has no more): nothing to repaint
        before = self.line_count
        self._relayout()
        # Keep the same lines on screen: everything moved down by what was put above.
        self.scroll_target_y = self.scroll_y = self.scroll_y + self.line_count - before

    # ---- scroll keys: jump, do not glide ----------------------------------------------
    # An animated scroll shows its first step a frame later than a jump, and over ssh every
    # step is another frame to send.

    def _can_scroll(self) -> None:
        if not self.allow_vertical_scroll:
            raise SkipAction()  # as Textual's own actions do: the key goes on to the screen

    def action_scroll_up(self) -> None:
        self._can_scroll()
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self._can_scroll()
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self._can_scroll()
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self._can_scroll()
        self.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self._can_scroll()
        self.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self._can_scroll()
        self.scroll_end(animate=False)

    # ---- queries used by the screen ---------------------------------------------------

    def visible_message_ids(self) -> list[str]:
        if not self._ids:
            return []
        top = int(self.scroll_y)
        first = max(0, bisect_right(self._starts, top) - 1)
        last = bisect_right(self._starts, top + self.size.height)
        return self._ids[first : min(last, len(self._ids))]

    def image_to_save(self) -> MessageRecord | None:
        """The lowest image on screen, else the newest image in the conversation."""
        for message_id in reversed(self.visible_message_ids()):
            record = self.store.message(message_id)
            if record and record.message.type == MessageType.IMAGE:
                return record
        for message_id in reversed(self._ids):
            record = self.store.message(message_id)
            if record and record.message.type == MessageType.IMAGE:
                return record
        return None

    def message_text(self, message_id: str) -> list[str]:
        """The lines a message is drawn as, in plain text (what the operator reads)."""
        record = self.store.message(message_id)
        return [text.plain for text in self._build_lines(record)] if record else []

    # ---- drawing --------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        # Once per paint, not per line: both walk the DOM.
        self._base = self.rich_style
        self._width = self.scrollable_content_region.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width, base = self._width or self.scrollable_content_region.width, self._base
        line = int(self.scroll_y) + y
        if line >= self._starts[-1] or not self._ids:
            return Strip.blank(width, base)
        index = bisect_right(self._starts, line) - 1
        strips = self._message_strips(self._ids[index], width, base)
        part = line - self._starts[index]
        return strips[part] if part < len(strips) else Strip.blank(width, base)

    def _message_strips(self, message_id: str, width: int, base: Style) -> list[Strip]:
        """The message's drawn lines, kept under the key of everything that can change them
        (ticks and errors move, folds toggle, widths change); a repaint of a kept one is free."""
        record = self.store.message(message_id)
        if record is None:
            return []
        key = self._key(record, width, base)
        if message_id == self.found:
            base = base + _FOUND
        cached = self._lines.get(message_id)
        if cached is not None and cached[0] == key:
            return cached[1]
        if len(self._lines) > _LINES_CACHE_LIMIT:
            self._lines.clear()
        console = self.app.console
        strips = []
        for text in self._build_lines(record):
            text.truncate(width, pad=True)
            segments = Segment.apply_style(text.render(console), base)
            strips.append(Strip(segments, width).crop_extend(0, width, base))
        self._lines[message_id] = (key, strips)
        return strips

    def _key(
        self, record: MessageRecord, width: int | None = None, base: Style | None = None
    ) -> tuple[object, ...]:
        """Everything that can change a message's drawn lines: ticks and errors move, folds
        toggle, widths change, a search highlights it."""
        message_id = record.message_id
        return (
            record.tick if record.own else None,  # a customer's message shows no tick
            record.error,
            message_id in self.unfolded,
            message_id == self.found,
            self._width if width is None else width,
            self._base if base is None else base,
        )

    def _time(self, record: MessageRecord) -> str:
        moment = record.message.created_at
        if moment is None:
            return ""
        return clock_time(moment, self.clock(), self.timezone)

    def _build_lines(self, record: MessageRecord) -> list[Text]:
        message = record.message
        if record.note:  # the console's own line: no header
            return [Text(line, _MARKER, no_wrap=True) for line in self._body(record)[0]]
        header = Text(no_wrap=True)
        sender = one_line(message.sender_nm or message.sender_id or "?")
        header.append(sender, _OWN if record.own else _CUSTOMER)
        header.append("  ")
        header.append(self._time(record), _TIME)
        if record.own:
            header.append("  ")
            header.append(TICK_GLYPH[record.tick], _TICK[record.tick])
        pad = " " * INDENT
        failed = _TICK[Tick.FAILED]
        errors = [Text(pad + line, failed, no_wrap=True) for line in self._error(record)]
        if message.type == MessageType.IMAGE:
            image = self.images.lines(record, *self._image_box(), self.save_key)
            return [header, *errors, *image]
        lines, note = self._body(record)
        body = [Text(pad + part, no_wrap=True) for part in lines]
        if note:
            body.append(Text(pad + note, _FOLD, no_wrap=True))
        return [header, *errors, *body]
