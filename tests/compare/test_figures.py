"""Suite figures: drawn from the stored runs of the claims they hold; skipped, and saying why, otherwise."""
import pytest

from scalingcheck.compare.figures import Figure, draw_figures, pick
from scalingcheck.compare.suites import studies_of, get_suite, suite_figures
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.runs.sweep import execute


def _claims():
    suite = get_suite("toy")
    return (next(c for c in suite if c.name == "rhm_correlations_n_c_L2"),
            next(c for c in suite if c.name == "rhm_correlations_m_L2"))


def test_figure_is_skipped_with_a_reason_when_a_claim_is_left_out_or_a_run_missing(tmp_path):
    claim, other_claim = _claims()
    drawn = []
    fig = Figure("f", "caption", (claim,), lambda records, path: drawn.append(records) or path.write_bytes(b"x"))
    both = Figure("g", "caption", (claim, other_claim), lambda r, p: drawn.append(r))
    store = MemoryStore()
    points = claim.sweep.points()
    execute(points[:-1], store, progress=False)
    done, skipped = draw_figures([fig, both], {claim.name}, store, tmp_path)
    assert done == []
    assert skipped == [("f", "some of its runs are not in the store"),
                       ("g", f"needs claim(s) {other_claim.name}, left out by --study/--claim")]
    execute(points, store, progress=False)
    done, skipped = draw_figures([fig, both], {claim.name}, store, tmp_path)
    assert done == [(tmp_path / "f.png", "caption")] and [s[0] for s in skipped] == ["g"]
    assert len(drawn) == 1 and len(drawn[0][claim.name]) == len(points)


def test_a_figure_that_fails_to_draw_is_skipped_with_the_error(tmp_path):
    claim, _ = _claims()
    store = MemoryStore()
    execute(claim.sweep.points(), store, progress=False)

    def broken(records, path):
        raise ValueError("no positive values to put on a log axis")

    done, skipped = draw_figures([Figure("b", "caption", (claim,), broken)], {claim.name}, store, tmp_path)
    assert done == [] and skipped == [("b", "drawing failed: ValueError: no positive values to put on a log axis")]


def test_a_figure_asking_for_a_claim_its_study_did_not_build_is_an_error():
    claim, _ = _claims()
    with pytest.raises(ValueError, match="no_such_claim, which the study did not build"):
        pick({claim.name: claim}, claim.name, "no_such_claim")


@pytest.mark.parametrize("scale", ["toy", "quick", "full"])
def test_every_suite_figure_holds_claims_of_its_own_study(scale):
    claims = get_suite(scale)
    by_name = {c.name: c for c in claims}
    figures = suite_figures(scale, claims)
    names = [f.name for f in figures]
    own = [f.name for study in studies_of(scale) for f in study.figures({c.name: c for c in claims
                                                                          if c.study == study.name})]
    assert names == own and len(set(names)) == len(names) and len(names) >= 10
    for fig in figures:
        assert all(by_name[c.name] is c for c in fig.claims), fig.name
        assert len({c.study for c in fig.claims}) == 1


def test_every_study_builds_its_figures_from_a_list_of_claims_as_from_a_mapping():
    from scalingcheck.compare.studies import studies
    from scalingcheck.compare.suites import get_suite

    claims = get_suite("toy")
    for study in studies():
        own = [c for c in claims if c.study == study.name]
        by_list = [(f.name, [c.name for c in f.claims]) for f in study.figures(own)]
        by_name = [(f.name, [c.name for c in f.claims]) for f in study.figures({c.name: c for c in own})]
        assert by_list == by_name, study.name
