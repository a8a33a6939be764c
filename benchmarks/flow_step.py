"""One alpha-trick gradient-flow gradient (loss, outputs and parameter gradients of E stacked networks): the explicit
backward pass the flow uses (TwoLayerReLU.output_and_vjp and the loss's chain rule) against torch.autograd.grad
through the same forward pass, the code the flow ran before. Same process, the two timed in alternation (best of
--repeat), at the quick suite's sizes (stripe d = 2, width 64, float64). The two give the same numbers to the last
bit, which the script checks.
"""
from __future__ import annotations

import argparse

import torch

from scalingcheck.compare.studies.feature_lazy.claims import SCALES, flow
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.learners.gradient_flow import _loss_and_grad, _loss_and_grad_autograd
from scalingcheck.simulate.networks import TwoLayerReLU, stack_params
from scalingcheck.simulate.runs.allocator import keep_freed_memory
from scalingcheck.simulate.runs.device import set_threads
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--p", type=int, default=512)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--ensembles", type=int, nargs="+", default=[1, 6, 12])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="1: as a suite worker runs it")
    args = parser.parse_args()
    set_threads(args.threads)
    keep_freed_memory()  # as in the suite's workers
    config = flow(SCALES["quick"])
    net = TwoLayerReLU(d=2, width=args.width)
    print(f"p={args.p}, width={args.width}, d=2, float64, {args.threads} thread(s), loss {config.loss}; "
          f"ms per gradient, best of {args.repeat} x {args.calls} calls")
    print(f"{'E':>4} {'autograd':>10} {'explicit':>10} {'ratio':>7}  same bits")
    for e in args.ensembles:
        data = [Stripe(d=2).sample(args.p, s, stream=0, dtype=torch.float64) for s in range(e)]
        x, y = torch.stack([a for a, _ in data]), torch.stack([b for _, b in data])
        params = stack_params([net.init(s, dtype=torch.float64) for s in range(e)])
        f0 = net.apply(stack_params([net.init(s + 100, dtype=torch.float64) for s in range(e)]), x)
        alpha = torch.full((e,), 1e4, dtype=torch.float64)
        paths = {"autograd": _loss_and_grad_autograd, "explicit": _loss_and_grad}
        calls = {name: (lambda fn=fn: fn(net, params, x, y, f0, alpha, config)) for name, fn in paths.items()}
        best = {name: t * 1e3 for name, t in best_of_alternating(calls, args.repeat, args.calls).items()}
        a, b = (fn(net, params, x, y, f0, alpha, config) for fn in paths.values())
        same = torch.equal(a[0], b[0]) and torch.equal(a[1], b[1]) and all(torch.equal(a[2][k], b[2][k]) for k in a[2])
        print(f"{e:>4} {best['autograd']:>10.2f} {best['explicit']:>10.2f} {best['autograd'] / best['explicit']:>6.2f}x  "
              f"{'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
