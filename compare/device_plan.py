"""The device plan of a run of claims: where each kind's runs go, in which batches, and how long they should take.

``scalingcheck run --suite full --device cuda --dry-run`` prints it and computes nothing. The tasks are
those the sweep would form (:func:`..simulate.runs.sweep.plan`, with CUDA taken as present or absent as
asked, so that a plan for a GPU machine can be made on a laptop); the times come from the specs' cost
model (seconds on one CPU thread, :meth:`Spec.cost`) and, for the tasks that go to the GPU, from the
measured speed-up of their kind at the nearest measured batch size (:mod:`..simulate.runs.device_rates`).
Where a kind was never measured on a GPU its time there is unknown, and the plan says so rather than guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..simulate.runs.device import device_type
from ..simulate.runs.device_rates import DeviceRate, measured_rate
from ..simulate.runs.sweep import Task, plan
from .progress import distinct_runs, duration_text

__all__ = ["KindPlan", "device_plan", "plan_lines"]


@dataclass(frozen=True)
class KindPlan:
    """The tasks of one kind on one device type: ``runs`` runs in ``tasks`` batches of ``smallest`` to
    ``largest`` runs, ``core_seconds`` on one CPU thread by the cost model; on the GPU, ``device_seconds``
    is that over the measured speed-up (None: the kind was never measured there), ``longest`` the time of
    its longest task there, ``rates`` the measurements used."""

    kind: str
    device: str
    runs: int
    tasks: int
    smallest: int
    largest: int
    core_seconds: float
    device_seconds: float | None
    longest: float | None
    rates: tuple[DeviceRate, ...] = ()


def device_plan(points: Iterable[tuple[Any, int]], cuda: bool) -> list[KindPlan]:
    """The plan of the distinct (spec, seed) runs `points`, kind by kind (the most expensive first), with
    CUDA present or not as `cuda` says. Reads the device mode (``SCALINGCHECK_DEVICE``) as a run does."""
    tasks = plan(list(distinct_runs(points).values()), cuda=cuda)
    groups: dict[tuple[str, str], list[Task]] = {}
    for task in tasks:
        where = device_type(task.spec, len(task.points), cuda=cuda)
        groups.setdefault((task.spec.kind, where), []).append(task)
    out = []
    for (kind, where), group in groups.items():
        sizes = [len(task.points) for task in group]
        core = sum(task.cost() for task in group)
        rates: dict[DeviceRate, None] = {}
        times: list[float] | None = [task.cost() for task in group]
        if where == "cuda":
            found = [measured_rate(kind, len(task.points)) for task in group]
            rates = dict.fromkeys(rate for rate in found if rate is not None)
            times = None if None in found else [t / rate.speedup for t, rate in zip(times, found)]
        out.append(KindPlan(kind, where, sum(sizes), len(group), min(sizes), max(sizes), core,
                            None if times is None else sum(times), None if times is None else max(times),
                            tuple(rates)))
    out.sort(key=lambda k: -k.core_seconds)
    return out


def plan_lines(kinds: Sequence[KindPlan], workers: int, gpu_workers: int) -> list[str]:
    """The lines ``scalingcheck run --dry-run`` prints for `kinds`, with `workers` worker processes of which
    up to `gpu_workers` share the GPU (:class:`..simulate.runs.executors.ProcessExecutor`)."""
    on_gpu = [k for k in kinds if k.device == "cuda"]
    cpu_workers = max(workers - (min(gpu_workers, workers) if on_gpu else 0), 1)
    lines = [f"  {'kind':24} {'device':6} {'runs':>6} {'tasks':>6} {'runs/task':>10} {'one core':>10} "
             f"{'there':>10}  measured GPU speed-up used"]
    for k in kinds:
        size = f"{k.smallest}" if k.smallest == k.largest else f"{k.smallest}-{k.largest}"
        there = duration_text(k.device_seconds) if k.device == "cuda" else duration_text(k.core_seconds)
        if k.device != "cuda":
            measured = ""
        elif not k.rates:
            measured = "never measured: time unknown"
        else:
            measured = "; ".join(f"{r.speedup:.2f}x at batch {r.batch if r.batch is not None else '?'} "
                                 f"({r.device}, {r.date})" for r in k.rates)
            if any(r.batch is not None and r.batch < k.largest for r in k.rates):
                measured += f"; not measured at {k.largest}"
        lines.append(f"  {k.kind:24} {k.device:6} {k.runs:>6} {k.tasks:>6} {size:>10} "
                     f"{duration_text(k.core_seconds):>10} {there:>10}  {measured}".rstrip())
    cpu = sum(k.core_seconds for k in kinds if k.device == "cpu")
    lines.append(f"CPU: {duration_text(cpu)} of one core over {cpu_workers} worker(s): about "
                 f"{duration_text(cpu / cpu_workers)}")
    if on_gpu:
        known = [k for k in on_gpu if k.device_seconds is not None]
        gpu = sum(k.device_seconds for k in known)
        unknown = [k.kind for k in on_gpu if k.device_seconds is None]
        lines.append(f"GPU: about {duration_text(gpu)} for the measured kinds (their tasks one after the other; "
                     f"up to {min(gpu_workers, workers)} GPU workers overlap them)"
                     + (f"; unknown for {', '.join(unknown)} (never measured on a GPU: run "
                        "benchmarks/device_kinds.py there)" if unknown else ""))
        wall = None if unknown else max(cpu / cpu_workers, gpu)
    else:
        wall = cpu / cpu_workers
    longest = max((k for k in kinds if k.longest is not None), key=lambda k: k.longest, default=None)
    if wall is not None and longest is not None and longest.longest > wall:
        wall = longest.longest
        lines.append(f"the longest task, of {longest.kind} on {longest.device}, takes about "
                     f"{duration_text(longest.longest)} by itself")
    lines.append(f"wall time: about {duration_text(wall)} if the cost model holds"
                 + ("" if wall is not None else " (unknown: some GPU kinds were never measured)"))
    return lines
