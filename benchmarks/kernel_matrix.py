"""Laplace Gram matrix: scalingcheck.simulate.learners.kernels (torch) against scipy cdist + numpy exp, same data, same process."""
from __future__ import annotations

import argparse

import numpy as np
import torch
from scipy.spatial.distance import cdist

from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.runs.device import set_threads
from scalingcheck.simulate.learners.kernels import Laplace
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--p", type=int, default=4096)
    parser.add_argument("--d", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_threads(args.threads)
    x, _ = Stripe(args.d).sample(args.p, seed=0)
    xn = x.numpy()
    kernel = Laplace(sigma=10.0)
    k_torch = kernel(x).numpy()
    k_ref = np.exp(-cdist(xn, xn) / 10.0)
    err = np.abs(k_torch - k_ref).max()
    times = best_of_alternating({"ref": lambda: np.exp(-cdist(xn, xn) / 10.0), "torch": lambda: kernel(x)}, args.repeat)
    t_ref, t_torch = times["ref"], times["torch"]
    print(f"Laplace Gram p={args.p} d={args.d} threads={args.threads}: max |diff| = {err:.1e}")
    print(f"  scipy cdist + exp : {t_ref * 1e3:8.1f} ms (baseline)")
    print(f"  simulate.kernels  : {t_torch * 1e3:8.1f} ms  ratio {t_ref / t_torch:.2f}x")


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
