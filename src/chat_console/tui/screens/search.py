"""Search the local history (ctrl+f): type words, pick a match, and the conversation opens at it.

What the list shows came from customers: it is made safe with `one_line` and given to Textual as
Content, never parsed as markup.
"""

from datetime import tzinfo
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from chat_console.history_tools import Match, find, when
from chat_console.store import Store, one_line

LIMIT = 200  # the newest matches; a more precise query finds older ones


class SearchScreen(ModalScreen[Match | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "pick", "Open", show=False),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, store: Store, timezone: tzinfo | None = None) -> None:
        super().__init__()
        self.store = store
        self.timezone = timezone
        self.matches: list[Match] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.styled("Search the history", "bold"), id="dialog-title")
            yield Input(placeholder="words to find, all of them", id="search-query")
            yield OptionList(id="search-results")
            yield Static(
                Content.assemble(
                    ("↑↓", "bold"),
                    " choose  ",
                    ("Enter", "bold"),
                    " open  ",
                    ("Esc", "bold"),
                    " cancel",
                ),
                id="dialog-keys",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self.matches = find(self.store, event.value, limit=LIMIT)
        results = self.query_one(OptionList)
        results.clear_options()
        results.add_options(_option(match, self.timezone) for match in self.matches)
        results.highlighted = 0 if self.matches else None

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_pick()

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_pick()

    def action_move(self, step: int) -> None:
        results = self.query_one(OptionList)
        if self.matches:
            current = results.highlighted or 0
            results.highlighted = max(0, min(len(self.matches) - 1, current + step))

    def action_pick(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None and highlighted < len(self.matches):
            self.dismiss(self.matches[highlighted])

    def action_cancel(self) -> None:
        self.dismiss(None)


def _option(match: Match, timezone: tzinfo | None) -> Option:
    prompt = Content.assemble(
        (one_line(match.ticket), "bold"),
        "  ",
        one_line(match.customer),
        "  ",
        (when(match.at, timezone), "dim"),
        "\n  ",
        (one_line(match.sender), "italic"),
        ": ",
        one_line(match.line),
    )
    return Option(prompt)
