"""Sweeps: grids of runs, executed once each and cached in a results store.

A :class:`Sweep` is a base spec, a grid over some of its fields and a list
of seeds; `execute` runs every (spec, seed) point that the store does not
hold yet, writing each record as soon as it is done, so an interrupted sweep
resumes where it stopped. The missing seeds of a spec whose ``batch_limit``
exceeds 1 are run in batches (E networks trained as one batched model, one
record per seed); every other point runs alone.

Executors (where the runs happen) share one method, ``map_unordered(fn,
tasks)``, which calls ``fn(spec, seeds)`` for each task and yields the results
as they complete:

* :class:`SerialExecutor`: in this process (tests, debugging);
* :class:`ProcessExecutor`: local worker processes, torch threads set per
  worker (the default);
* :class:`DaskExecutor`: a ``dask.distributed`` client, for a cluster.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import itertools
import math
import multiprocessing
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from .progress import progress_bar
from .checks import check_seed
from .spec import Spec, run_batch
from .store import Store

Point = tuple[Spec, int]
Task = tuple[Spec, tuple[int, ...]]
"""One call of a worker: a spec and the seeds it runs (one, or a batch)."""


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


def _execute(spec: Spec, seeds: tuple[int, ...], threads: int | None = None) -> tuple[Spec, tuple[int, ...], Any]:
    """Run one task; its records, or the exception that stopped it (reported by `execute`)."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        return spec, seeds, run_batch(spec, list(seeds))
    except Exception as exc:  # the other tasks go on; `execute` stores what succeeded
        return spec, seeds, exc


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

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
        for spec, seeds in items:
            yield fn(spec, seeds)

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

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
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
            futures = [pool.submit(fn, spec, seeds) for spec, seeds in items]
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

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = [self.client.submit(fn, spec, seeds, self.threads, pure=False) for spec, seeds in items]
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


def plan(points: Sequence[Point], batch: bool = True) -> list[Task]:
    """Group (spec, seed) points into tasks: the seeds of one spec in batches of at most its ``batch_limit``
    (as equal as possible), every other point alone; the most expensive tasks first."""
    by_spec: dict[Spec, list[int]] = {}
    for spec, seed in points:
        by_spec.setdefault(spec, []).append(seed)
    tasks: list[Task] = []
    for spec, seeds in by_spec.items():
        limit = max(1, spec.batch_limit) if batch else 1
        chunks = math.ceil(len(seeds) / limit)
        size, extra = divmod(len(seeds), chunks)
        start = 0
        for i in range(chunks):
            stop = start + size + (i < extra)
            tasks.append((spec, tuple(seeds[start:stop])))
            start = stop
    tasks.sort(key=lambda task: -task[0].cost() * len(task[1]))  # longest first: fewer idle workers at the end
    return tasks


def execute(
    runs: Sweep | Iterable[Point],
    store: Store,
    executor: Any | None = None,
    progress: bool | None = None,
    desc: str = "runs",
    batch: bool = True,
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
        than one task is missing, else in-process. Worker processes are
        spawned: a script that calls this must guard its entry point with
        ``if __name__ == "__main__":`` (or pass ``SerialExecutor()``).
    progress:
        Show a progress bar (``None``: only on a terminal).
    batch:
        Run the seeds of batchable specs together (``False``: one seed per task).

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
    tasks = plan(missing, batch)
    if executor is None:
        executor = ProcessExecutor() if len(tasks) > 1 else SerialExecutor()
    computed = 0
    failures: list[str] = []
    bar = progress_bar(len(missing), desc, enabled=progress)
    try:
        for spec, seeds, outcome in executor.map_unordered(_execute, tasks):
            if isinstance(outcome, BaseException):
                failures += [f"{spec.kind} seed={seed}: {type(outcome).__name__}: {outcome}" for seed in seeds]
            else:
                for seed, record in zip(seeds, outcome):
                    store.put(spec, seed, record)
                computed += len(seeds)
            bar.update(len(seeds))
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


def collect(runs: Sweep | Iterable[Point], store: Store) -> list[dict[str, Any] | None]:
    """Records already in `store` for the given runs (``None`` where missing); computes nothing."""
    points = runs.points() if isinstance(runs, (Sweep, SweepUnion)) else list(runs)
    return store.lookup(points)
