"""RHM generator throughput: scalingcheck.simulate.data.rhm (vectorised torch) against a per-sample Python reference.

Both draw uniform members (a class and one production choice per internal
node) and expand them into input tokens; the reference does it one sample at
a time with Python lists, on fewer samples, and the per-sample rates are
compared in the same run. Also timed: the vectorised one-hot encoding, and
distinct samples through split() + tokens_from_indices().
"""
from __future__ import annotations

import argparse
import random
import time

import torch

from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.runs.device import set_threads


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def reference_sample(model: RandomHierarchyModel, n: int, seed: int) -> tuple[list[list[int]], list[int]]:
    """Plain per-sample generator: Python random and nested lists."""
    rules = model.rules
    tables = [rules.top.tolist()] + [t.tolist() for t in rules.lower]
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(n):
        c = rng.randrange(model.n_c)
        level = [c]
        for table in tables:
            nxt: list[int] = []
            for sym in level:
                nxt.extend(table[sym][rng.randrange(model.m)])
            level = nxt
        xs.append(level)
        ys.append(c)
    return xs, ys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--p", type=int, default=10**6)
    parser.add_argument("--p-ref", type=int, default=20000)
    parser.add_argument("--n-c", type=int, default=8)
    parser.add_argument("--v", type=int, default=32)
    parser.add_argument("--m", type=int, default=8)
    parser.add_argument("--s", type=int, default=2)
    parser.add_argument("--L", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_threads(args.threads)
    model = RandomHierarchyModel(args.n_c, args.v, args.m, args.s, args.L)
    d = model.input_dim
    model.rules  # build and cache the rules outside the timings
    xs, ys = reference_sample(model, 200, seed=0)
    assert model.decode(torch.tensor(xs)).tolist() == ys  # the reference obeys the same rules

    t_ref = best_of(lambda: reference_sample(model, args.p_ref, seed=0), args.repeat) / args.p_ref
    t_tok = best_of(lambda: model.sample(args.p, seed=0, device="cpu", one_hot=False), args.repeat) / args.p
    t_hot = best_of(lambda: model.sample(args.p, seed=0, device="cpu"), args.repeat) / args.p

    def distinct() -> None:
        train, _ = model.split(args.p, 0, seed=0)
        model.tokens_from_indices(train, device="cpu")

    t_split = best_of(distinct, args.repeat) / args.p
    t_dec = best_of(lambda: model.decode(model.sample(args.p, seed=1, device="cpu", one_hot=False)[0]), 1) / args.p

    print(
        f"RHM n_c={model.n_c} v={model.v} m={model.m} s={model.s} L={model.L}: d={d}, p_max={model.p_max}, "
        f"threads={args.threads}, P={args.p} (reference on {args.p_ref})"
    )
    rows = [
        ("per-sample Python reference", t_ref),
        ("sample, int tokens", t_tok),
        ("sample, one-hot float32", t_hot),
        ("split + tokens_from_indices", t_split),
        ("sample + decode (tokens)", t_dec),
    ]
    for name, t in rows:
        ratio = "(baseline)" if t is t_ref else f"ratio {t_ref / t:8.1f}x"
        print(f"  {name:30s}: {1 / t:12.3e} samples/s  {d / t:12.3e} symbols/s  {ratio}")


if __name__ == "__main__":
    main()
