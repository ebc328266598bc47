"""A yes/no question. The question may quote untrusted text, so it is given as Content."""

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


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
            yield Static(
                Content.assemble(("y", "bold"), "/Enter yes   ", ("n", "bold"), "/Esc no"),
                id="dialog-keys",
            )

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
