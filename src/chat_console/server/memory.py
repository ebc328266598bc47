"""Give memory back after large packets (glibc only; elsewhere these do nothing).

A Socket.IO packet may be ~6 MB (`MAX_PACKET_BYTES`: a 1 MiB message written as `\\u0000`
escapes), and receiving and relaying one makes several copies. glibc raises its mmap threshold
each time such a block is freed, so later large blocks come from the heap, and freed heap memory
is not returned: 40 such packets left the server at ~270 MB for good. A fixed threshold keeps
large blocks in their own mappings (unmapped when freed), and `malloc_trim` after a burst
returns the free heap pages.

Packets are also kept by garbage: python-engineio's websocket handler holds the last packet it
received in a local, and when the connection ends with an exception, the traceback's frames form
a cycle that only a full collection frees (which may not come for a long while). So `release`
collects first, then trims.
"""

import ctypes
import ctypes.util
import gc
import logging
from functools import cache

log = logging.getLogger("chat_console.server")

_M_MMAP_THRESHOLD = -3  # mallopt parameter number, from glibc's malloc.h
MMAP_THRESHOLD = 256 * 1024  # blocks this large or larger get mappings of their own


@cache
def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None  # not glibc (musl, macOS): their allocators behave otherwise
    return libc


def map_large_blocks() -> None:
    """Fix the mmap threshold for this process (once, at the server's start)."""
    libc = _glibc()
    if libc is not None and not libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD):
        log.debug("mallopt(M_MMAP_THRESHOLD) refused")


def release() -> None:
    """Free unreachable cycles, then return free heap pages to the system (a few ms)."""
    gc.collect()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
