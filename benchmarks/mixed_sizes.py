"""RHM learning of several specs of one sweep (same network, different P): each spec's seeds as its own batched
model, as the sweeps run them today, against all of them as one batched model with per-network training-set sizes
(train_ensemble(sizes=...)), in the same process, the two alternated. Each network's result is the same either
way (tests/simulate/test_training.py); the script checks the step counts.

Default: the quick suite's P*(P) sweep of the CNN at m = 4 (v = 8, n_c = 4, s = 2, L = 3), its four largest P
below the top one, four seeds each, one thread as a suite worker.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.learners.training import train_ensemble
from scalingcheck.simulate.runs.allocator import keep_freed_memory
from scalingcheck.simulate.runs.device import set_threads
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--m", type=int, default=4)
    parser.add_argument("--specs", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_threads(args.threads)
    keep_freed_memory()
    specs = {}
    for claim in get_suite("quick"):
        for spec, _ in claim.runs():
            if (spec.kind == "rhm_learning" and spec.net.kind == "hierarchical_cnn" and (spec.s, spec.L, spec.n_c) == (2, 3, 4)
                    and spec.m == args.m):
                specs.setdefault(spec.p, spec)
    ps = sorted(specs)[-args.specs - 1:-1]
    seeds = list(range(args.seeds))
    data = {p: [specs[p]._data(s, torch.device("cpu")) for s in seeds] for p in ps}
    net, config = specs[ps[0]].network(), specs[ps[0]].train

    def stacked(rows, j):
        return torch.stack([r[j] for r in rows])

    def separate():
        steps = []
        for p in ps:
            _, results = train_ensemble(net, net.init_ensemble(seeds), stacked(data[p], 1), stacked(data[p], 2),
                                        seeds=seeds, config=config, x_test=stacked(data[p], 3),
                                        y_test=stacked(data[p], 4))
            steps += [r.steps for r in results]
        return steps

    def together():
        top = max(ps)
        rows = [d for p in ps for d in data[p]]
        xs = torch.stack([F.pad(d[1], (0, 0, 0, 0, 0, top - d[1].shape[0])) for d in rows])
        ys = torch.stack([F.pad(d[2], (0, top - d[2].shape[0])) for d in rows])
        _, results = train_ensemble(net, net.init_ensemble(seeds * len(ps)), xs, ys, seeds=seeds * len(ps),
                                    config=config, x_test=stacked(rows, 3), y_test=stacked(rows, 4),
                                    sizes=[p for p in ps for _ in seeds])
        return [r.steps for r in results]

    print(f"{net}, P = {ps}, {len(seeds)} seeds each, {args.threads} thread(s)")
    steps = {}
    jobs = {name: (lambda name=name, fn=fn: steps.__setitem__(name, fn()))
            for name, fn in (("separate", separate), ("together", together))}
    best = best_of_alternating(jobs, args.repeat)
    print(f"each spec its own batch of {len(seeds)}: {best['separate']:7.2f} s")
    print(f"one batch of {len(seeds) * len(ps)} (sizes):      {best['together']:7.2f} s   "
          f"ratio {best['separate'] / best['together']:.2f}x; same steps: {steps['separate'] == steps['together']}")


if __name__ == "__main__":
    main()
