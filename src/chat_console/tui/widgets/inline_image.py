"""Images drawn inside the transcript, as coloured half blocks (textual-image's half-cell renderer).

Half blocks are plain characters with a foreground and a background colour: they travel over ssh,
through tmux and screen, and fit the transcript's Line API (a line of an image is a line like any
other, cached, cropped and scrolled with the rest). Kitty graphics and sixel cannot be cut into
lines like that; `ImageViewer` shows those (see screens/image_viewer.py).

Nothing is read when a message arrives. When an image is first about to be drawn its header is
checked (`chat_console.images`: base64 size, format, pixel count — no pixel decoded); a refused
image is one line that says why. A checked image is decoded and scaled in a thread while a
placeholder holds its place; then only its message is drawn again.
"""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from io import StringIO

from PIL.Image import Image as PILImage
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from chat_console.images import (
    ImageHeader,
    Refused,
    decode_scaled,
    fit_cells,
    read_header,
)
from chat_console.protocol.limits import human_size
from chat_console.store import MessageRecord, one_line

_LABEL = Style(color="magenta", italic=True)
_REFUSED = Style(color="red", italic=True)
_WAITING = Style(color="bright_black", italic=True)
_INVALID = "image: invalid data"
_DRAWN_LIMIT = 64  # decoded images kept, per transcript: what a few screens show
_CHECKED_LIMIT = 4000

Rows = list[Text]
log = logging.getLogger(__name__)


def prepare_terminal_graphics() -> None:
    """Let textual-image ask the terminal what it can draw (sixel, kitty graphics, cell size).

    It asks by writing to the terminal and reading its answer from stdin, which only works
    before Textual starts reading stdin itself: call this before `App.run`. Never fails: where
    it cannot ask (stdin is no terminal), images are said to be undrawable, the console runs."""
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
        return
    finally:
        library.setLevel(level)
    kind = Image.__module__.rsplit(".", 1)[-1]  # tgp (kitty), sixel, halfcell or unicode
    log.info("terminal graphics: %s, cells of %s pixels", kind, tuple(get_cell_size()))


def halfcell_rows(image: PILImage, cols: int, rows: int) -> Rows:
    """`image` (already `cols`×`2*rows` pixels) as `rows` lines of half blocks."""
    from textual_image.renderable.halfcell import Image as HalfcellImage

    console = Console(
        width=cols, height=rows, color_system="truecolor", file=StringIO(), legacy_windows=False
    )
    options = console.options.update(width=cols, height=rows)
    lines = console.render_lines(HalfcellImage(image, width=cols, height=rows), options, pad=False)
    return [Text.assemble(*((s.text, s.style or "") for s in line), no_wrap=True) for line in lines]


def _decode_rows(content: str, header: ImageHeader, cols: int, rows: int) -> Rows | None:
    image = decode_scaled(content, header, (cols, rows * 2))
    return None if image is None else halfcell_rows(image, cols, rows)


class InlineImages:
    """What each image message of a transcript draws as, kept per message and size."""

    def __init__(self, owner: Widget, changed: Callable[[str], None], indent: int) -> None:
        self.owner = owner  # runs the decoding workers; they end with it
        self.changed = changed  # told when a message's image lines are different now
        self.pad = " " * indent
        self._checked: dict[str, ImageHeader | Refused] = {}
        self._fits: dict[tuple[str, int], tuple[int, int]] = {}
        self._drawn: OrderedDict[tuple[str, int, int], Rows] = OrderedDict()
        self._decoding: set[tuple[str, int, int]] = set()

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
        key = (record.message_id, cols, rows)
        if key in self._decoding:
            return
        self._decoding.add(key)
        content = record.message.content

        async def work() -> None:
            refused = Refused("image: damaged past its header")
            try:
                drawn = await asyncio.to_thread(_decode_rows, content, header, cols, rows)
            except Exception as problem:  # textual-image could not start: prepare_… said why
                log.warning("image not drawn: %s", one_line(problem))
                drawn, refused = None, Refused("image: cannot be drawn in this terminal")
            finally:
                self._decoding.discard(key)
            if drawn is None:
                self._checked[record.message_id] = refused
            else:
                self._drawn[key] = drawn
                while len(self._drawn) > _DRAWN_LIMIT:
                    self._drawn.popitem(last=False)
            self.changed(record.message_id)

        self.owner.run_worker(work(), group="inline-images", exit_on_error=False)


def _decoded_size(content: str) -> int:
    """The byte size of valid base64, without decoding it."""
    return len(content) * 3 // 4 - content[-2:].count("=")
