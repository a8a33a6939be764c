"""Each run kind of a suite on the CPU and on CUDA, in the same process: which kinds gain from a GPU.

For every kind whose specs have a ``device`` field, the script takes one task of the suite (the
largest whose estimated cost stays under ``--budget`` seconds), runs it with ``device='cpu'`` on
``--threads`` threads (what one worker of ``scalingcheck run`` uses) and with ``device='cuda'``
(after a warm-up run that pays CUDA's start-up), and prints the wall times, their ratio and the
largest difference between the two records' numbers. The suite's workers use one thread each, so
the CPU column is the time one core takes; a GPU gains only where it beats that by more than the
cores it displaces.

    python benchmarks/device_kinds.py --suite quick --budget 20
"""
from __future__ import annotations

import argparse
import math
import time

import torch

from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.device import set_threads
from scalingcheck.simulate.runs.spec import run_batch
from scalingcheck.simulate.runs.sweep import plan


def _largest_difference(a: dict, b: dict) -> tuple[str, float]:
    """The numeric field where two records differ most (relative difference), skipping timings."""
    worst, name = 0.0, "-"
    for key, x in a.items():
        y = b.get(key)
        if key in ("seconds", "device", "key") or isinstance(x, bool) or not isinstance(x, (int, float)):
            continue
        if not isinstance(y, (int, float)) or not (math.isfinite(x) and math.isfinite(y)):
            continue
        diff = abs(x - y) / max(abs(x), abs(y), 1e-12)
        if diff > worst:
            worst, name = diff, key
    return name, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--suite", default="quick")
    parser.add_argument("--budget", type=float, default=20.0, help="largest estimated CPU seconds of one task")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1, as a suite worker)")
    parser.add_argument("--kinds", nargs="*", help="only these kinds")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("device_kinds: CUDA is not available here; this benchmark compares CPU and CUDA")
    set_threads(args.threads)
    points = [pt for claim in get_suite(args.suite) for pt in claim.runs()]
    chosen: dict[str, tuple] = {}
    for spec, seeds in plan(points):  # most expensive first
        if not hasattr(spec, "device") or spec.kind in chosen:
            continue
        if args.kinds and spec.kind not in args.kinds:
            continue
        if spec.cost() * len(seeds) <= args.budget:
            chosen[spec.kind] = (spec, seeds)
    torch.zeros(1, device="cuda").sum().item()  # CUDA context before any timing
    print(f"suite {args.suite}: {torch.cuda.get_device_name(0)}; CPU on {args.threads} thread(s)")
    print(f"{'kind':22} {'seeds':>5} {'cpu s':>8} {'cuda s':>8} {'cpu/cuda':>9}  largest record difference")
    for kind, (spec, seeds) in chosen.items():
        cpu, gpu = spec.replace(device="cpu"), spec.replace(device="cuda")
        run_batch(gpu, list(seeds[:1]))  # warm-up: kernels, cuBLAS/cuSOLVER handles
        t = time.perf_counter()
        a = run_batch(cpu, list(seeds))
        t_cpu = time.perf_counter() - t
        t = time.perf_counter()
        b = run_batch(gpu, list(seeds))
        torch.cuda.synchronize()
        t_gpu = time.perf_counter() - t
        name, diff = max((_largest_difference(x, y) for x, y in zip(a, b)), key=lambda nd: nd[1])
        print(f"{kind:22} {len(seeds):>5} {t_cpu:>8.2f} {t_gpu:>8.2f} {t_cpu / t_gpu:>8.2f}x  {name} {diff:.2g}",
              flush=True)


if __name__ == "__main__":
    main()
