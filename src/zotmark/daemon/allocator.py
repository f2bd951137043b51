"""The daemon process's one allocator setting: large blocks stay mapped, so freeing them gives
their memory back to the system.

glibc serves a block of at least ``M_MMAP_THRESHOLD`` bytes (128 KiB by default) with its own
``mmap`` and unmaps it when it is freed. But once such a block is freed, glibc raises the
threshold to its size (up to 32 MiB): from then on the list-sized blocks every run makes (the
list's text, its 50,000-row tables) come from the heap, and the heap keeps what they free. A
daemon holds on to that memory while it idles. Setting the threshold pins it at its default,
which also turns the raising off (``mallopt(3)``). Measured at 50,000 entries
(``benchmarks/bench_daemon.py``, README): idle 158–166 MB after the first sync and 140–152 MB
restarted without it; 138 and 127 MB with it (``MALLOC_MMAP_THRESHOLD_=131072``, the same
setting through glibc's environment).
"""

from __future__ import annotations

import ctypes

M_MMAP_THRESHOLD = -3
"""``mallopt``'s parameter number for the threshold (glibc's ``malloc.h``)."""

DEFAULT_THRESHOLD = 128 * 1024


def keep_large_blocks_mapped() -> bool:
    """Pin glibc's mmap threshold at its default; ``True`` if the C library took the setting,
    ``False`` where it has no ``mallopt`` (musl, macOS: their allocators do not raise it)."""
    try:
        libc = ctypes.CDLL(None)  # the C library this process already uses
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    taken: int = mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
    return taken == 1
