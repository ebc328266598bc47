"""Images drawn inside the transcript, as coloured half blocks.

Half blocks are plain characters with a foreground and a background colour: they travel over ssh,
through tmux and screen, and fit the transcript's Line API (a line of an image is a line like any
other, cached, cropped and scrolled with the rest). Kitty graphics and sixel cannot be cut into
lines like that; `ImageViewer` shows those where `[ui] graphics` asks (screens/image_viewer.py).

Nothing is read when a message arrives. When an image is first about to be drawn its header is
checked (`chat_console.images`: base64 size, format, pixel count — no pixel decoded); a refused
image is one line that says why. A checked image is decoded and scaled in a thread while a
placeholder holds its place; then only its message is drawn again.
"""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from chat_console.images import (
    ImageHeader,
    Refused,
    decode_source,
    fit_cells,
    not_drawn,
    read_header,
    scale,
)
from chat_console.protocol.limits import human_size
from chat_console.store import MessageRecord

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage  # imported on the first image (see images.py)

_LABEL = Style(color="magenta", italic=True)
_REFUSED = Style(color="red", italic=True)
_WAITING = Style(color="bright_black", italic=True)
_INVALID = "image: invalid data"
_DRAWN_LIMIT = 64  # drawn images kept, per transcript: what a few screens show
# Decoded images kept, shrunk to at most this many pixels (3 MB as RGB), to draw again at
# another size (a resize) without decoding again: the few last drawn.
_SOURCE_BOX = (1024, 1024)
_SOURCE_LIMIT = 4
_CHECKED_LIMIT = 4000

Rows = list[Text]
log = logging.getLogger(__name__)


def halfcell_rows(image: "PILImage") -> Rows:
    """`image` (an even number of pixels tall) as lines of half blocks: each cell an upper half
    block `▀` whose colour is one pixel and whose background is the pixel below it.

    Written here rather than taken from textual-image because importing that package asks the
    terminal questions (see screens/image_viewer.py): half blocks need no answer."""
    rgb = image.convert("RGB").tobytes()  # 3 bytes a pixel, row after row
    width = image.width

    def colour(x: int, y: int) -> Color:
        at = 3 * (y * width + x)
        return Color.from_rgb(rgb[at], rgb[at + 1], rgb[at + 2])

    return [
        Text.assemble(
            *(("▀", Style(color=colour(x, y), bgcolor=colour(x, y + 1))) for x in range(width)),
            no_wrap=True,
        )
        for y in range(0, image.height - 1, 2)
    ]


def _draw(
    content: str, header: ImageHeader, source: "PILImage | None", cols: int, rows: int
) -> "tuple[PILImage, Rows] | None":
    """The image as `rows` lines of `cols` half blocks, and its decoded source: `source` if
    given, else decoded now (slow: in a thread). None if it is damaged past its header."""
    if source is None:
        source = decode_source(content, header, _SOURCE_BOX)
        if source is None:
            return None
    return source, halfcell_rows(scale(source, (cols, rows * 2)))


class InlineImages:
    """What each image message of a transcript draws as, kept per message and size."""

    def __init__(self, owner: Widget, changed: Callable[[str], None], indent: int) -> None:
        self.owner = owner  # runs the decoding workers; they end with it
        self.changed = changed  # told when a message's image lines are different now
        self.pad = " " * indent
        self._checked: dict[str, ImageHeader | Refused] = {}
        self._fits: dict[tuple[str, int], tuple[int, int]] = {}
        self._drawn: OrderedDict[tuple[str, int, int], Rows] = OrderedDict()
        self._sources: OrderedDict[str, PILImage] = OrderedDict()
        self._drawing: set[str] = set()  # one at a time per message: the next reuses its source

    def height(self, record: MessageRecord, width: int, max_rows: int) -> int:
        """How many lines `lines` gives, without looking at an image not drawn yet."""
        checked = self._checked.get(record.message_id)
        if checked is None:
            return 1  # its label, until it is about to be drawn
        if isinstance(checked, Refused):
            return 1 if checked.reason == _INVALID else 2
        return 1 + self._fit(record.message_id, checked, width, max_rows)[1]

    def lines(self, record: MessageRecord, width: int, max_rows: int, save_key: str) -> Rows:
        message_id = record.message_id
        was_checked = message_id in self._checked
        checked = self._check(record)
        if not was_checked and self.height(record, width, max_rows) != 1:
            self.owner.call_later(self.changed, message_id)  # laid out before it was checked
        if isinstance(checked, Refused) and checked.reason == _INVALID:
            return [Text(self.pad + f"[{_INVALID}]", _REFUSED, no_wrap=True)]
        size = human_size(_decoded_size(record.message.content))
        label = Text(self.pad + f"[image, {size} — press {save_key} to save]", _LABEL)
        label.no_wrap = True
        if isinstance(checked, Refused):
            return [label, Text(self.pad + f"[{checked.reason}]", _REFUSED, no_wrap=True)]
        cols, rows = self._fit(message_id, checked, width, max_rows)
        drawn = self._drawn.get((message_id, cols, rows))
        if drawn is None:
            self._decode(record, checked, cols, rows)
            waiting = Text(self.pad + "[decoding…]", _WAITING, no_wrap=True)
            return [label, waiting, *(Text() for _ in range(rows - 1))]
        self._drawn.move_to_end((message_id, cols, rows))
        return [label, *(Text(self.pad, no_wrap=True) + row for row in drawn)]

    def _check(self, record: MessageRecord) -> ImageHeader | Refused:
        checked = self._checked.get(record.message_id)
        if checked is None:
            if len(self._checked) > _CHECKED_LIMIT:
                self._checked.clear()
                self._fits.clear()
            if record.full_size is not None:  # the store kept it cut: the rest never came
                checked = Refused(f"image too large: {human_size(record.full_size)} of data")
            else:
                checked = read_header(record.message.content)
            self._checked[record.message_id] = checked
        return checked

    def _fit(
        self, message_id: str, header: ImageHeader, width: int, max_rows: int
    ) -> tuple[int, int]:
        fit = self._fits.get((message_id, width))
        if fit is None:
            fit = self._fits[(message_id, width)] = fit_cells(header, width, max(4, max_rows))
        return fit

    def _decode(self, record: MessageRecord, header: ImageHeader, cols: int, rows: int) -> None:
        message_id = record.message_id
        if message_id in self._drawing:
            return  # when that one ends, its message is drawn again and asks for this size
        self._drawing.add(message_id)
        content = record.message.content
        source = self._sources.get(message_id)
        if source is not None:
            self._sources.move_to_end(message_id)

        async def work() -> None:
            try:
                drawn = await asyncio.to_thread(_draw, content, header, source, cols, rows)
            except Exception as problem:  # kept as the message's line: never tried again
                log.warning(
                    "image of message %s could not be drawn: %s", message_id, type(problem).__name__
                )
                self._checked[message_id] = not_drawn(problem)
            else:
                self._keep(message_id, cols, rows, drawn)
            finally:
                self._drawing.discard(message_id)
            self.changed(message_id)

        self.owner.run_worker(work(), group="inline-images", exit_on_error=False)

    def _keep(
        self, message_id: str, cols: int, rows: int, drawn: "tuple[PILImage, Rows] | None"
    ) -> None:
        if drawn is None:
            self._checked[message_id] = Refused("image: damaged past its header")
            return
        self._sources[message_id], self._drawn[(message_id, cols, rows)] = drawn
        self._sources.move_to_end(message_id)
        while len(self._sources) > _SOURCE_LIMIT:
            self._sources.popitem(last=False)
        while len(self._drawn) > _DRAWN_LIMIT:
            self._drawn.popitem(last=False)


def _decoded_size(content: str) -> int:
    """The byte size of valid base64, without decoding it."""
    return len(content) * 3 // 4 - content[-2:].count("=")
