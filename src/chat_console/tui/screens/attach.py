"""The path of an image file to send: checked here, so a refusal is said before anything is sent.

The file is read in a thread: a path on a slow disk must not stop the console meanwhile."""

import asyncio
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from chat_console.images import Attachment, Refused, attachment
from chat_console.protocol.limits import MAX_CONTENT_BYTES, human_size
from chat_console.store import one_line


class AttachScreen(ModalScreen[Attachment | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, recipient: str) -> None:
        super().__init__()
        self.recipient = recipient  # whom it goes to, as the composer names them: plain text

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Content.assemble(("Send an image", "bold")), id="dialog-title")
            yield Static(Content(f"To {self.recipient}"), id="dialog-body")
            yield Input(placeholder="~/path/to/image.png", id="attach-path")
            yield Static("", id="attach-problem")
            limit = human_size(MAX_CONTENT_BYTES * 3 // 4)
            keys = f" sends · PNG, JPEG, GIF or WebP up to {limit} · "
            yield Static(
                Content.assemble(("Enter", "bold"), keys, ("Esc", "bold"), " cancel"),
                id="dialog-keys",
            )

    @on(Input.Submitted, "#attach-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip().strip("'\"")  # as a terminal pastes a dropped file's path
        if typed:
            self._read(Path(typed))

    @work(exclusive=True, group="attach")  # the last path typed is the one that counts
    async def _read(self, path: Path) -> None:
        problem = self.query_one("#attach-problem", Static)
        problem.update(Content("Reading…"))
        try:
            found = await asyncio.to_thread(attachment, path)
        except Exception as error:  # a worker's error would end the console: said here instead
            found = Refused(f"cannot read {path}: {type(error).__name__}")
        if isinstance(found, Refused):
            problem.update(Content(one_line(found.reason)))
            return
        self.dismiss(found)

    def action_cancel(self) -> None:
        self.dismiss(None)
