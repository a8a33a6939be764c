"""How long claims take, and how far a run of them has got: the estimates of ``scalingcheck list`` and the
progress lines of ``scalingcheck run``.

One cost model: every run spec states its cost in seconds on one CPU thread (:meth:`Spec.cost`, the
model the sweeps order their tasks by, :meth:`.sweep.Task.cost`); :func:`estimated_seconds` sums it over
distinct runs. ``scalingcheck list --suite NAME`` prints it per claim, and :class:`RunProgress` uses it
to weigh the runs done against those left, so that the time left it estimates counts a long run as
long.

On a terminal the sweep's progress bar shows (tqdm); elsewhere (a CI log, a file) :class:`RunProgress`
writes one line to standard error at most every `interval` seconds and one as each claim is judged::

    scalingcheck: progress: 12/40 runs, 2/5 claims judged, 0:00:31 elapsed, about 0:01:10 left

and, on a terminal too, one line when the runs are done.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TextIO

__all__ = ["distinct_runs", "estimated_seconds", "claim_estimates", "duration_text", "RunProgress", "PROGRESS_INTERVAL"]

PROGRESS_INTERVAL = 30.0
"""Seconds between two progress lines while no claim is judged."""


def distinct_runs(points: Iterable[tuple[Any, int]]) -> dict[str, tuple[Any, int]]:
    """The distinct (spec, seed) runs of `points`, by run key (``Spec.key``), in the order first seen."""
    out: dict[str, tuple[Any, int]] = {}
    for spec, seed in points:
        out.setdefault(spec.key(seed), (spec, seed))
    return out


def estimated_seconds(points: Iterable[tuple[Any, int]]) -> float:
    """Estimated seconds on one CPU thread of the distinct (spec, seed) runs `points` (:meth:`Spec.cost`,
    the model the sweeps plan by; a run that several points share counts once)."""
    return float(sum(spec.cost() for spec, _ in distinct_runs(points).values()))


def claim_estimates(claims: Sequence[Any]) -> tuple[list[tuple[Any, int, float]], int, float]:
    """(claim, distinct runs, estimated seconds on one thread) of each claim (:func:`estimated_seconds`), and
    the distinct runs and estimated seconds of them all (a run that several claims share counted once)."""
    rows, every = [], {}
    for claim in claims:
        unique = distinct_runs(claim.runs())
        every.update(unique)
        rows.append((claim, len(unique), estimated_seconds(unique.values())))
    return rows, len(every), estimated_seconds(every.values())


def duration_text(seconds: float | None) -> str:
    """Seconds as ``0:01:05``; under 10 s with one decimal (``0.3 s``); ``?`` when unknown."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "?"
    if seconds < 0.1:
        return "<0.1 s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class RunProgress:
    """The progress of a run of claims, written as lines to `stream` (see the module docstring).

    Parameters
    ----------
    claims, store:
        The claims and the results store they run into (a :class:`.store.Store`; when it is a SQLite
        store, the runs done are counted between two claims as well, through a connection of its own).
    lines:
        Write the periodic and per-claim lines (``None``: when `stream` is not a terminal).
    summary:
        Write the last line (runs computed, claims judged, time) when :meth:`close` is called.
    interval:
        Most seconds between two periodic lines.

    Use :meth:`start`, :meth:`judged` (as `on_outcome`) with each outcome, then :meth:`close`.
    """

    def __init__(self, claims: Sequence[Any], store: Any, *, lines: bool | None = None, summary: bool = True,
                 interval: float = PROGRESS_INTERVAL, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.lines = (not _isatty(self.stream)) if lines is None else bool(lines)
        self.summary, self.interval, self.clock = summary, float(interval), clock
        self.claims = list(claims)
        self.keys: dict[str, set[str]] = {}
        unique: dict[str, tuple[Any, int]] = {}
        for c in self.claims:
            own = distinct_runs(c.runs())
            self.keys[c.name] = set(own)
            unique.update(own)
        stored = store.present(unique)
        self.pending = {k: unique[k][0].cost() for k in unique if k not in stored}
        self.total, self.cached = len(self.pending), len(stored)
        self.done: set[str] = set()
        self.n_judged = 0
        self.store_path = getattr(store, "path", None)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = self._start = clock()

    # -- the numbers ------------------------------------------------------------------------------------

    def left_seconds(self) -> float | None:
        """Estimated seconds left: the time so far scaled by the cost left over the cost done (None before
        a run is done)."""
        done = sum(self.pending[k] for k in self.done)
        left = sum(c for k, c in self.pending.items() if k not in self.done)
        if not self.done or done <= 0:
            return None
        return (self.clock() - self._start) * left / done

    def line(self, note: str = "") -> str:
        """One progress line (without the newline)."""
        elapsed = self.clock() - self._start
        left = self.left_seconds()
        parts = [f"{len(self.done)}/{self.total} runs", f"{self.n_judged}/{len(self.claims)} claims judged",
                 f"{duration_text(elapsed)} elapsed"]
        if len(self.done) < self.total:
            parts.append(f"about {duration_text(left)} left" if left is not None else "time left not known yet")
        return "scalingcheck: progress: " + ", ".join(parts) + (f" ({note})" if note else "")

    # -- the events -------------------------------------------------------------------------------------

    def start(self) -> "RunProgress":
        """Start the periodic lines (in a daemon thread) when there are runs to compute."""
        if self.lines and self.total:
            self._write(self.line("starting"))
            self._thread = threading.Thread(target=self._tick, name="scalingcheck-progress", daemon=True)
            self._thread.start()
        return self

    def judged(self, outcome: Any) -> None:
        """A claim was judged: its runs are done; write a line."""
        with self._lock:
            self.n_judged += 1
            self.done |= self.keys.get(outcome.claim, set()) & self.pending.keys()
        if self.lines and self.total:
            verdict = getattr(getattr(outcome, "verdict", None), "value", "")
            self._write(self.line(f"{outcome.claim}: {verdict}" if verdict else outcome.claim))

    def close(self, failed: bool = False) -> None:
        """Stop the periodic lines; write the summary line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.summary and not failed:
            elapsed = self.clock() - self._start
            self._write(f"scalingcheck: done: {self.total} runs computed, {self.cached} from the store, "
                        f"{self.n_judged} claims judged in {duration_text(elapsed)}")

    def __enter__(self) -> "RunProgress":
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(failed=exc_type is not None)

    # -- inside -----------------------------------------------------------------------------------------

    def _tick(self) -> None:
        counter = None
        try:
            while not self._stop.wait(min(self.interval, 5.0)):
                if self.clock() - self._last < self.interval:
                    continue
                if counter is None and self.store_path is not None:
                    counter = _open_reader(self.store_path)
                if counter is not None:
                    try:
                        found = counter.present([k for k in self.pending if k not in self.done])
                    except Exception:  # a busy or vanished store: count what the claims say
                        found = set()
                    with self._lock:
                        self.done |= found
                if not self._stop.is_set():
                    self._write(self.line())
        finally:
            if counter is not None:
                try:
                    counter.close()
                except Exception:  # pragma: no cover
                    pass

    def _write(self, text: str) -> None:
        with self._lock:
            self._last = self.clock()
            try:
                print(text, file=self.stream, flush=True)
            except (OSError, ValueError):  # a closed standard error: progress is not worth failing for
                pass


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _open_reader(path: str | Path) -> Any:
    """A read-only connection of its own to the SQLite store at `path` (None if it cannot be opened)."""
    try:
        from ..simulate.runs.store import SQLiteStore

        return SQLiteStore(path, readonly=True)
    except Exception:
        return None
