"""The C allocator's arenas, bounded: memory freed by one worker thread is reused by the others.

glibc gives each thread that allocates concurrently an arena of its own, up to eight per core; memory freed in
one arena is not reused by the others, so a process whose threads take turns at big arrays (decoding, PROJ,
GEOS, Parquet) keeps far more resident memory than it holds live. A 1M-parcel score measured 2.03–2.05 GB peak
with the default and 1.91–1.95 GB with one arena per core, in the same time (benchmarks/score_bench.py).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

__all__ = ["limit_arenas"]

_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
_done = False


def limit_arenas(arenas: int | None = None) -> bool:
    """At most `arenas` (default: one per core, at least 2) malloc arenas for this process, unless the environment
    already says (MALLOC_ARENA_MAX). True when set; a no-op returning False off glibc or when already done."""
    global _done
    if _done or os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    _done = bool(mallopt(_M_ARENA_MAX, max(2, arenas or os.cpu_count() or 2)))
    return _done
