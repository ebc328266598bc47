"""Checks on an image before any of its pixels are decoded, and the bounded decode after them.

An image message is a customer's bytes: a few hundred of them can declare 50,000×50,000 pixels
(ten gigabytes once decoded). So nothing is decoded before three checks that cost almost nothing:
the size of the base64, the format named by the header (PNG, JPEG, GIF or WebP: the parsers we
accept to run on untrusted input), and the pixel count the header declares. Only then may
`decode_scaled` run, in a thread, and it returns an image no larger than the cells it is drawn in.

No Textual here: the console and the command-line tools (export, attach) share these checks.
"""

import base64
import binascii
import os
import stat
import struct
import threading
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from chat_console.protocol.limits import MAX_CONTENT_BYTES, human_size
from chat_console.store.safe_text import one_line

if TYPE_CHECKING:
    from PIL import Image

FORMATS = ("PNG", "JPEG", "GIF", "WEBP")  # what the header may name; Pillow tries no other parser
MAX_PIXELS = 16_000_000  # 64 MB as RGBA: the largest image decoded at all
# Pillow is imported where an image is first checked or decoded, not at start: it was ~3 MB of
# every console's memory (its C core, its TIFF and EXIF tables) for conversations that may hold
# no image (benchmarks/FINDINGS.md, Jump host). Each such place sets Pillow's own guard too, for
# any open that does not go through `read_header` first: it warns above MAX_PIXELS and refuses
# above twice that.
_ONE_DECODE_AT_A_TIME = threading.Lock()
_BACKGROUND = (0, 0, 0)  # what shows through a transparent pixel
# What Pillow's parsers raise on malformed input (besides its own refusals).
_MALFORMED = (OSError, SyntaxError, ValueError, IndexError, TypeError, EOFError, struct.error)


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class Refused:
    """Why the image is not drawn: one line for the transcript."""

    reason: str


def decoded(content: str) -> bytes | None:
    """The bytes of a base64 image, or None if it is not valid base64."""
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        return None


def read_header(content: str) -> ImageHeader | Refused:
    """The image's format and size from its header alone: no pixel is decoded here."""
    if len(content) > MAX_CONTENT_BYTES:
        return Refused(f"image too large: {human_size(len(content))} of data")
    data = decoded(content)
    if data is None:
        return Refused("image: invalid data")
    return header_of(data)


def header_of(data: bytes) -> ImageHeader | Refused:
    """As `read_header`, for bytes. Pillow's parsers are called directly, so that a declared
    size over our limit is reported with its numbers rather than as Pillow's bomb error."""
    from PIL import Image  # on the first image (see MAX_PIXELS)

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    Image.init()
    prefix = data[:16]
    for name in FORMATS:
        factory, accept = Image.OPEN[name]
        accepted = accept(prefix) if accept is not None else True
        if not accepted or isinstance(accepted, str):  # a str: Pillow lacks the codec
            continue
        try:
            image = factory(BytesIO(data), "")
        except _MALFORMED:
            return Refused(f"image: invalid {name} data")
        width, height = image.size
        image.close()
        if width <= 0 or height <= 0:
            return Refused(f"image: invalid {name} data")
        if width * height > MAX_PIXELS:
            megapixels = MAX_PIXELS // 1_000_000
            return Refused(f"image too large: {width}×{height} pixels (over {megapixels} MP)")
        return ImageHeader(name, width, height)
    return Refused("image: not a PNG, JPEG, GIF or WebP")


def fit_cells(header: ImageHeader, max_cols: int, max_rows: int) -> tuple[int, int]:
    """Columns and rows of half-block cells (one pixel wide, two tall, about square) that show
    the image whole within `max_cols`×`max_rows`, keeping its shape; never larger than 1:1."""
    cols = max(1, min(max_cols, header.width))
    rows = max(1, round(cols * header.height / header.width / 2))
    if rows > max_rows:
        rows = max(1, max_rows)
        cols = max(1, min(max_cols, round(rows * 2 * header.width / header.height)))
    return cols, rows


def decode_scaled(content: str, header: ImageHeader, size: tuple[int, int]) -> "Image.Image | None":
    """The image, checked by `read_header`, scaled to `size` pixels as RGB; None if its data
    turns out to be broken past the header. Slow for a large image: call it in a thread."""
    source = decode_source(content, header, size)
    return None if source is None else scale(source, size)


def decode_source(content: str, header: ImageHeader, box: tuple[int, int]) -> "Image.Image | None":
    """The image decoded and shrunk (never grown) to fit `box`, flat on the background, as RGB;
    None if its data is broken past the header. Keep it and `scale` it again for another size.

    One decode at a time in the whole process: each one of a large image holds its full pixels
    for a moment (48 MB for 16 MP of RGB), and a console often shares a small host with others."""
    with _ONE_DECODE_AT_A_TIME:
        return decode_shrunk(content, header, box)


def decode_shrunk(content: str, header: ImageHeader, box: tuple[int, int]) -> "Image.Image | None":
    """As `decode_source`, without waiting for other decodes."""
    from PIL import Image  # on the first image (see MAX_PIXELS)

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    data = decoded(content)
    if data is None:
        return None
    try:
        with Image.open(BytesIO(data), formats=[header.format]) as image:
            if image.size != (header.width, header.height):
                return None  # not the image that was checked
            image.draft("RGB", box)  # JPEG: decode at a fraction of the size when it can
            # Shrunk before any conversion: reduced by a whole factor first (cheap), so that
            # the RGBA copies below are the size of the box, not of the image.
            image.thumbnail(box, Image.Resampling.BOX, reducing_gap=2.0)
            frame = image.convert("RGBA")
    except (*_MALFORMED, Image.DecompressionBombError):
        return None
    flat = Image.new("RGBA", frame.size, (*_BACKGROUND, 255))
    flat.alpha_composite(frame)
    return flat.convert("RGB")


def not_drawn(problem: Exception) -> Refused:
    """What an unexpected failure to draw says (out of memory, a parser's own bug): the caller
    keeps it, so that the image is not decoded again and again."""
    words = one_line(problem)
    kind = type(problem).__name__
    return Refused(
        f"image could not be drawn: {kind}: {words}"
        if words
        else f"image could not be drawn: {kind}"
    )


def scale(source: "Image.Image", size: tuple[int, int]) -> "Image.Image":
    """`source` (from `decode_source`) resized to `size` pixels."""
    from PIL import Image  # imported already: `source` is one of its images

    return source.resize(size, Image.Resampling.BOX)


@dataclass(frozen=True)
class Attachment:
    path: Path
    content: str  # base64, as a type 2 message carries it
    header: ImageHeader


_MAX_FILE_BYTES = MAX_CONTENT_BYTES // 4 * 3  # the largest file whose base64 is within the cap


def attachment(path: Path) -> Attachment | Refused:
    """An image file from disk as a message's content, or why it cannot be sent (said before
    sending: the server would refuse the same, later and in less clear words). Reads a file
    slowly on a slow disk: call it in a thread."""
    path = path.expanduser()
    try:
        data = _read_image_file(path)
    except FileNotFoundError:
        return Refused(f"no such file: {path}")
    except OSError as problem:
        return Refused(f"cannot read {path}: {problem.strerror or problem}")
    if isinstance(data, Refused):
        return data
    header = header_of(data)
    if isinstance(header, Refused):
        reason = header.reason.removeprefix("image: ").removeprefix("image ")
        return Refused(f"{path.name}: {reason}")
    return Attachment(path, base64.b64encode(data).decode("ascii"), header)


def _read_image_file(path: Path) -> bytes | Refused:
    """The bytes of a regular file within the limit: a pipe or a device has no size to check
    first and its read may never end (/dev/zero), so it is refused. Checked on the open file,
    which was opened without blocking (else opening a pipe waits for a writer)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        status = os.fstat(descriptor)
        if stat.S_ISDIR(status.st_mode):
            return Refused(f"{path} is a folder, not an image file")
        if not stat.S_ISREG(status.st_mode):
            return Refused(f"{path.name} is not a regular file")
        if status.st_size > _MAX_FILE_BYTES:
            return _too_large(path, status.st_size)
        with open(descriptor, "rb", closefd=False) as file:
            data = file.read(_MAX_FILE_BYTES + 1)  # no further, should it have grown since
    finally:
        os.close(descriptor)
    return _too_large(path, len(data)) if len(data) > _MAX_FILE_BYTES else data


def _too_large(path: Path, size: int) -> Refused:
    encoded_size, limit = 4 * ((size + 2) // 3), human_size(MAX_CONTENT_BYTES)
    return Refused(
        f"{path.name} is too large to send: {human_size(size)}, "
        f"{human_size(encoded_size)} as base64; the limit is {limit}"
    )


def fit_pixels(header: ImageHeader, max_width: int, max_height: int) -> tuple[int, int]:
    """The image's size shrunk (never grown) to fit `max_width`×`max_height`, keeping its shape."""
    scale = min(1.0, max_width / header.width, max_height / header.height)
    return max(1, round(header.width * scale)), max(1, round(header.height * scale))
