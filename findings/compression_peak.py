"""The compression ratio lambda along the flow: its end value and its peak over time, against P.

The claim ``compression_stripe_d2`` fits lambda at the end of training
(lambda ~ sqrt(P), arXiv:2007.11471) and is inconclusive at width 64: lambda
is not monotone in time. This script reads the traces the runs record
(``compression_trace``: lambda at t = 0 and each time t passes a power of 2)
and fits log lambda against log P, for the end value and for the peak over
time, with the claims' own estimator (PowerLawFit over the claim's window, 95%
interval from the seed bootstrap). The peak is chosen after the runs: the
result is exploratory, not a claim verdict::

    python findings/compression_peak.py --store scalingcheck-out/store.sqlite
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from _common import arguments, claim_table
from scalingcheck import PowerLawFit

CLAIMS = ("compression_stripe_d2", "net_feature_stripe_d3", "net_feature_cylinder_d3")


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    for claim in args.claim or CLAIMS:
        feature = lambda spec: spec.alpha < 1 and not spec.frozen_kernels  # noqa: E731 - the feature-regime runs
        for name, pick in (("end", lambda r: r["compression"]),
                           ("peak", lambda r: max(v for _, v in r["compression_trace"]))):
            xs, table = claim_table(args.store, args.suite, claim, "p", pick, where=feature)
            rows = pd.DataFrame([{"p": x, "seed": j, "compression": v} for i, x in enumerate(xs)
                                 for j, v in enumerate(table[i]) if np.isfinite(v)])
            fit = PowerLawFit(y="compression", exponent="growth", window=(xs.min(), xs.max()), n_boot=args.boot).fit(rows)
            means = ", ".join(f"{v:.1f}" for v in np.nanmean(table, axis=1))
            print(f"{claim} {name:>4}: lambda ~ P^{fit.value:.3f} [{fit.low:.3f}, {fit.high:.3f}] "
                  f"(P = {', '.join(f'{x:g}' for x in xs)}; mean lambda {means}; {table.shape[1]} seeds)")


if __name__ == "__main__":
    main()
