"""The compression ratio lambda along the flow: its end value and its peak over time, against P.

The claim ``compression_stripe_d2`` fits lambda at the end of training
(lambda ~ sqrt(P), arXiv:2007.11471) and is inconclusive at width 64: lambda
is not monotone in time. This script reads the traces the runs record
(``compression_trace``: lambda at t = 0 and each time t passes a power of 2)
and fits log lambda against log P, for the end value and for the peak over
time, with bootstrap-over-seeds 95% intervals. The peak is chosen after the
runs: the result is exploratory, not a claim verdict::

    python findings/compression_peak.py --store scalingcheck-out/store.sqlite
"""
from __future__ import annotations

import numpy as np

from _common import arguments, bootstrap, claim_table

CLAIMS = ("compression_stripe_d2", "net_feature_stripe_d3", "net_feature_cylinder_d3")


def slope(xs: np.ndarray, table: np.ndarray) -> float:
    return float(np.polyfit(np.log(xs), np.log(np.nanmean(table, axis=1)), 1)[0])


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    for claim in CLAIMS:
        feature = lambda spec: spec.alpha < 1 and not spec.frozen_kernels  # noqa: E731 - the feature-regime runs
        for name, pick in (("end", lambda r: r["compression"]),
                           ("peak", lambda r: max(v for _, v in r["compression_trace"]))):
            xs, table = claim_table(args.store, args.suite, claim, "p", pick, where=feature)
            low, high = np.percentile(bootstrap(table, lambda t: slope(xs, t), args.boot), [2.5, 97.5])
            means = ", ".join(f"{v:.1f}" for v in np.nanmean(table, axis=1))
            print(f"{claim} {name:>4}: lambda ~ P^{slope(xs, table):.3f} [{low:.3f}, {high:.3f}] "
                  f"(P = {', '.join(f'{x:g}' for x in xs)}; mean lambda {means}; {table.shape[1]} seeds)")


if __name__ == "__main__":
    main()
