"""Executors: where the tasks of a sweep run. Each has one method, ``map_unordered(fn, tasks)``, which calls
``fn(task)`` for each task (a :class:`.sweep.Task`) and yields the results as they complete:

* :class:`SerialExecutor`: in this process (tests, debugging, specs only this process can import);
* :class:`ProcessExecutor`: local worker processes, torch threads set per worker (the default), the GPU
  shared by a few of them; workers die with the process that started them, and end when the run ends;
* :class:`DaskExecutor`: a ``dask.distributed`` client, for a cluster.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterator, Sequence

from .allocator import keep_freed_memory
from .errors import raise_interrupted_on

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "WorkerLost", "GPU_WORKERS", "WORKER_EXIT_GRACE"]

Task = Any  # a .sweep.Task: its ``spec`` and ``points`` (not imported: sweep imports this module)


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory) while running a task, and again when the task ran alone."""


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when the process that started it dies, even by SIGKILL (no orphans)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
                if os.getppid() != parent:  # the parent died before the line above
                    os._exit(1)
                return
        except (OSError, AttributeError):  # pragma: no cover - no prctl: fall back to watching
            pass

    def watch() -> None:  # pragma: no cover - other platforms
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="scalingcheck-parent-watch", daemon=True).start()


def _init_worker(threads: int, parent: int | None = None) -> None:
    if parent is not None:
        _die_with_parent(parent)
    raise_interrupted_on(signal.SIGINT)  # Ctrl-C reaches the workers too: told apart from a run's own raise
    keep_freed_memory()
    import torch

    torch.set_num_threads(threads)
    try:  # keep numpy/scipy BLAS to the same share of the cores
        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        pass


def _tracked(fn: Callable[..., Any], markers: str, index: int, task: Task) -> Any:
    """Call ``fn(task)`` with a marker file present while it runs: after a worker dies, the markers
    left behind name the tasks that were in flight."""
    marker = os.path.join(markers, str(index))
    with open(marker, "w"):
        pass
    try:
        return fn(task)
    finally:
        try:
            os.unlink(marker)
        except OSError:  # pragma: no cover
            pass


WORKER_EXIT_GRACE = 5.0
"""Seconds a worker may take to exit once its pool is done; then it is terminated (a thread a user's code
left running would otherwise keep it, and the run, alive forever)."""


def _close_pool(pool: cf.ProcessPoolExecutor, grace: float) -> None:
    """Shut `pool` down: its workers exit within `grace` seconds, or are terminated (then killed).

    Waits on the workers' sentinels, never reaps them: the pool's own manager thread does that.
    """
    from multiprocessing.connection import wait

    processes = list(getattr(pool, "_processes", {}).values())  # CPython's pool keeps them there
    pool.shutdown(wait=False, cancel_futures=True)
    left = {proc.sentinel: proc for proc in processes}

    def wait_for(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while left and time.monotonic() < deadline:
            for ready in wait(list(left), deadline - time.monotonic()):
                left.pop(ready, None)

    wait_for(grace)
    for action in ("terminate", "kill"):
        for proc in left.values():
            getattr(proc, action)()
        wait_for(2.0)


class SerialExecutor:
    """Runs every point in the calling process, in order."""

    in_process = True
    """Its runs execute in the calling process (specs need not pickle)."""

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
        for task in items:
            yield fn(task)

    def __repr__(self) -> str:
        return "SerialExecutor()"


GPU_WORKERS = 4
"""Default number of worker processes that share one GPU (see :class:`ProcessExecutor`)."""


def _on_gpu(task: Task) -> bool:
    """Whether `task`'s runs execute on a GPU (``simulate.runs.device.device_type`` at its batch size)."""
    from .device import device_type

    try:
        return device_type(task.spec, len(task.points)) == "cuda"
    except ValueError:  # the run itself reports it
        return False


class ProcessExecutor:
    """Local worker processes (spawned), each with `threads` torch/BLAS threads.

    Defaults: one worker per core, one thread each. Tasks whose runs execute on
    a GPU go to at most `gpu_workers` of the workers (each holds one CUDA
    context, and the GPU is shared among them); the other tasks go to the
    remaining workers, so a 16-core machine with a GPU runs 4 GPU workers and
    12 CPU workers. Workers exit when the
    calling process dies (even by SIGKILL). A worker that dies while running
    (killed, out of memory) costs the tasks it was running, not the sweep:
    the pool is restarted for the other tasks, and each task that was in
    flight is run once more alone; if its worker dies again, the task is
    reported as failed (a :class:`WorkerLost` in place of its records).
    """

    in_process = False

    def __init__(self, workers: int | None = None, threads: int = 1, gpu_workers: int = GPU_WORKERS) -> None:
        cores = os.cpu_count() or 1
        self.workers = max(1, int(workers if workers is not None else cores))
        self.threads = max(1, int(threads))
        if isinstance(gpu_workers, bool) or not isinstance(gpu_workers, int) or gpu_workers < 1:
            raise ValueError(f"gpu_workers={gpu_workers!r} must be an integer >= 1")
        self.gpu_workers = gpu_workers

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
        items = list(items)
        if not items:
            return
        markers = tempfile.mkdtemp(prefix="scalingcheck-tasks-")
        try:
            todo, suspects, blind = list(range(len(items))), [], 0
            while todo:
                done, lost = yield from self._round(fn, items, todo, markers, self.workers)
                if lost is not None and not lost:  # the pool broke before any task started
                    blind += 1
                    if blind >= 3:
                        raise RuntimeError("worker processes keep dying before running anything: check that the "
                                           "main script guards its entry point with `if __name__ == \"__main__\":`, "
                                           "and the memory and process limits")
                suspects += sorted(lost or ())
                todo = [i for i in todo if i not in done and i not in (lost or ())]
            for i in suspects:  # each task that was in flight when a worker died: once more, alone
                done, lost = yield from self._round(fn, items, [i], markers, 1)
                if lost is not None:
                    yield items[i], WorkerLost(f"the worker running {items[i]} died twice (killed or out of memory)")
        finally:
            shutil.rmtree(markers, ignore_errors=True)

    def _round(self, fn: Callable[..., Any], items: list[Task], indices: list[int], markers: str,
               workers: int) -> Iterator[Any]:
        """Run `indices` in a fresh pool, yielding results; returns (done, lost): lost is None unless a
        worker died, then the indices whose markers were left behind."""
        gpu = [i for i in indices if _on_gpu(items[i])]
        on_gpu = set(gpu)
        cpu = [i for i in indices if i not in on_gpu]
        n_gpu = min(self.gpu_workers, workers, len(gpu))
        sizes = {"gpu": n_gpu, "cpu": min(max(workers - n_gpu, 1), len(cpu))}
        pools = {name: cf.ProcessPoolExecutor(
            max_workers=size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.threads, os.getpid()),
        ) for name, size in sizes.items() if size}
        done: set[int] = set()
        try:
            futures = {pools[name].submit(_tracked, fn, markers, i, items[i]): i
                       for name, group in (("gpu", gpu), ("cpu", cpu)) for i in group}
            broken = False
            for fut in cf.as_completed(futures):
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken = True
                    break
                done.add(futures[fut])
                yield result
            if broken:
                for fut, i in futures.items():  # finished before the pool broke
                    if i not in done and fut.done() and not fut.cancelled() and fut.exception() is None:
                        done.add(i)
                        yield fut.result()
                for pool in pools.values():
                    pool.shutdown(wait=True, cancel_futures=True)
                lost = {int(name) for name in os.listdir(markers)} - done
                for name in os.listdir(markers):
                    os.unlink(os.path.join(markers, name))
                return done, lost
        except BaseException:  # Ctrl-C, SIGTERM (see compare.cli) or the caller stopped
            # Queued runs are cancelled; runs in flight would be lost anyway (their records are never
            # stored), so their workers are stopped rather than left computing for minutes.
            for pool in pools.values():
                _close_pool(pool, grace=0.0)
            raise
        for pool in pools.values():
            _close_pool(pool, grace=WORKER_EXIT_GRACE)
        return done, None

    def __repr__(self) -> str:
        return f"ProcessExecutor(workers={self.workers}, threads={self.threads}, gpu_workers={self.gpu_workers})"


class DaskExecutor:
    """Runs points on a ``dask.distributed`` cluster through `client`.

    Install with ``pip install scalingcheck[dask]``. Each task sets torch to
    `threads` threads on its worker.
    """

    in_process = False

    def __init__(self, client: Any, threads: int = 1) -> None:
        self.client = client
        self.threads = threads

    def map_unordered(self, fn: Callable[..., Any], items: Sequence[Task]) -> Iterator[Any]:
        from dask.distributed import as_completed

        futures = [self.client.submit(fn, task, self.threads, pure=False) for task in items]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()
