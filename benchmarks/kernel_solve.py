"""Kernel solves against their bare baselines, same Gram matrix, same process, float64.

* KRR: ``krr_coefficients`` (input checks, ridge, Cholesky with an LU fallback) against a bare
  ``scipy.linalg.cho_factor`` + ``cho_solve`` of the same matrix;
* SVC: ``fit_svc`` (checks, conversion from torch) against scikit-learn's own
  ``SVC(kernel="precomputed").fit`` on the same numpy array.

Sizes are those of the claims (KRR up to P = 4096, SVC up to 8192 in the quick
suite): a Laplace Gram matrix of the stripe model in d = 2.
"""
from __future__ import annotations

import argparse

import numpy as np
import scipy.linalg
import torch
from sklearn.svm import SVC

from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.learners.kernels import Laplace
from scalingcheck.simulate.learners.krr import krr_coefficients
from scalingcheck.simulate.learners.svc import fit_svc
from scalingcheck.simulate.runs.device import set_threads
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--krr-ps", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--svc-ps", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)  # scipy's LAPACK and scikit-learn with the same share of the cores
    except ImportError:  # pragma: no cover
        pass
    kernel = Laplace(sigma=10.0)
    print(f"threads={args.threads}, Laplace(sigma=10) Gram matrices of the stripe model, d=2, float64")
    for p in args.krr_ps:
        x, y = Stripe(d=2).sample(p, seed=0, device="cpu", dtype=torch.float64)
        k = kernel(x, x)
        k_np, y_np = k.numpy().copy(), y.numpy().astype(np.float64)
        ours = krr_coefficients(k, y, ridge=0.0)
        bare = scipy.linalg.cho_solve(scipy.linalg.cho_factor(k_np, lower=True), y_np)
        assert np.allclose(ours.numpy(), bare, rtol=1e-6, atol=1e-8 * np.abs(bare).max())
        times = best_of_alternating({
            "ours": lambda: krr_coefficients(k, y, ridge=0.0),
            "bare": lambda: scipy.linalg.cho_solve(scipy.linalg.cho_factor(k_np, lower=True), y_np),
        }, args.repeat)
        t_ours, t_bare = times["ours"], times["bare"]
        print(f"  KRR  P={p:5d}: ours {t_ours:7.3f} s, bare Cholesky {t_bare:7.3f} s: ours/bare {t_ours / t_bare:5.2f}")
    for p in args.svc_ps:
        x, y = Stripe(d=2).sample(p, seed=1, device="cpu", dtype=torch.float64)
        k = kernel(x, x)
        k_np, y_np = np.ascontiguousarray(k.numpy()), y.numpy().astype(np.int64)
        assert (fit_svc(k, y, C=1e6).dual_coef_ == SVC(kernel="precomputed", C=1e6).fit(k_np, y_np).dual_coef_).all()
        times = best_of_alternating({
            "ours": lambda: fit_svc(k, y, C=1e6),
            "bare": lambda: SVC(kernel="precomputed", C=1e6).fit(k_np, y_np),
        }, args.repeat)
        t_ours, t_bare = times["ours"], times["bare"]
        print(f"  SVC  P={p:5d}: ours {t_ours:7.3f} s, scikit-learn fit {t_bare:7.3f} s: ours/bare {t_ours / t_bare:5.2f}")


if __name__ == "__main__":
    main()
