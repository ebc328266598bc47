"""Pick a canned reply: the names that match what is typed, fuzzily, closest first."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from chat_console.replies import Reply, fuzzy_match
from chat_console.store import one_line

LINE_CHARS = 54  # what fits one line of the dialog: the name, then the start of the text


class ReplyPicker(ModalScreen[Reply | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, replies: tuple[Reply, ...], query: str = "") -> None:
        super().__init__()
        self.replies = replies
        self.query_text = query
        self.shown: list[Reply] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble(("Canned replies", "bold")), id="dialog-title")
            yield Input(value=self.query_text, placeholder="name, fuzzy", id="reply-query")
            yield OptionList(id="reply-options")
            yield Static(
                Content.assemble(
                    ("↑↓", "bold"),
                    " choose  ",
                    ("Enter", "bold"),
                    " insert  ",
                    ("Esc", "bold"),
                    " cancel",
                ),
                id="dialog-keys",
            )

    def on_mount(self) -> None:
        self._show(self.query_text)
        self.query_one(Input).focus()

    @on(Input.Changed, "#reply-query")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(event.value)

    def _show(self, query: str) -> None:
        self.shown = fuzzy_match(self.replies, query)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(_option(reply) for reply in self.shown)
        options.highlighted = 0 if self.shown else None

    def action_move(self, step: int) -> None:
        options = self.query_one(OptionList)
        if self.shown:
            options.highlighted = ((options.highlighted or 0) + step) % len(self.shown)

    @on(Input.Submitted, "#reply-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self.dismiss(self.shown[highlighted])

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _option(reply: Reply) -> Option:
    name, preview = one_line(reply.name), one_line(reply.text)
    room = max(LINE_CHARS - len(name) - 2, 1)
    if len(preview) > room:
        preview = preview[: room - 1] + "…"
    return Option(Content.assemble((name, "bold"), ("  " + preview, "dim")))
