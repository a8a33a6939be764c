"""Sweeps: grids of runs, executed once each and cached in a results store.

A :class:`Sweep` is a base spec, a grid over some of its fields and a list
of seeds; `execute` runs every (spec, seed) point that the store does not
hold yet, writing each record as soon as it is done, so an interrupted sweep
resumes where it stopped.

Executors (where the runs happen) share one method, ``map_unordered``:

* :class:`SerialExecutor`: in this process (tests, debugging);
* :class:`ProcessExecutor`: local worker processes, torch threads set per
  worker (the default);
* :class:`DaskExecutor`: a ``dask.distributed`` client, for a cluster.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import itertools
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from .progress import progress_bar
from .spec import Spec, check_seed, run
from .store import Store

Point = tuple[Spec, int]


@dataclass(frozen=True)
class Sweep:
    """A grid of runs: `base` with each combination of `grid` values, for each seed.

    Build one with :meth:`over`::

        Sweep.over(KernelSVCSpec(...), seeds=range(8), p=[128, 256, 512])
    """

    base: Spec
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: tuple[int, ...]

    @classmethod
    def over(cls, base: Spec, seeds: Iterable[int], **grid: Iterable[Any]) -> "Sweep":
        names = {f.name for f in dataclasses.fields(base)}  # type: ignore[arg-type]
        for name in grid:
            if name not in names:
                raise ValueError(
                    f"sweep over unknown field {name!r} of {type(base).__name__}; fields: {', '.join(sorted(names))}"
                )
        seeds = tuple(check_seed(s) for s in seeds)
        if not seeds:
            raise ValueError("seeds must not be empty")
        return cls(base, tuple((k, tuple(v)) for k, v in grid.items()), seeds)

    def specs(self) -> list[Spec]:
        """One spec per grid combination (seeds not included)."""
        names = [k for k, _ in self.grid]
        combos = itertools.product(*(v for _, v in self.grid))
        return [self.base.replace(**dict(zip(names, combo))) for combo in combos]

    def points(self) -> list[Point]:
        """All (spec, seed) runs of the sweep."""
        return [(spec, seed) for spec in self.specs() for seed in self.seeds]

    def __len__(self) -> int:
        n = len(self.seeds)
        for _, values in self.grid:
            n *= len(values)
        return n


@dataclass(frozen=True)
class SweepUnion:
    """Several sweeps run as one (e.g. a different P range for each m)."""

    sweeps: tuple[Sweep, ...]

    def points(self) -> list[Point]:
        return [p for s in self.sweeps for p in s.points()]

    def __len__(self) -> int:
        return sum(len(s) for s in self.sweeps)


def _execute(spec: Spec, seed: int, threads: int | None = None) -> tuple[Spec, int, dict[str, Any]]:
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    return spec, seed, run(spec, seed)


def _init_worker(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    try:  # keep numpy/scipy BLAS to the same share of the cores
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


class SerialExecutor:
    """Runs every point in the calling process, in order."""

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Point]) -> Iterator[Any]:
        for spec, seed in items:
            yield fn(spec, seed)

    def __repr__(self) -> str:
        return "SerialExecutor()"


class ProcessExecutor:
    """Local worker processes (spawned), each with `threads` torch/BLAS threads.

    Defaults: one worker per core, one thread each.
    """

    def __init__(self, workers: int | None = None, threads: int = 1) -> None:
        cores = os.cpu_count() or 1
        self.workers = max(1, int(workers if workers is not None else cores))
        self.threads = max(1, int(threads))

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Point]) -> Iterator[Any]:
        if not items:
            return
        ctx = multiprocessing.get_context("spawn")
        pool = cf.ProcessPoolExecutor(
            max_workers=min(self.workers, len(items)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(self.threads,),
        )
        try:
            futures = [pool.submit(fn, spec, seed) for spec, seed in items]
            for fut in cf.as_completed(futures):
                yield fut.result()
        except BaseException:  # Ctrl-C, SIGTERM (see compare.cli) or the caller stopped
            # Queued runs are cancelled; runs in flight would be lost anyway (their records are never
            # stored), so their workers are stopped rather than left computing for minutes.
            workers = list(getattr(pool, "_processes", {}).values())  # CPython's pool keeps them there
            pool.shutdown(wait=False, cancel_futures=True)
            for proc in workers:
                proc.terminate()
            raise
        pool.shutdown(wait=True)

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers}, threads={self.threads})"


class DaskExecutor:
    """Runs points on a ``dask.distributed`` cluster through `client`.

    Install with ``pip install scalingcheck[dask]``. Each task sets torch to
    `threads` threads on its worker.
    """

    def __init__(self, client: Any, threads: int = 1) -> None:
        self.client = client
        self.threads = threads

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Point]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = [self.client.submit(fn, spec, seed, self.threads, pure=False) for spec, seed in items]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()


class SweepError(RuntimeError):
    """Some runs of a sweep failed; the others are stored."""


@dataclass
class SweepResult:
    """Records of a sweep, aligned with its points, and what was computed now."""

    points: list[Point]
    records: list[dict[str, Any]]
    computed: int
    cached: int


def execute(
    runs: Sweep | Iterable[Point],
    store: Store,
    executor: Any | None = None,
    progress: bool | None = None,
    desc: str = "runs",
) -> SweepResult:
    """Compute every run not yet in `store`, writing each record as it finishes.

    Parameters
    ----------
    runs:
        A :class:`Sweep`, a :class:`SweepUnion` or (spec, seed) pairs.
    store:
        Where records are read from and written to.
    executor:
        ``None`` -> :class:`ProcessExecutor` with default settings when more
        than one run is missing, else in-process. Worker processes are
        spawned: a script that calls this must guard its entry point with
        ``if __name__ == "__main__":`` (or pass ``SerialExecutor()``).
    progress:
        Show a progress bar (``None``: only on a terminal).

    Raises
    ------
    SweepError
        If runs failed; every run that succeeded is stored all the same.
    """
    points = runs.points() if isinstance(runs, (Sweep, SweepUnion)) else list(runs)
    unique: dict[str, Point] = {}
    for spec, seed in points:
        unique.setdefault(spec.key(seed), (spec, seed))
    missing = [p for k, p in unique.items() if store.get(k) is None]
    missing.sort(key=lambda point: -point[0].cost())  # longest first: fewer idle workers at the end
    if executor is None:
        executor = ProcessExecutor() if len(missing) > 1 else SerialExecutor()
    computed = 0
    failures: list[str] = []
    bar = progress_bar(len(missing), desc, enabled=progress)
    try:
        iterator = executor.map_unordered(_execute_safely, missing)
        for spec, seed, outcome in iterator:
            if isinstance(outcome, BaseException):
                failures.append(f"{spec.kind} seed={seed}: {type(outcome).__name__}: {outcome}")
            else:
                store.put(spec, seed, outcome)
                computed += 1
            bar.update(1)
    finally:
        bar.close()
    if failures:
        raise SweepError(f"{len(failures)} of {len(missing)} runs failed (the others are stored); first: {failures[0]}")
    records = []
    for spec, seed in points:
        rec = store.get(spec.key(seed))
        assert rec is not None
        records.append(rec)
    return SweepResult(points, records, computed, len(unique) - len(missing))


def _execute_safely(spec: Spec, seed: int, threads: int | None = None) -> tuple[Spec, int, Any]:
    try:
        return _execute(spec, seed, threads)
    except Exception as exc:  # reported by `execute`, after the other runs are stored
        return spec, seed, exc


def collect(runs: Sweep | Iterable[Point], store: Store) -> list[dict[str, Any] | None]:
    """Records already in `store` for the given runs (``None`` where missing); computes nothing."""
    points = runs.points() if isinstance(runs, (Sweep, SweepUnion)) else list(runs)
    return store.lookup(points)
