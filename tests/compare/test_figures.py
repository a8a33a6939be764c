"""Suite figures: drawn only from stored runs of claims that are part of the run."""
from scalingcheck.compare.figures import Figure, draw_figures
from scalingcheck.compare.suites import figures, get_suite
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.runs.sweep import execute


def _correlation_claim():
    return next(c for c in get_suite("toy") if c.name == "rhm_correlations_n_c_L2")


def test_figure_is_skipped_when_a_claim_is_absent_or_a_run_missing(tmp_path):
    claim = _correlation_claim()
    drawn = []
    fig = Figure("f", "caption", (claim.name,), lambda records, path: drawn.append(records) or path.write_bytes(b"x"))
    store = MemoryStore()
    assert draw_figures([fig], [claim], store, tmp_path) == []  # nothing stored yet
    other = Figure("g", "caption", ("no_such_claim",), lambda r, p: drawn.append(r))
    points = claim.sweep.points()
    execute(points[:-1], store, progress=False)
    assert draw_figures([fig, other], [claim], store, tmp_path) == []  # one run missing
    execute(points, store, progress=False)
    assert draw_figures([fig, other], [claim], store, tmp_path) == [(tmp_path / "f.png", "caption")]
    assert len(drawn) == 1 and len(drawn[0][claim.name]) == len(points)


def test_every_suite_figure_names_claims_of_its_suite():
    for scale in ("toy", "quick", "full"):
        names = {c.name for c in get_suite(scale)}
        for fig in figures(scale):
            assert set(fig.claims) <= names, (scale, fig.name)
