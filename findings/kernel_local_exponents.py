"""Local learning-curve exponents of the kernel claims, P to 2P, with bootstrap-over-seeds errors.

The three kernel exponents that agree only through the tolerance (SVC Laplace
d = 4, SVC cusp xi = 0.5 d = 2, KRR d = 1 chi = 1) are fitted over a window
of P; a fit steeper than predicted is pre-asymptotic if the local exponents
fall toward the prediction as P grows, and a real excess if they do not.
Reads the store of a suite's run; computes nothing new; a claim that is not
in the suite (the full suite has no SVC Laplace d = 4) or has no stored run
is skipped with a note::

    python findings/kernel_local_exponents.py --store scalingcheck-out/store.sqlite
    python findings/kernel_local_exponents.py --suite full --store full-out/store.sqlite
"""
from __future__ import annotations

import numpy as np

from _common import arguments, bootstrap, claim_table

CLAIMS = (  # claim, observable, predicted exponent (THEORY.md section 1)
    ("svc_laplace_stripe_d2", "test_error", 2 / 4),
    ("svc_laplace_stripe_d4", "test_error", 4 / 10),
    ("svc_cusp0.5_stripe_d2", "test_error", 1.5 / 3.5),
    ("krr_depleted_d1_chi1", "mse", 1.0),
)


def local_exponents(xs: np.ndarray, table: np.ndarray) -> np.ndarray:
    mean = np.nanmean(table, axis=1)
    return -np.diff(np.log(mean)) / np.diff(np.log(xs))


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    for claim, observable, predicted in CLAIMS:
        if args.claim and claim not in args.claim:
            continue
        try:
            xs, table = claim_table(args.store, args.suite, claim, "p", lambda r, o=observable: r[o])
        except SystemExit as exc:  # not in the suite, or none of its runs stored
            print(f"{claim}: skipped ({exc})")
            continue
        value = local_exponents(xs, table)
        se = bootstrap(table, lambda t: local_exponents(xs, t), args.boot).std(axis=0)
        print(f"{claim}: predicted {predicted:.3f}, {table.shape[1]} seeds")
        for i in range(len(value)):
            print(f"  P {xs[i]:>6g} -> {xs[i + 1]:<6g} local exponent {value[i]:.3f} +- {se[i]:.3f}")


if __name__ == "__main__":
    main()
