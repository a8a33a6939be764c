"""Timing helper shared by the benchmark scripts (run from the repository root: ``python benchmarks/NAME.py``)."""
from __future__ import annotations

import time
from typing import Any, Callable


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    """The shortest wall time of `repeat` calls of `fn` (seconds)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
