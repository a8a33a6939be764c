"""Does the gap between P_S and P* close with the network's width? The sensitivity claim at widths 128 and 256.

The quick suite's ``rhm_sensitivity_at_p_star_L3`` (deep CNN, width 64, v = 8, n_c = 4, s = 2, L = 3, m = 3..8)
finds the synonymic sensitivity S_{L,1} halving at P_S ~ P*/3.3 (log2 ratio -1.73), and part of it is the
sensitivity of a network that has learned nothing, about 1 - 1/m (``findings/sensitivity_offset.py``). The
paper's networks are wider (the full suite uses 256). This file builds the suite's own claims, P* ~ m^L and
the sensitivity offset, with the width changed and nothing else (all imported from the study, fixed before
these runs)::

    scalingcheck run findings/rhm_width_claims.py --suite quick --out scalingcheck-out
"""
from __future__ import annotations

import dataclasses

from _common import WidthScale
from scalingcheck import Claim, Study, register_study
from scalingcheck.compare.studies.rhm.claims import SCALES, p_star_name, sample_complexity_claims, sensitivity_name

SUITE = SCALES["quick"]


class RHMWidth(Study):
    name = "rhm_width"
    title = "Deep CNN on the RHM (L = 3): P* and the sensitivity offset at larger widths"
    papers = ("2307.02129",)
    scales = {"quick": WidthScale(widths=(128, 256), n_boot=SUITE.n_boot)}

    def build(self, sizes: WidthScale) -> list[Claim]:
        deepest = SUITE.learning.depths[-1]
        L = deepest[0]
        claims = []
        for width in sizes.widths:
            learning = dataclasses.replace(SUITE.learning, width=width, depths=(deepest,))
            for claim in sample_complexity_claims(learning, sizes.n_boot):
                if claim.name in (p_star_name(L), sensitivity_name(L)):
                    claims.append(dataclasses.replace(claim, name=f"{claim.name}_width{width}"))
        return claims


register_study(RHMWidth())
