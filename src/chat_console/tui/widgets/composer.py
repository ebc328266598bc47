"""The composer: where the operator writes a reply, over as many lines as it needs.

Enter sends; ctrl+j (or shift+enter, where the terminal tells it from Enter) starts a new line.
The composer grows with its text up to a part of the terminal's height, then scrolls (app.tcss).
It asks, with messages, for what is not its own to do: send (`SendWanted`), expand a canned
reply (`ExpandWanted`), hand the reply to $EDITOR (`EditorWanted`), take back the last unsent
message (`LastWanted`). Near the content limit its border shows the size against the limit.
"""

from typing import ClassVar

from textual import events
from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Location

from chat_console.protocol.limits import MAX_CONTENT_BYTES, content_size
from chat_console.replies import trigger_before
from chat_console.store import safe_text
from chat_console.tui.bindings import COMPOSER, bindings

COUNT_FROM = 0.8  # of the content limit: from there the border shows the size against it


class Composer(TextArea):
    """The reply; Tab after `::name` expands a canned reply (elsewhere Tab switches pane)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings(COMPOSER),
        Binding("tab", "expand_reply", show=False),
    ]

    class ExpandWanted(Message):
        def __init__(self, start: int, prefix: str) -> None:
            super().__init__()
            self.start = start  # where `::` begins, as an offset in the text
            self.prefix = prefix

    class SendWanted(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class EditorWanted(Message):
        """ctrl+e: the reply to $EDITOR and back."""

    class LastWanted(Message):
        """↑ in the empty composer: the last unsent or failed message, back to be edited."""

    def __init__(self, *, placeholder: str, id: str | None = None) -> None:
        super().__init__(
            soft_wrap=True,
            show_line_numbers=False,
            highlight_cursor_line=False,
            tab_behavior="focus",
            placeholder=Content(placeholder),
            id=id,
        )

    # ---- what the conversation reads and sets -----------------------------------------

    def show_placeholder(self, text: str) -> None:
        """Plain text, never markup: it names customers and tickets."""
        self.placeholder = Content(text)

    def put_back(self, text: str) -> None:
        """A draft shown again, or the editor's text: not an edit (no Changed, so no `typing`),
        the cursor at its end."""
        with self.prevent(TextArea.Changed):
            self.load_text(_typeable(text))
        self.move_cursor(self.document.end)
        self._count()

    @property
    def cursor_offset(self) -> int:
        """The cursor as an offset in `text` (canned replies work in offsets)."""
        return len(self.get_text_range(self.document.start, self.cursor_location))

    def location(self, offset: int) -> Location:
        """Where offset `offset` of `text` is, as (row, column)."""
        newline = len(self.document.newline)
        for row, line in enumerate(self.document.lines):
            if offset <= len(line):
                return (row, offset)
            offset -= len(line) + newline
        return self.document.end

    def replace_span(self, start: int, end: int, text: str, cursor: int) -> None:
        """Offsets `start`..`end` of the text replaced by `text`, the cursor at offset `cursor`
        of the new text."""
        where = self.location
        self.replace(text, where(start), where(end), maintain_selection_offset=False)
        self.move_cursor(where(cursor))

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # TextArea's own handler would insert it raw
        event.stop()
        if self.read_only:
            return
        pasted = self.replace(_typeable(event.text), *self.selection)
        self.move_cursor(pasted.end_location)

    # ---- the size against the limit ---------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        # TextArea scrolls to the cursor before it has measured the edit: a new last line
        # stayed below the bottom edge.
        self.scroll_cursor_visible()
        self._count()  # and the event goes on up, to the conversation

    def _count(self) -> None:
        text, near = self.text, COUNT_FROM * MAX_CONTENT_BYTES
        size = content_size(text) if len(text) * 4 >= near else 0  # a character is 4 bytes at most
        shown = size >= near
        self.border_subtitle = f"{size:,} / {MAX_CONTENT_BYTES:,} bytes" if shown else ""
        self.set_class(size > MAX_CONTENT_BYTES, "-over-limit")

    # ---- keys ----------------------------------------------------------------------------
    # These bindings are priority ones (TextArea would take Enter, ↑ and ctrl+e for itself), and
    # a priority binding runs as the app reads its key: before the keys read with it (a fast
    # typist over ssh, one read) have reached this widget. Each acts from this widget's queue,
    # behind them, so `yes<Enter>` sends "yes" and a new line lands where it was typed.

    def action_send(self) -> None:
        self.call_later(lambda: self.post_message(self.SendWanted(self.text)))

    def action_newline(self) -> None:
        self.call_later(self._new_line)

    def _new_line(self) -> None:
        if not self.read_only:
            self.replace("\n", *self.selection, maintain_selection_offset=False)

    def action_edit_in_editor(self) -> None:
        self.call_later(self.post_message, self.EditorWanted())

    def action_edit_last(self) -> None:
        self.call_later(self._edit_last)

    def _edit_last(self) -> None:
        if self.text:
            self.action_cursor_up()  # as ever (this binding replaced TextArea's for the key)
            return
        self.post_message(self.LastWanted())

    def action_expand_reply(self) -> None:
        found = trigger_before(self.text, self.cursor_offset)
        if found is None:
            raise SkipAction()  # the screen's Tab
        self.post_message(self.ExpandWanted(*found))


def _typeable(text: str) -> str:
    """What may stand in the composer: a pasted log or `git log --color` read in the editor
    carries escape sequences, which would reach the operator's terminal as the composer draws
    them, and the customer's once sent. They show as stand-ins (␛[31m), to be edited away."""
    return safe_text(text.replace("\r\n", "\n").replace("\r", "\n"))
