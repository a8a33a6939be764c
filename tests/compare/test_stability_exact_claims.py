"""The stability study's exact-statistics claims (issue 25 item 5) end to end at the toy scale."""
from __future__ import annotations

import pytest
import torch

from scalingcheck.compare.claim import Verdict, evaluate_all
from scalingcheck.compare.studies.stability.claims import SCALES, exact_generator_claims, generator_claims
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.theory.diffeomorphisms import delta_over_exact

torch.set_num_threads(1)


def test_exact_claims_run_at_toy_scale_and_judge_the_generator():
    s = SCALES["toy"]
    claims = exact_generator_claims(s)
    names = [c.name for c in claims]
    assert names == [f"diffeo_{kind}_c{c}" for c in (3, 5, 15)
                     for kind in ("rms_exact_grid", "rms_exact_centre", "delta_approximation")] \
        + ["diffeo_folded_at_t_max_paper_c3", "diffeo_folded_at_t_max_authors_c3"]
    # the older generator claims are unchanged and come first
    assert [c.name for c in generator_claims(s)][:5] == [
        "diffeo_delta_sqrt_t_c3", "diffeo_delta_at_t_min_c3", "diffeo_delta_at_t_min_c5", "diffeo_delta_at_t_min_c15",
        "diffeo_invertible_at_t_max_c3"]
    out = {o.claim: o for o in evaluate_all(claims, MemoryStore(), progress=False)}
    for c in (3, 5, 15):
        for where in ("grid", "centre"):
            o = out[f"diffeo_rms_exact_{where}_c{c}"]
            assert o.verdict is Verdict.AGREE and o.provenance == "exact", o.reason
        o = out[f"diffeo_delta_approximation_c{c}"]
        # the measured delta / rms is the exact ratio (1.38, 1.29, 1.21 at n = 16): the approximation is judged, not hidden
        assert o.measurement.value == pytest.approx(delta_over_exact(s.diffeo_n, c), rel=0.03)
        assert o.verdict is Verdict.DISAGREE
    for cutoff in ("paper", "authors"):
        o = out[f"diffeo_folded_at_t_max_{cutoff}_c3"]
        assert o.verdict is not Verdict.INCONCLUSIVE, o.reason
