"""Training throughput: E networks trained as one batched model (scalingcheck.simulate.learners.training.train_ensemble)
against the per-model loop (E calls of train_one), same work, same process.

Every model runs exactly --steps SGD steps (the loss threshold is set unreachably low), so both
paths do the same arithmetic; the script checks that they end at the same training losses. A second
table compares the two ways of evaluating a stacked ensemble (forward + backward): the native
batched matmuls of Network.apply on stacked parameters (what train_ensemble uses) and torch.func.vmap(net.apply).
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from scalingcheck.simulate.runs.device import set_threads
from scalingcheck.simulate.networks import HierarchicalCNN
from scalingcheck.simulate.learners.training import TrainConfig, train_ensemble, train_one
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


def random_task(e: int, p: int, v: int, d: int, n_c: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    x = F.one_hot(torch.randint(v, (e, p, d), generator=g), v).transpose(-1, -2).float()
    return x, torch.randint(n_c, (e, p), generator=g)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--v", type=int, default=8)
    parser.add_argument("--n-c", type=int, default=8)
    parser.add_argument("--s", type=int, default=2)
    parser.add_argument("--L", type=int, default=3)
    parser.add_argument("--widths", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--ensemble", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_threads(args.threads)
    e = args.ensemble
    seeds = list(range(e))
    print(f"CNN v={args.v} n_c={args.n_c} s={args.s} L={args.L}, E={e}, batch={args.batch_size}, "
          f"{args.steps} SGD steps per model, threads={args.threads}")
    print(f"{'H':>5} {'P':>6} | {'loop (model-steps/s)':>21} {'batched':>9} {'ratio':>7} | max |dloss|")
    for h in args.widths:
        net = HierarchicalCNN(args.v, args.n_c, args.s, args.L, h)
        for p in args.sizes:
            xs, ys = random_task(e, p, args.v, net.d, args.n_c, 0)
            cfg = TrainConfig(lr=0.3, batch_size=args.batch_size, max_steps=args.steps, loss_threshold=1e-12)
            stacked = net.init_ensemble(seeds)
            singles = [net.init(s) for s in seeds]
            out = {}

            def loop():
                out["loop"] = [train_one(net, singles[i], xs[i], ys[i], seed=s, config=cfg)[1] for i, s in enumerate(seeds)]

            def batched():
                out["batched"] = train_ensemble(net, stacked, xs, ys, seeds=seeds, config=cfg)[1]

            times = best_of_alternating({"loop": loop, "batch": batched}, args.repeat)
            t_loop, t_batch = times["loop"], times["batch"]
            diff = max(abs(a.train_loss - b.train_loss) for a, b in zip(out["loop"], out["batched"]))
            rate = e * args.steps
            print(f"{h:>5} {p:>6} | {rate / t_loop:>21.0f} {rate / t_batch:>9.0f} {t_loop / t_batch:>6.2f}x | {diff:.1e}")

    print("\nforward+backward of the stacked ensemble on one mini-batch per model: native bmm vs torch.func.vmap")
    print(f"{'H':>5} | {'vmap (ms)':>10} {'native (ms)':>12} {'ratio':>7}")
    for h in args.widths:
        net = HierarchicalCNN(args.v, args.n_c, args.s, args.L, h)
        xs, ys = random_task(e, args.batch_size, args.v, net.d, args.n_c, 1)
        params = {k: t.requires_grad_(True) for k, t in net.init_ensemble(seeds).items()}
        vapply = torch.func.vmap(net.apply)

        def step(fn):
            loss = F.cross_entropy(fn(params, xs).reshape(-1, args.n_c), ys.reshape(-1))
            torch.autograd.grad(loss, list(params.values()))

        n = 50
        times = best_of_alternating({"vmap": lambda: step(vapply), "native": lambda: step(net.apply)}, args.repeat, n)
        t_v, t_n = times["vmap"], times["native"]
        print(f"{h:>5} | {t_v * 1e3:>10.2f} {t_n * 1e3:>12.2f} {t_v / t_n:>6.2f}x")


if __name__ == "__main__":
    main()
