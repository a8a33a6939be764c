"""Is the sublinear P* in n_c a small-vocabulary effect? The CNN claim at v = 32 instead of v = 8.

The quick suite's ``rhm_p_star_n_c_L3`` (deep CNN, v = 8, m = 4, s = 2, L = 3, n_c = 2..16) measures P*
growing as n_c^0.58 against the predicted n_c^1, and its correlation crossing does the same at v = 8 (0.65)
but not at v = 32 (0.94 [0.87, 1.00]), where n_c m = 64 stays far below v^s = 1024 (at v = 8 it reaches
v^s = 64 at n_c = 16). If the vocabulary is the reason, the network's P* at v = 32 grows linearly in n_c.

Same protocol as the suite's claim (network, width, SGD, P grid, seeds, threshold, tolerance: all imported
from the study and fixed before these runs); only v changes::

    scalingcheck run findings/rhm_vocabulary_claims.py --suite quick --out scalingcheck-out
"""
from __future__ import annotations

from dataclasses import dataclass

from scalingcheck import Claim, HierarchicalCNN, RHMLearningSpec, Scale, ScalingExponent, Study, register_study
from scalingcheck.compare.estimators import CrossingScaling
from scalingcheck.compare.studies.rhm.claims import (CROSSING_TOLERANCE, N_C_DEPTH, P_STAR_FRACTION, SCALES, TRAIN,
                                                     _learning_sweep)

SUITE = SCALES["quick"]


@dataclass(frozen=True, kw_only=True)
class VocabularyScale(Scale):
    v: int


class RHMVocabulary(Study):
    name = "rhm_vocabulary"
    title = "Deep CNN sample complexity against n_c on the RHM at a large vocabulary (v = 32)"
    papers = ("2307.02129",)
    scales = {"quick": VocabularyScale(v=32, n_boot=SUITE.n_boot)}

    def build(self, sizes: VocabularyScale) -> list[Claim]:
        s, L, patch, m = SUITE.learning, N_C_DEPTH, 2, 4
        base = RHMLearningSpec(n_c=s.n_cs[0], v=sizes.v, m=m, s=patch, L=L, p=s.ps[0], net=HierarchicalCNN(width=s.width),
                               n_test=s.n_test, train=TRAIN, sensitivity_level=1)
        return [Claim(
            name=f"rhm_p_star_n_c_L{L}_v{sizes.v}",
            statement=(f"deep CNN (width {s.width}, SGD) on the RHM (v={sizes.v}, m={m}, s={patch}, L={L}): P* "
                       f"(test error <= 10% of chance) grows linearly in n_c (n_c = {', '.join(map(str, s.n_cs))})"),
            predicted=ScalingExponent.of("rhm_sample_complexity", "n_c", m=m, L=L),
            sweep=_learning_sweep(base, "n_c", s.n_cs, s),
            estimator=CrossingScaling(threshold=P_STAR_FRACTION, group="n_c", y="error_over_chance", n_boot=sizes.n_boot),
            tolerance=CROSSING_TOLERANCE,
        )]


register_study(RHMVocabulary())
