"""Sweeps: grids of runs, executed once each and cached in a results store.

A :class:`Sweep` is a base spec, a grid over some of its fields and a list
of seeds; `execute` runs every (spec, seed) point that the store does not
hold yet, writing each record as soon as it is done, so an interrupted sweep
resumes where it stopped. The missing runs of a spec whose ``batch_limit``
exceeds 1 are computed in batches (E networks trained as one batched model,
one record per run): its seeds, and the runs of the other specs of its
``batch_group`` (the P of one learning curve, say); every other point runs
alone.

Where the tasks run is an executor (:mod:`.executors`: in this process, in
local worker processes by default, on a Dask cluster); they are importable
from here too.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import multiprocessing
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

from .checks import check_seed
from .errors import RunFailure, handle_interrupts, is_interrupt
from .executors import GPU_WORKERS, WORKER_EXIT_GRACE, DaskExecutor, ProcessExecutor, SerialExecutor, WorkerLost
from .progress import progress_bar
from .rows import row
from .device import device_type
from .spec import Spec, batch_limit, check_spec, run_points, runs_only_here
from .store import Store, StoreError, lease_owner

__all__ = ["Sweep", "SweepUnion", "Task", "plan", "execute", "collect", "SweepError", "SweepResult", "RunFailed",
           "SerialExecutor", "ProcessExecutor", "DaskExecutor", "WorkerLost", "GPU_WORKERS", "WORKER_EXIT_GRACE"]

Point = tuple[Spec, int]


@dataclass(frozen=True)
class Task:
    """One call of a worker: the (spec, seed) runs it computes as one batch (`run_points`): one run, seeds
    of one spec, or runs of several specs of one batch group."""

    points: tuple[Point, ...]

    @property
    def spec(self) -> Spec:
        """The first point's spec (all points share its kind, batch group and device)."""
        return self.points[0][0]

    def by_spec(self) -> list[tuple[Spec, tuple[int, ...]]]:
        """The task's seeds, spec by spec, in order."""
        out: dict[Spec, list[int]] = {}
        for spec, seed in self.points:
            out.setdefault(spec, []).append(seed)
        return [(spec, tuple(seeds)) for spec, seeds in out.items()]

    def cost(self) -> float:
        """Estimated seconds on one thread: the sum of its runs' (``Spec.cost``)."""
        return sum(spec.cost() for spec, _ in self.points)

    def __str__(self) -> str:
        return "; ".join(f"{spec.kind} seeds {list(seeds)}" for spec, seeds in self.by_spec())


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
        check_spec(base)
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


class RunFailed(Exception):
    """A run raised in its worker: ``args`` are the message (``"Type: text"``) and the worker's traceback."""

    @property
    def message(self) -> str:
        return self.args[0]

    @property
    def traceback(self) -> str:
        return self.args[1] if len(self.args) > 1 else ""


def _execute(task: Task, threads: int | None = None) -> tuple[Task, Any]:
    """Run one task; its records, or a :class:`RunFailed` carrying the worker's traceback (reported by `execute`).

    Whatever a run raises is its own failure, ``SystemExit`` and ``KeyboardInterrupt`` included: a
    user's code cannot end the sweep, or the process, with an exit code of its own. Only a real
    interrupt (:class:`Interrupted`, from Ctrl-C or SIGTERM) stops the sweep.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        return task, run_points(task.points)
    except BaseException as exc:  # the other tasks go on; `execute` stores what succeeded
        if is_interrupt(exc):
            raise
        if isinstance(exc, SystemExit):
            message = f"SystemExit: the run called sys.exit({exc.code!r})"
        elif type(exc) is KeyboardInterrupt:
            message = "KeyboardInterrupt: raised by the run itself (not Ctrl-C)"
        else:
            message = f"{type(exc).__name__}: {exc}"
        return task, RunFailed(message, traceback.format_exc())


class SweepError(RunFailure):
    """Some runs of a sweep failed; the others are stored. ``failures`` holds, for each failed task, its
    spec kind, seeds, one-line error and the worker's traceback."""

    def __init__(self, message: str, failures: Sequence[tuple[str, tuple[int, ...], str, str]] = ()) -> None:
        super().__init__(message)
        self.failures = list(failures)


@dataclass
class SweepResult:
    """Records of a sweep, aligned with its points, and what was computed now.

    ``computed``: runs computed by this call; ``cached``: runs already stored;
    ``shared``: runs that another process computed while this one waited.
    """

    points: list[Point]
    records: list[dict[str, Any]]
    computed: int
    cached: int
    shared: int = 0


def plan(points: Sequence[Point], batch: bool = True, *, cuda: bool | None = None) -> list[Task]:
    """Group (spec, seed) points into tasks, the most expensive first.

    With `batch`, the points of specs of one kind and ``batch_group`` (the seeds of
    one spec, by default) are ordered by cost and cut into batches of at most
    their ``batch_limit`` runs, as equal as possible: ``gpu_batch_limit`` runs where a batch of that size
    goes to CUDA (:func:`.device.device_type`), so that a GPU trains a whole learning curve as one model;
    every other point runs alone. `cuda` says whether CUDA is present (None: ask torch; a plan for another
    machine, ``scalingcheck run --dry-run``, passes it).
    """
    groups: dict[Any, list[Point]] = {}
    for spec, seed in points:
        key = (type(spec), spec.batch_group()) if batch and _batched(spec) else (spec, seed)
        groups.setdefault(key, []).append((spec, seed))
    tasks: list[Task] = []
    for group in groups.values():
        group.sort(key=lambda point: point[0].cost())  # runs of like cost together (a learning curve's P, say)
        spec = group[0][0]
        if not batch:
            tasks += [Task((point,)) for point in group]
            continue
        on_cpu = batch_limit(spec, "cpu")
        on_gpu = batch_limit(spec, "cuda")
        for chunk in _even(group, on_gpu):
            if on_gpu == on_cpu or _runs_on(spec, len(chunk), cuda) == "cuda":
                tasks.append(Task(tuple(chunk)))
            else:  # a batch of that size runs on the CPU: cut it to the CPU's limit
                tasks += [Task(tuple(part)) for part in _even(chunk, on_cpu)]
    tasks.sort(key=lambda task: -task.cost())  # longest first: fewer idle workers at the end
    return tasks


def _runs_on(spec: Spec, batch: int, cuda: bool | None) -> str:
    """:func:`.device.device_type`, or "cpu" where it cannot be told here (a spec's CUDA device that this
    process lacks: its runs then fail one by one, each saying so, instead of the whole sweep here)."""
    try:
        return device_type(spec, batch, cuda=cuda)
    except ValueError:
        return "cpu"


def _batched(spec: Spec) -> bool:
    return max(batch_limit(spec, "cpu"), batch_limit(spec, "cuda")) > 1


def _even(points: list[Point], limit: int) -> list[list[Point]]:
    """`points` cut, in order, into the fewest chunks of at most `limit`, their sizes as equal as possible."""
    chunks = math.ceil(len(points) / limit)
    size, extra = divmod(len(points), chunks)
    out, start = [], 0
    for i in range(chunks):
        stop = start + size + (i < extra)
        out.append(points[start:stop])
        start = stop
    return out


def execute(
    runs: Sweep | Iterable[Point],
    store: Store,
    executor: Any | None = None,
    progress: bool | None = None,
    desc: str = "runs",
    batch: bool = True,
    poll: float = 1.0,
    on_stored: Callable[[list[str]], None] | None = None,
) -> SweepResult:
    """Compute every run not yet in `store`, writing each record as it finishes.

    Several processes may run sweeps on one SQLite store at once: each leases
    the runs it computes, and waits (polling every `poll` seconds) for the
    runs another live process holds instead of computing them twice.

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
    poll:
        Seconds between looks at runs another process is computing.
    on_stored:
        Called in this process with the keys (``Spec.key(seed)``) of the runs just stored, here or by
        another process, while the workers go on with the other tasks (a caller can use the records of a
        part of the sweep as soon as that part is in). An exception it raises stops the sweep.

    Raises
    ------
    SpecError
        Before any run, if a spec is not a frozen dataclass of hashable, serialisable fields, or (for
        worker processes) cannot be pickled.
    SweepError
        If runs failed (whatever they raised, ``SystemExit`` and ``KeyboardInterrupt`` included); every
        run that succeeded is stored all the same.
    """
    checked: set[int] = set()
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError("a sweep was started while a worker process was importing the main script: guard the "
                           "script's entry point with `if __name__ == \"__main__\":` (workers are spawned)")
    points = runs.points() if isinstance(runs, (Sweep, SweepUnion)) else list(runs)
    unique: dict[str, Point] = {}
    for spec, seed in points:
        if id(spec) not in checked:
            checked.add(id(spec))
            check_spec(spec, picklable=not getattr(executor, "in_process", False) and not runs_only_here(spec))
        unique.setdefault(spec.key(seed), (spec, seed))
    stored = store.present(unique)
    pending = [k for k in unique if k not in stored]
    n_missing = len(pending)
    mended = [k for k in pending if k in store.damaged]
    if mended:
        spec, seed = unique[mended[0]]
        print(f"scalingcheck: note: {len(mended)} stored record(s) cannot be used and are computed again; first: "
              f"{spec.kind} seed {seed} (key {mended[0][:12]}): {store.damaged[mended[0]]}", file=sys.stderr)
    computed = shared = 0
    failures: list[tuple[str, tuple[int, ...], str, str]] = []
    failed: set[str] = set()
    bar = progress_bar(n_missing, desc, enabled=progress)
    owner = lease_owner()
    try:
        with handle_interrupts(), store.keep_leases(owner):
            while pending:
                mine = store.claim(pending, owner)
                if mine:
                    tasks = plan([unique[k] for k in pending if k in mine], batch)
                    for task, outcome in _run_tasks(tasks, executor):
                        if isinstance(outcome, BaseException):
                            message = getattr(outcome, "message", f"{type(outcome).__name__}: {outcome}")
                            for spec, seeds in task.by_spec():
                                failures.append((spec.kind, seeds, message, getattr(outcome, "traceback", "")))
                            failed.update(spec.key(seed) for spec, seed in task.points)
                        else:
                            for (spec, seed), record in zip(task.points, outcome):
                                store.put(spec, seed, record)
                            computed += len(task.points)
                            if on_stored is not None:
                                on_stored([spec.key(seed) for spec, seed in task.points])
                        bar.update(len(task.points))
                else:  # every pending run is leased by another live process: wait for it
                    bar.set_postfix_str("waiting for another process", refresh=True)
                    time.sleep(poll)
                others = [k for k in pending if k not in mine and k not in failed]
                done_elsewhere = store.present(others)
                shared += len(done_elsewhere)
                bar.update(len(done_elsewhere))
                if done_elsewhere and on_stored is not None:
                    on_stored(list(done_elsewhere))
                pending = [k for k in others if k not in done_elsewhere]
    finally:
        bar.close()
    if failures:
        n_failed = sum(len(seeds) for _, seeds, _, _ in failures)
        kind, seeds, message, _ = failures[0]
        raise SweepError(f"{n_failed} of {n_missing} runs failed (the others are stored); first: "
                         f"{kind} seed={seeds[0]}: {message}", failures)
    records = []
    for spec, seed in points:
        rec = store.get(spec.key(seed))
        if rec is None:
            raise StoreError(f"the record of run {spec.kind} seed {seed} (key {spec.key(seed)}) was stored but "
                             "cannot be read back from the store")
        records.append(rec)
    return SweepResult(points, records, computed, len(unique) - n_missing, shared)


def _run_tasks(tasks: list[Task], executor: Any | None) -> Iterator[tuple[Task, Any]]:
    """(task, records or failure) for every task: through `executor` (default: worker processes when there
    is more than one task), except the tasks whose specs only this process can import (see
    `runs_only_here`), which run here, after a one-line note."""
    here = [task for task in tasks if not getattr(executor, "in_process", False) and runs_only_here(task.spec)]
    there = [task for task in tasks if not any(task is t for t in here)]
    if there:
        chosen = executor or (ProcessExecutor() if len(there) > 1 else SerialExecutor())
        yield from chosen.map_unordered(_execute, there)
    if here:
        kinds = ", ".join(sorted({task.spec.kind for task in here}))
        print(f"scalingcheck: note: {sum(len(t.points) for t in here)} runs of {kinds} run in this process: their "
              "spec is defined in __main__ (python -c, a notebook), which worker processes cannot import; "
              "define it in a module or file to run them in parallel", file=sys.stderr)
        yield from SerialExecutor().map_unordered(_execute, here)


def collect(runs: Sweep | Iterable[Point], store: Store) -> list[dict[str, Any] | None]:
    """The rows of the given runs already in `store` (``None`` where missing); computes nothing.

    A row is the run's record joined to its spec's fields and derived columns (:func:`.rows.row`).
    """
    points = runs.points() if isinstance(runs, (Sweep, SweepUnion)) else list(runs)
    return [None if record is None else row(spec, record) for (spec, _), record in zip(points, store.lookup(points))]
