"""Every key binding, as remapped by the user's keymap."""

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from chat_console.tui.bindings import EVERY, keys_for


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, keymap: dict[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        rows: list[str | tuple[str, str]] = []
        for spec in EVERY:
            rows += [(f"{keys_for(spec, self.keymap):>12}", "bold $accent"), "  "]
            rows += [spec.description, ("  " + spec.id, "$text-muted"), "\n"]
        rows.append(
            ("\nLetters typed in the composer are text. Remap keys in [keymap] by id.", "italic")
        )
        with Vertical(id="dialog"):
            yield Static(Content.assemble(("Keys", "bold")), id="dialog-title")
            with VerticalScroll():
                yield Static(Content.assemble(*rows), id="help-body")
            yield Static(Content.assemble(("Esc", "bold"), " close"), id="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
