"""Pick an operator to hand a ticket to: the configured ones, the server's list, or a typed id."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from chat_console.store import one_line
from chat_console.tui.console_config import OperatorChoice


class AssignScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "pick", "Assign", show=False),  # before the list or the input has focus
        Binding("tab", "switch", "List / id", show=False),
    ]

    def __init__(self, ticket_label: str, operators: list[OperatorChoice]) -> None:
        super().__init__()
        self.ticket_label = ticket_label
        self.operators = list(operators)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(
                Content.assemble(("Assign ", "bold"), (one_line(self.ticket_label), "bold")),
                id="dialog-title",
            )
            yield OptionList(*map(_option, self.operators), id="operators")
            yield Input(placeholder="or type an operator id and press Enter", id="operator-id")
            yield Static(
                Content.assemble(
                    ("↑↓", "bold"),
                    " choose  ",
                    ("Enter", "bold"),
                    " assign  ",
                    ("Tab", "bold"),
                    " type an id  ",
                    ("Esc", "bold"),
                    " cancel",
                ),
                id="dialog-keys",
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Assign", id="assign", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        if self.operators:
            self.query_one(OptionList).highlighted = 0
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def add_operators(self, operators: list[OperatorChoice]) -> None:
        """More to choose from (the server's list, which arrives after the dialog opened)."""
        known = {op.id for op in self.operators}
        fresh = [op for op in operators if op.id not in known]
        self.operators += fresh
        options = self.query_one(OptionList)
        options.add_options(map(_option, fresh))
        if options.highlighted is None and self.operators:
            options.highlighted = 0
            field = self.query_one(Input)
            if field.has_focus and not field.value:
                options.focus()  # the list came after the dialog opened: ↑↓ and Enter work on it

    @on(Button.Pressed, "#assign")
    def action_pick(self) -> None:
        typed = self.query_one(Input).value.strip()
        options = self.query_one(OptionList)
        highlighted = options.highlighted
        if typed:
            self.dismiss(typed)
        elif highlighted is not None:
            self.dismiss(options.get_option_at_index(highlighted).id)

    @on(Button.Pressed, "#cancel")
    def _cancel_clicked(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.action_pick()  # nothing typed: the operator highlighted in the list

    def action_switch(self) -> None:
        if self.query_one(Input).has_focus:
            self.query_one(OptionList).focus()
        else:
            self.query_one(Input).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


def _option(operator: OperatorChoice) -> Option:
    name = (one_line(operator.name or operator.id), "bold")
    return Option(Content.assemble(name, ("  " + one_line(operator.id), "dim")), id=operator.id)
