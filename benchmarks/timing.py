"""Timing helpers shared by the benchmark scripts (run from the repository root: ``python benchmarks/NAME.py``)."""
from __future__ import annotations

import time
from typing import Any, Callable


def best_of_alternating(fns: dict[str, Callable[[], Any]], repeat: int, calls: int = 1) -> dict[str, float]:
    """The shortest wall time per call (seconds) of each function, timed in alternation: `repeat` rounds,
    each timing `calls` calls of every function in turn, so that a drift of the machine's speed (here up
    to a third within minutes) falls on all of them alike rather than on whichever ran first."""
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t) / calls)
    return best
