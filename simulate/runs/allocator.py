"""Keep freed memory in the process instead of handing it back to the OS after every tensor.

Torch takes each intermediate tensor from ``malloc`` and frees it moments
later. With glibc's defaults a block above the mmap threshold (128 KiB at
start, raised by glibc up to 32 MiB) is mapped for that one tensor and unmapped
when it is freed, and free memory at the top of the heap is trimmed; the next
tensor of that size then pays one page fault per 4 KiB page it touches. A
training step makes dozens of tensors of a few hundred KiB to a few MiB, so in
a virtual machine, where a fault is expensive, those faults are a fifth of the
step (measured on the 2-core machine of the README: an alpha-trick flow step
of 6 networks, p = 512, 450 faults and 5.8 ms with the defaults, none and
4.6 ms with :func:`keep_freed_memory`; RHM training steps 15 to 25% faster, timed in one process; between
processes the machine's own drift is as large).

:func:`keep_freed_memory` raises both thresholds with ``mallopt``, so that
blocks up to ``mmap_threshold`` come from the heap and stay there for the next
tensor. It changes no number, only where memory comes from. The sweep's
worker processes call it when they start; the cost is that a worker keeps
the memory of its largest step until it exits.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
_M_MMAP_THRESHOLD = -3
MIB = 1 << 20


def keep_freed_memory(mmap_threshold: int = 64 * MIB, trim_threshold: int = 512 * MIB) -> bool:
    """Make glibc's malloc serve blocks below `mmap_threshold` bytes from the heap and keep up to
    `trim_threshold` bytes of free heap; True when set, False where malloc is not glibc's (nothing changes)."""
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**31:
            raise ValueError(f"{name}={value!r} must be an integer number of bytes in 1..2**31-1")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # pragma: no cover - musl and other C libraries
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))
