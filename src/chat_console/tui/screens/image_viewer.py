"""An image at the full size the terminal can show, on a screen of its own: big half blocks by
default, sixel or kitty graphics where `[ui] graphics` asks for them.

Kitty graphics and sixel are pictures laid over the cells, not cells: they cannot be cut into the
transcript's lines and scrolled with them, so they are shown here only. They need the size of a
cell in pixels, which only the terminal knows: textual-image asks it (and asks which protocol it
draws) when the package is first imported, by writing escape sequences and waiting 0.1 s for each
answer on stdin. Over an ssh link slower than that the answer comes after the wait, and Textual
reads it as keys (`ESC[?62;4c` is `c`, digits and `;`); after Textual starts, any answer is. So
the package is imported only when the config opts in, and then only before Textual starts
(`prepare_terminal_graphics`); half blocks need no answer and never import it.

The image is checked like an inline one, and decoded and scaled to the screen in a thread.
"""

import asyncio
import logging
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from chat_console.images import (
    ImageHeader,
    Refused,
    decode_scaled,
    fit_cells,
    fit_pixels,
    not_drawn,
    read_header,
)
from chat_console.store import MessageRecord, one_line
from chat_console.tui.notices import notify_error
from chat_console.tui.widgets.inline_image import halfcell_rows

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from chat_console.config import Graphics

log = logging.getLogger(__name__)
_MARGIN = (4, 6)  # columns and rows of the screen the viewer's frame, caption and keys take


def prepare_terminal_graphics(graphics: "Graphics") -> "Graphics":
    """What the viewer may draw with: `graphics` as configured, once textual-image has asked the
    terminal for its cell size (sixel, kitty); "halfcell", which asks nothing, where it cannot.

    Call it before `App.run`: the answers are read from stdin, which Textual reads after. Never
    fails: where the terminal cannot be asked (stdin is no terminal) it says so in the log."""
    if graphics == "halfcell":
        return graphics
    library = logging.getLogger("textual_image")
    level = library.level
    # A terminal that does not answer is common and harmless (a default cell size is assumed),
    # but the library logs it as a warning with a traceback: one line of ours says it instead.
    library.setLevel(logging.ERROR)
    try:
        import textual_image.widget  # noqa: F401  (the import asks, once)
        from textual_image._terminal import get_cell_size
        from textual_image.renderable import Image
    except Exception as problem:
        log.warning("terminal graphics: cannot ask the terminal (%s)", one_line(problem))
        return "halfcell"
    finally:
        library.setLevel(level)
    answered = Image.__module__.rsplit(".", 1)[-1]  # tgp (kitty), sixel, halfcell or unicode
    cell = tuple(get_cell_size())
    log.info("terminal graphics: %s (the terminal said %s), cells of %s", graphics, answered, cell)
    return graphics


class ImageViewer(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, picture: Widget, caption: str) -> None:
        super().__init__()
        self.picture = picture
        self.caption = caption  # from the sender's name: plain text

    def compose(self) -> ComposeResult:
        with Vertical(id="viewer"):
            yield Static(Content(self.caption), id="viewer-caption")
            with Middle(id="viewer-frame"), Center():
                yield self.picture
            yield Static(Content.assemble(("Esc", "bold"), " close"), id="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)


def caption(record: MessageRecord, header: ImageHeader) -> str:
    sender = one_line(record.message.sender_nm or record.message.sender_id or "?")
    return f"{sender} · {header.format} {header.width}×{header.height}"


async def view_image(app: App[int], record: MessageRecord, graphics: "Graphics") -> None:
    """Show `record`'s image drawn with `graphics` (what `prepare_terminal_graphics` returned),
    or say why not."""
    header = read_header(record.message.content)
    if isinstance(header, Refused):
        notify_error(app, header.reason.removeprefix("image: "), title="Cannot show the image")
        return
    cols, rows = app.size.width - _MARGIN[0], app.size.height - _MARGIN[1]
    try:
        picture = await _picture(record.message.content, header, graphics, cols, rows)
    except Exception as problem:  # out of memory, a parser's own bug: said, the console goes on
        log.warning("image of message %s not viewed: %s", record.message_id, type(problem).__name__)
        reason = not_drawn(problem).reason
        notify_error(app, reason.removeprefix("image "), title="Cannot show the image")
        return
    if picture is None:
        notify_error(app, "damaged past its header", title="Cannot show the image")
        return
    await app.push_screen(ImageViewer(picture, caption(record, header)))


async def _picture(
    content: str, header: ImageHeader, graphics: "Graphics", cols: int, rows: int
) -> Widget | None:
    """The image drawn with `graphics` within `cols`×`rows` cells, decoded in a thread."""
    if graphics == "halfcell":
        drawn = await asyncio.to_thread(_half_blocks, content, header, cols, rows)
        return None if drawn is None else Static(drawn, id="viewer-image")
    from textual_image.widget import SixelImage, TGPImage  # imported before Textual started

    image = await asyncio.to_thread(_pixels, content, header, cols, rows)
    kind = SixelImage if graphics == "sixel" else TGPImage  # chosen: the operator knows
    return None if image is None else kind(image, id="viewer-image")


def _half_blocks(content: str, header: ImageHeader, cols: int, rows: int) -> Text | None:
    """The image as big as the screen allows (a pixel a half block at most), in half blocks."""
    cols, rows = fit_cells(header, cols, rows)
    image = decode_scaled(content, header, (cols, rows * 2))
    return None if image is None else Text("\n", no_wrap=True).join(halfcell_rows(image))


def _pixels(content: str, header: ImageHeader, cols: int, rows: int) -> "PILImage | None":
    """The image scaled to the screen's size in pixels (never grown)."""
    from textual_image._terminal import get_cell_size  # imported before Textual started

    cell = get_cell_size()  # learnt by prepare_terminal_graphics
    return decode_scaled(content, header, fit_pixels(header, cols * cell.width, rows * cell.height))
