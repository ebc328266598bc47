"""The checks made on an image before any of its pixels is decoded (chat_console.images)."""

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from chat_console.images import (
    MAX_PIXELS,
    Attachment,
    ImageHeader,
    Refused,
    attachment,
    decode_scaled,
    decode_source,
    fit_cells,
    read_header,
)
from chat_console.protocol.limits import MAX_CONTENT_BYTES
from tests.image_samples import b64, bomb_png, two_colours_png


def encoded(fmt: str, size: tuple[int, int] = (30, 20)) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_allowed_formats_are_read_from_their_header_and_decode_scaled(fmt: str) -> None:
    content = b64(encoded(fmt, (300, 200)))
    header = read_header(content)
    assert header == ImageHeader(fmt, 300, 200)
    image = decode_scaled(content, header, (30, 20))
    assert image is not None and image.size == (30, 20) and image.mode == "RGB"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_large_image_is_kept_shrunk_to_the_box_it_is_drawn_from(fmt: str) -> None:
    """What is kept to draw again at another size is small, whatever the image's own size."""
    content = b64(encoded(fmt, (4000, 3000)))
    header = read_header(content)
    assert isinstance(header, ImageHeader)
    source = decode_source(content, header, (100, 100))
    assert source is not None and source.size == (100, 75) and source.mode == "RGB"


@pytest.mark.parametrize("fmt", ["BMP", "TIFF", "ICO", "PPM"])
def test_other_formats_are_refused_though_pillow_reads_them(fmt: str) -> None:
    assert read_header(b64(encoded(fmt))) == Refused("image: not a PNG, JPEG, GIF or WebP")


def test_a_declared_size_over_the_limit_is_refused_with_its_numbers() -> None:
    assert read_header(b64(bomb_png(50_000, 50_000))) == Refused(
        f"image too large: 50000×50000 pixels (over {MAX_PIXELS // 1_000_000} MP)"
    )
    side = int(MAX_PIXELS**0.5)
    assert isinstance(read_header(b64(bomb_png(side, side))), ImageHeader)  # at the limit


def test_base64_over_the_cap_is_refused_before_it_is_decoded() -> None:
    assert read_header("A" * (MAX_CONTENT_BYTES + 4)).reason.startswith("image too large: 1.0 MB")


def test_invalid_and_broken_data() -> None:
    assert read_header("!!not base64!!") == Refused("image: invalid data")
    assert read_header(b64(b"GIF89a")) == Refused("image: invalid GIF data")
    cut = b64(two_colours_png(64, 32)[:90])  # the header whole, the pixels cut
    header = read_header(cut)
    assert isinstance(header, ImageHeader) and decode_scaled(cut, header, (8, 8)) is None


@pytest.mark.parametrize(
    ("size", "box", "cells"),
    [
        ((32, 16), (80, 20), (32, 8)),  # small: one pixel a column, two a row
        ((800, 400), (80, 20), (80, 20)),  # wide: the pane's width
        ((40, 400), (80, 20), (4, 20)),  # tall: half the pane's height, narrower to keep shape
        ((5000, 1), (80, 20), (80, 1)),  # a line is a row at least
    ],
)
def test_fit_cells(size: tuple[int, int], box: tuple[int, int], cells: tuple[int, int]) -> None:
    assert fit_cells(ImageHeader("PNG", *size), *box) == cells


def test_an_attachment_is_checked_before_sending(tmp_path: Path) -> None:
    picture = tmp_path / "p.png"
    picture.write_bytes(two_colours_png())
    found = attachment(picture)
    assert isinstance(found, Attachment) and found.content == b64(two_colours_png())
    big = tmp_path / "big.png"
    big.write_bytes(bytes(MAX_CONTENT_BYTES * 3 // 4 + 1))  # one byte over, once encoded
    assert "too large to send" in attachment(big).reason  # type: ignore[union-attr]
    at_limit = tmp_path / "limit.png"
    at_limit.write_bytes(two_colours_png().ljust(MAX_CONTENT_BYTES * 3 // 4, b"\0"))
    assert isinstance(attachment(at_limit), Attachment)


def test_only_a_regular_file_is_read_to_be_attached(tmp_path: Path) -> None:
    """A pipe or a device has no size to check first, and reading it may never end."""
    import os

    assert attachment(Path("/dev/null")) == Refused("null is not a regular file")
    (tmp_path / "link.png").symlink_to("/dev/null")
    assert attachment(tmp_path / "link.png") == Refused("link.png is not a regular file")
    os.mkfifo(tmp_path / "pipe.png")
    assert attachment(tmp_path / "pipe.png") == Refused("pipe.png is not a regular file")
