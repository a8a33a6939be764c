"""The compression ratio lambda ~ sqrt(p) at the paper's width: the suite's claim at width 256 instead of 64.

At width 64 the quick suite's ``compression_stripe_d2`` is inconclusive: lambda at the end of the flow is
not monotone in time (it peaks, then falls while the flow fits the last points near the interface), so its
end value is noisy (p^0.13 [-0.25, 0.52]), while its peak follows p^0.49 (``findings/compression_peak.py``).
The full suite (and the paper's figures) use width 256. This file builds the suite's own feature-regime
claims on the stripe (d = 2), the learning curve and lambda, with the width changed and nothing else (flow,
alpha, p grid, seeds, window and tolerance imported from the study, fixed before these runs)::

    scalingcheck run findings/compression_width_claims.py --suite quick --out scalingcheck-out
"""
from __future__ import annotations

import dataclasses

from _common import WidthScale
from scalingcheck import Claim, Study, register_study
from scalingcheck.compare.studies.feature_lazy.claims import SCALES, feature_name, learning_curve_claims

SUITE = SCALES["quick"]


class CompressionWidth(Study):
    name = "compression_width"
    title = "Feature regime on the stripe (d = 2): learning curve and compression ratio at the paper's width"
    papers = ("2007.11471",)
    scales = {"quick": WidthScale(widths=(256,), n_boot=SUITE.n_boot)}

    def build(self, sizes: WidthScale) -> list[Claim]:
        d = SUITE.dims[0]
        keep = (feature_name(d), f"compression_stripe_d{d}")
        claims = []
        for width in sizes.widths:
            scale = dataclasses.replace(SUITE, width=width, dims=(d,))
            claims += [dataclasses.replace(c, name=f"{c.name}_width{width}")
                       for c in learning_curve_claims(scale) if c.name in keep]
        return claims


register_study(CompressionWidth())
