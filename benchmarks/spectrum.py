"""Nystrom spectrum of the spectral-bias claims: kernel_spectrum (eigenvalues and target projections without the
eigenvectors, simulate.learners.spectrum.projected_spectrum) against a full torch.linalg.eigh with eigenvectors
followed by the projection, on the same Gram matrix, in the same process, on the CPU.

The default n = 8192 is the quick suite's spectrum size (compare.studies.kernel_methods: spectrum_n); the
full suite uses 16384. Prints both wall times, their ratio and the largest differences of the eigenvalues
(relative to the largest) and of the squared coefficients.
"""
from __future__ import annotations

import argparse
import time

import torch

from scalingcheck.compare.studies.kernel_methods import KRR_KERNEL
from scalingcheck.simulate.data import DepletedStripe
from scalingcheck.simulate.learners.spectrum import kernel_spectrum
from scalingcheck.simulate.runs.device import set_threads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=8192)
    parser.add_argument("--d", type=int, default=1)
    parser.add_argument("--chi", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1, help="1: as a suite worker runs it")
    args = parser.parse_args()
    set_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    except ImportError:  # pragma: no cover
        pass
    data, n = DepletedStripe(d=args.d, chi=args.chi), args.n
    t = time.perf_counter()
    evals, coef = kernel_spectrum(data, KRR_KERNEL, n, 0, device="cpu")
    t_new = time.perf_counter() - t
    t = time.perf_counter()
    x, y = data.sample(n, 0, stream=0, device="cpu", dtype=torch.float64)
    gram = KRR_KERNEL(x).to(torch.float64)
    gram = 0.5 * (gram + gram.T) / n  # the whole-matrix expression that `symmetrised` computes by blocks
    ref_evals, vecs = torch.linalg.eigh(gram)
    ref_coef = ((vecs.T @ y) / n**0.5).abs().flip(0)
    ref_evals = ref_evals.flip(0).clamp_min(0.0)
    t_ref = time.perf_counter() - t
    print(f"n={n}, DepletedStripe(d={args.d}, chi={args.chi}), {KRR_KERNEL}, {args.threads} thread(s), float64")
    print(f"kernel_spectrum (dsytrd + dstemr, no eigenvectors): {t_new:8.1f} s")
    print(f"torch.linalg.eigh with eigenvectors + projection:   {t_ref:8.1f} s   ratio {t_ref / t_new:.2f}x")
    print(f"max |eta - eta_ref| / eta_max = {float((evals - ref_evals).abs().max() / ref_evals[0]):.1e}; "
          f"max |c^2 - c_ref^2| = {float((coef**2 - ref_coef**2).abs().max()):.1e}")


if __name__ == "__main__":
    main()
