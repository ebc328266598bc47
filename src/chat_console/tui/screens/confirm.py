"""A yes/no question. The question may quote untrusted text, so it is given as Content."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, title: str, question: Content) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble((self.title_text, "bold")), id="dialog-title")
            yield Static(self.question, id="dialog-body")
            with Horizontal(id="dialog-buttons"):
                yield Button("Yes  y/Enter", id="yes", variant="primary", compact=True)
                yield Button("No  n/Esc", id="no", compact=True)

    @on(Button.Pressed)
    def _clicked(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
