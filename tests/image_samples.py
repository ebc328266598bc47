"""Images for the tests, made here: a real picture, and hostile ones built by hand."""

import base64
import struct
import zlib
from io import BytesIO

from PIL import Image

RED = (255, 0, 0)
BLUE = (0, 0, 255)


def two_colours_png(width: int = 64, height: int = 32) -> bytes:
    """Left half red, right half blue: easy to find again in drawn cells."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    out = BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header declaring `width`×`height` pixels, then a few bytes of body: decoding
    it would try to allocate gigabytes (and then fail on the truncated data)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"")[:4])


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
