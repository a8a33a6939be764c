"""Each run kind of a suite on the CPU and on CUDA at the batch sizes each forms there, in one process.

For every kind whose specs have a ``device`` field, the script takes the task a sweep of the suite forms
on a GPU (``plan`` with CUDA: a batched kind's whole group, up to its ``gpu_batch_limit``), the largest
whose estimated cost on one CPU thread (the specs' cost model) stays under ``--budget`` seconds, and cut
from the cheapest runs of the kind's largest group when none does (a kind whose cheapest run is over the
budget is skipped, with a line saying so). It then times:

* the CPU as a suite's worker runs those runs: batches of the kind's CPU ``batch_limit`` on ``--threads``
  threads (1, as a worker). To keep it short, one CPU-sized batch is timed, drawn evenly from the task's
  runs (ordered by cost), as many as ``--cpu-budget`` estimated seconds allow (one at least);
* CUDA on the same CPU-sized batch, then on the whole task, after a warm-up batch that pays CUDA's start-up.

Two speed-ups per kind: on the CPU-sized batch, the same runs on both devices; on the whole task, where
runs differ in cost (a learning curve's P), per second of estimated cost:
``speedup = (cpu seconds / cpu batch cost) / (cuda seconds / task cost)``, the GPU's gain over one CPU
core on the runs the sweep gives it. A kind whose cheapest run is over ``--cpu-budget`` is skipped. It prints the times, the speed-up and the largest relative
difference between the records of the runs measured on both devices (float32 training: rounding,
amplified by training; float64: near 0), and with ``--write rates.json`` writes, after each kind, the rows
(both batch sizes) that the 'auto' device rule reads (``SCALINGCHECK_DEVICE_RATES=rates.json``; paste them into
``simulate/runs/device_rates.py`` to ship them).

    python benchmarks/device_kinds.py --suite full --budget 300 --write rates.json
"""
from __future__ import annotations

import argparse
import datetime
import math
import os
import time

import torch

from scalingcheck.compare.progress import distinct_runs
from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.device import DEVICE_ENV, set_threads
from scalingcheck.simulate.runs.device_rates import DeviceRate, write_rates
from scalingcheck.simulate.runs.spec import batch_limit, run_points
from scalingcheck.simulate.runs.sweep import Task, plan


def _largest_difference(a: dict, b: dict) -> tuple[str, float]:
    """The numeric field where two records differ most (relative difference), skipping timings."""
    worst, name = 0.0, "-"
    for key, x in a.items():
        y = b.get(key)
        if key in ("seconds", "device", "key", "batch") or isinstance(x, bool) or not isinstance(x, (int, float)):
            continue
        if not isinstance(y, (int, float)) or not (math.isfinite(x) and math.isfinite(y)):
            continue
        diff = abs(x - y) / max(abs(x), abs(y), 1e-12)
        if diff > worst:
            worst, name = diff, key
    return name, worst


def gpu_tasks(suite: str, budget: float, kinds: list[str] | None) -> dict[str, Task | None]:
    """Per kind, the task to measure (see the module's text); None where the kind's cheapest run is over the
    budget. The kinds that cost the suite most come first (what a deadline leaves out matters least). Plans
    as ``SCALINGCHECK_DEVICE`` says (``main`` sets it to 'cuda')."""
    points = distinct_runs(pt for claim in get_suite(suite) for pt in claim.runs())
    chosen: dict[str, Task] = {}
    largest: dict[str, Task] = {}
    totals: dict[str, float] = {}
    for task in plan(list(points.values()), cuda=True):  # most expensive first
        kind = task.spec.kind
        totals[kind] = totals.get(kind, 0.0) + task.cost()
        if not hasattr(task.spec, "device") or (kinds and kind not in kinds):
            continue
        if kind not in largest or len(task.points) > len(largest[kind].points):
            largest[kind] = task
        best = chosen.get(kind)
        if task.cost() <= budget and (best is None or len(task.points) > len(best.points)):
            chosen[kind] = task
    for kind, task in largest.items():
        if kind not in chosen:  # the cheapest runs of the largest batch, as many as the budget allows
            cheap = sorted(task.points, key=lambda point: point[0].cost())
            total, cut = 0.0, []
            for point in cheap:
                if cut and total + point[0].cost() > budget:
                    break
                cut.append(point)
                total += point[0].cost()
            chosen[kind] = Task(tuple(cut)) if total <= budget else None
    return {kind: chosen[kind] for kind in sorted(chosen, key=lambda k: -totals[k])}


def cpu_sample(points: list, limit: int, budget: float) -> list[int]:
    """Indices of at most `limit` of `points` (ordered by cost), drawn evenly, of total estimated cost at most
    `budget`: the CPU's batch; empty when even the cheapest run is over the budget."""
    for n in range(min(limit, len(points)), 0, -1):
        picked = [int(i * len(points) / n) for i in range(n)] if n > 1 else [0]
        if sum(points[i][0].cost() for i in picked) <= budget:
            return picked
    return []


def measure(task: Task, cpu_budget: float, device: str, name: str, today: str,
            note: str) -> tuple[list[DeviceRate], str]:
    """Time `task` on `device` against a CPU-sized sample of it on the CPU (see the module's text): the rates at
    two batch sizes, the sample's (both devices on the same runs) and the task's (compared per second of
    estimated cost), and the line of the table; no rate and a line saying why where even one run is over
    `cpu_budget`. `device` is "cuda" here ("cpu" in the test of this script)."""
    points = sorted(task.points, key=lambda point: point[0].cost())
    picked = cpu_sample(points, batch_limit(points[0][0], "cpu"), cpu_budget)
    if not picked:
        return [], f"skipped: one run costs {points[0][0].cost():.0f} s on one core, over --cpu-budget"
    on_cpu = [points[i] for i in picked]
    cpu_points = [(s.replace(device="cpu"), seed) for s, seed in on_cpu]
    device_points = [(s.replace(device=device), seed) for s, seed in points]
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)

    def timed(batch):
        sync()
        start = time.perf_counter()
        records = run_points(batch)
        sync()
        return records, time.perf_counter() - start

    run_points(device_points[:1])  # warm-up: kernels, cuBLAS/cuSOLVER handles
    a, t_cpu = timed(cpu_points)
    _, t_sample = timed([device_points[i] for i in picked])
    b, t_device = timed(device_points)
    cost_cpu = sum(s.cost() for s, _ in on_cpu)
    cost_device = sum(s.cost() for s, _ in points)
    speedup = (t_cpu / cost_cpu) / (t_device / cost_device)
    field, diff = max((_largest_difference(x, b[i]) for x, i in zip(a, picked)), key=lambda nd: nd[1])
    line = (f"{len(on_cpu):>8} {t_cpu:>8.2f} {t_sample:>8.2f} {len(points):>8} {t_device:>8.2f} "
            f"{t_cpu / t_sample:>8.2f}x {speedup:>8.2f}x  {field} {diff:.2g}")
    kind = task.spec.kind
    rates = [DeviceRate(kind, len(on_cpu), t_cpu / t_sample, name, today, t_cpu, t_sample,
                        f"{note}: the same {len(on_cpu)} runs (cost {cost_cpu:.0f} s) on both")]
    if len(points) > len(on_cpu):
        rates.append(DeviceRate(kind, len(points), speedup, name, today, t_cpu, t_device,
                                f"{note}: CPU {len(on_cpu)} runs (cost {cost_cpu:.0f} s), GPU {len(points)} runs "
                                f"(cost {cost_device:.0f} s), per second of cost"))
    return rates, line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="largest estimated cost (seconds on one CPU thread) of the task measured per kind")
    parser.add_argument("--cpu-budget", type=float, default=30.0,
                        help="largest estimated cost (seconds on one CPU thread) of the CPU batch measured per kind")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1, as a suite worker)")
    parser.add_argument("--kinds", nargs="*", help="only these kinds")
    parser.add_argument("--write", help="write the measured rates to this JSON file (SCALINGCHECK_DEVICE_RATES)")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("device_kinds: CUDA is not available here; this benchmark compares CPU and CUDA")
    os.environ[DEVICE_ENV] = "cuda"  # plan the batches a GPU forms, whatever the measured rates say
    set_threads(args.threads)
    tasks = gpu_tasks(args.suite, args.budget, args.kinds)
    torch.zeros(1, device="cuda").sum().item()  # CUDA context before any timing
    name = torch.cuda.get_device_name(0)
    today = datetime.date.today().isoformat()
    print(f"suite {args.suite}: {name}, torch {torch.__version__}; CPU on {args.threads} thread(s); {today}")
    print(f"{'kind':22} {'cpu runs':>8} {'cpu s':>8} {'same gpu':>8} {'gpu runs':>8} {'gpu s':>8} "
          f"{'same':>9} {'batch':>9}  largest record difference")
    rows = []
    for kind, task in tasks.items():  # the kinds that cost the suite most first
        if task is None:
            print(f"{kind:22} skipped: its cheapest run costs more than --budget {args.budget:g} s", flush=True)
            continue
        rates, line = measure(task, args.cpu_budget, "cuda", name, today,
                              f"suite {args.suite}, {args.threads} CPU thread(s)")
        print(f"{kind:22} {line}", flush=True)
        rows += rates
        if args.write and rates:  # after each kind: a deadline that stops the script keeps what was measured
            write_rates(args.write, rows)
    if args.write:
        print(f"rates written to {args.write}: SCALINGCHECK_DEVICE_RATES={args.write} makes 'auto' use them")


if __name__ == "__main__":
    main()
