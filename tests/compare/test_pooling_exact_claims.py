"""The pooling study's exact finite-N claims (issue 25 item 5) end to end at the toy scale."""
from __future__ import annotations

import torch

from scalingcheck.compare.claim import Verdict, evaluate_all
from scalingcheck.compare.studies.pooling.claims import SCALES, ideal_exact_claims
from scalingcheck.simulate.runs.store import MemoryStore

torch.set_num_threads(1)


def test_exact_claims_agree_at_toy_scale():
    claims = ideal_exact_claims(SCALES["toy"])
    assert [c.name for c in claims] == ["pooling_ideal_D_exact_stride2_F2", "pooling_ideal_G_exact_stride2_F2",
                                        "pooling_ideal_D_exact_stride3_F3", "pooling_ideal_G_exact_stride3_F3",
                                        "pooling_ideal_D_exact_stride1_F2"]
    for o in evaluate_all(claims, MemoryStore(), progress=False):
        assert o.verdict is Verdict.AGREE and o.provenance == "exact", (o.claim, o.reason)
        if "_D_" in o.claim:
            assert abs(o.measurement.value) < 1e-12
