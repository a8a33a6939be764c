"""Gradient-flow throughput: E alpha-trick networks integrated as one batched model
(scalingcheck.simulate.learners.gradient_flow.train_flow_ensemble) against the per-model loop (E calls of train_flow),
at the sizes of the feature/lazy claims, in the same process.

Each model runs until its margins are met (as in the claims) with the claims' integrator
(scalingcheck.compare.studies.feature_lazy.claims.flow); the script checks that both paths end with the same step
counts, and prints wall times and their ratio. In the batched path a model that has met its
margins leaves the batch, so the ensemble runs as long as its slowest member.
"""
from __future__ import annotations

import argparse
import time

import torch

from scalingcheck.compare.studies.feature_lazy.claims import SCALES, flow
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.runs.device import set_threads
from scalingcheck.simulate.experiments.feature_lazy import AlphaTrainingSpec
from scalingcheck.simulate.learners.gradient_flow import train_flow, train_flow_ensemble
from scalingcheck.simulate.networks import TwoLayerReLU, stack_params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--d", type=int, default=2)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--sizes", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--alphas", type=float, nargs="+", default=[1e-2, 1e4])
    parser.add_argument("--ensemble", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    set_threads(args.threads)
    base = flow(SCALES["quick"])
    print(f"E={args.ensemble} models, d={args.d}, {args.threads} threads, float64; flow: tau={base.tau}, "
          f"max_dgrad={base.max_dgrad}, max_steps={base.max_steps}")
    print(f"{'alpha':>7} {'width':>6} {'p':>6} {'loop s':>9} {'batched s':>10} {'ratio':>7} {'steps (min..max)':>18}")
    for alpha in args.alphas:
        cfg = AlphaTrainingSpec(Stripe(d=args.d), p=2, alpha=alpha, flow=base).scaled_flow()  # as the claims' runs
        for width in args.widths:
            for p in args.sizes:
                net = TwoLayerReLU(d=args.d, width=width)
                data = [Stripe(d=args.d).sample(p, s, stream=0) for s in range(args.ensemble)]
                inits = [net.init(s, dtype=torch.float64) for s in range(args.ensemble)]
                t = time.perf_counter()
                loop = [train_flow(net, inits[s], *data[s], alpha, cfg)[1] for s in range(args.ensemble)]
                t_loop = time.perf_counter() - t
                t = time.perf_counter()
                _, batched = train_flow_ensemble(net, stack_params(inits), torch.stack([x for x, _ in data]),
                                                 torch.stack([y for _, y in data]), alpha, cfg)
                t_batch = time.perf_counter() - t
                same = [a.steps for a in loop] == [b.steps for b in batched]
                steps = [a.steps for a in loop]
                print(f"{alpha:>7g} {width:>6} {p:>6} {t_loop:>9.2f} {t_batch:>10.2f} {t_loop / t_batch:>6.2f}x "
                      f"{min(steps):>8}..{max(steps):<8}{'' if same else '  (step counts differ!)'}")


if __name__ == "__main__":
    main()
