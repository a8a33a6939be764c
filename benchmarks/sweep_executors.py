"""One sweep run in-process (all cores as torch threads) and in worker processes (one thread each), same process.

Prints the speed-up of ProcessExecutor over in-process execution, worker start-up included.
"""
from __future__ import annotations

import argparse
import os
import time

from scalingcheck.simulate.data.depleted_stripe import DepletedStripe
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.runs.device import set_threads
from scalingcheck.simulate.learners.kernels import Laplace
from scalingcheck.simulate.experiments.kernel_methods import KernelRegressionSpec
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.experiments.kernel_methods import KernelSVCSpec
from scalingcheck.simulate.runs.sweep import ProcessExecutor, SerialExecutor, Sweep, execute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    sweeps = {
        "SVC, stripe d=2, p=2048..8192": Sweep.over(
            KernelSVCSpec(Stripe(2), Laplace(10.0), p=2048), seeds=range(args.seeds), p=[2048, 4096, 8192]),
        "ridgeless KRR, depleted stripe d=2, p=1024..4096": Sweep.over(
            KernelRegressionSpec(DepletedStripe(2, 0.0), Laplace(1.0), p=1024), seeds=range(args.seeds), p=[1024, 2048, 4096]),
    }
    for name, sweep in sweeps.items():
        set_threads(cores)
        t = time.perf_counter()
        serial = execute(sweep, MemoryStore(), executor=SerialExecutor(), progress=False)
        t_serial = time.perf_counter() - t
        t = time.perf_counter()
        pooled = execute(sweep, MemoryStore(), executor=ProcessExecutor(workers=args.workers, threads=1), progress=False)
        t_pool = time.perf_counter() - t
        key = "test_error" if "test_error" in serial.records[0] else "mse"
        same = max(abs(a[key] - b[key]) for a, b in zip(serial.records, pooled.records))
        print(f"{name}: {len(sweep)} runs, max |difference| of records {same:.1e}")
        print(f"  in-process, {cores} threads      : {t_serial:6.2f} s (baseline)")
        print(f"  {args.workers} worker processes x 1 thread: {t_pool:6.2f} s  speed-up {t_serial / t_pool:.2f}x")


if __name__ == "__main__":
    main()
