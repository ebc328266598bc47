"""An image at the full size the terminal can show: kitty graphics or sixel where the terminal
answered that it draws them (textual-image's widget chooses, from what it learnt at start-up),
half blocks elsewhere.

Kitty graphics and sixel are pictures laid over the cells, not cells: they cannot be cut into the
transcript's lines and scrolled with them, so they are shown here, one image on a screen of its
own. The image is checked like an inline one, and decoded and scaled to the screen in a thread.
"""

import asyncio
from typing import ClassVar

from PIL.Image import Image as PILImage
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from chat_console.images import ImageHeader, Refused, decode_scaled, fit_pixels, read_header
from chat_console.store import MessageRecord, one_line
from chat_console.tui.notices import notify_error


class ImageViewer(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, image: PILImage, caption: str) -> None:
        super().__init__()
        self.image = image
        self.caption = caption  # from the sender's name: plain text

    def compose(self) -> ComposeResult:
        from textual_image.widget import Image

        with Vertical(id="viewer"):
            yield Static(Content(self.caption), id="viewer-caption")
            with Middle(id="viewer-frame"), Center():
                yield Image(self.image, id="viewer-image")
            yield Static(Content.assemble(("Esc", "bold"), " close"), id="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)


def caption(record: MessageRecord, header: ImageHeader) -> str:
    sender = one_line(record.message.sender_nm or record.message.sender_id or "?")
    return f"{sender} · {header.format} {header.width}×{header.height}"


async def view_image(app: App[int], record: MessageRecord) -> None:
    """Show `record`'s image, or say why not."""
    try:
        import textual_image.widget  # noqa: F401  (asked the terminal at start-up, or fails)
        from textual_image._terminal import get_cell_size
    except Exception as problem:  # stdin is no terminal: prepare_terminal_graphics said so
        notify_error(app, f"this terminal cannot be asked: {problem}", "Cannot show the image")
        return
    header = read_header(record.message.content)
    if isinstance(header, Refused):
        notify_error(app, header.reason.removeprefix("image: "), title="Cannot show the image")
        return
    cell = get_cell_size()  # learnt before the app started (prepare_terminal_graphics)
    box = (app.size.width - 4) * cell.width, (app.size.height - 6) * cell.height
    size = fit_pixels(header, *box)
    image = await asyncio.to_thread(decode_scaled, record.message.content, header, size)
    if image is None:
        notify_error(app, "damaged past its header", title="Cannot show the image")
        return
    await app.push_screen(ImageViewer(image, caption(record, header)))
