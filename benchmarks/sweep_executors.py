"""One SVC sweep run in-process and in worker processes: the speed-up of ProcessExecutor (same process, same sweep)."""
from __future__ import annotations

import argparse
import os
import time

from simulate.data.stripe import Stripe
from simulate.device import set_threads
from simulate.kernels import Laplace
from simulate.store import MemoryStore
from simulate.svc import KernelSVCSpec
from simulate.sweep import ProcessExecutor, SerialExecutor, Sweep, execute


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    sweep = Sweep.over(KernelSVCSpec(Stripe(2), Laplace(10.0), p=256, n_test=10000), seeds=range(args.seeds), p=[512, 1024, 2048])
    set_threads(1)
    t = time.perf_counter()
    serial = execute(sweep, MemoryStore(), executor=SerialExecutor(), progress=False)
    t_serial = time.perf_counter() - t
    t = time.perf_counter()
    pooled = execute(sweep, MemoryStore(), executor=ProcessExecutor(workers=args.workers, threads=1), progress=False)
    t_pool = time.perf_counter() - t
    same = [r["test_error"] for r in serial.records] == [r["test_error"] for r in pooled.records]
    print(f"{len(sweep)} SVC runs (p up to 2048): identical records: {same}")
    print(f"  in-process, 1 thread      : {t_serial:6.2f} s (baseline)")
    print(f"  {args.workers} worker processes x 1 : {t_pool:6.2f} s  speed-up {t_serial / t_pool:.2f}x (includes worker start-up)")


if __name__ == "__main__":
    main()
