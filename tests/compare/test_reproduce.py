"""``scalingcheck reproduce ARXIV_ID``: one paper's claims and figures, and a page beside the results it states.

One paper runs end to end at the toy scale (2202.03348, the cheapest: seconds); the others are checked with the
dry run (the claims, the stated results and the figures a run would give, nothing computed) and with a stubbed
run (made-up outcomes) for the verdict part of the page.
"""
import math
import os
import re
from pathlib import Path

import pytest

from scalingcheck.compare.claim import Outcome, Tolerance, Verdict
from scalingcheck.compare.cli import main
from scalingcheck.compare.estimators.measurement import Measurement
from scalingcheck.compare.reproduce import (PAGE_NAME, Paper, Stated, get_paper, paper_claims, papers, register_paper,
                                            reproduce, reproduce_page)
from scalingcheck.compare.session import RunResult
from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.errors import BadInput

SEEDS = ("2307.02129", "2404.10727", "2210.01506", "2202.03348", "2007.11471", "2105.02468")
"""The papers the package was seeded with: each must be reproducible."""

CHEAPEST = "2202.03348"
"""The seed paper whose toy scale runs fastest end to end (about 6 s on one core; the others take minutes)."""


def _theory() -> str | None:
    """THEORY.md, the brief every stated result is quoted from (its copy at the repository's root, shipped so
    that the quotes are checked wherever the tests run; or $SCALINGCHECK_THEORY)."""
    here = Path(__file__).resolve().parents[2]
    for path in (os.environ.get("SCALINGCHECK_THEORY"), here / "THEORY.md", here.parent / "shared" / "THEORY.md"):
        if path and Path(path).is_file():
            return Path(path).read_text()
    return None


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _page_quotes(page: str) -> list[str]:
    """The quotes of a page (blockquote lines that are not the attribution), Markdown escapes undone."""
    quotes = [line[2:] for line in page.splitlines() if line.startswith("> ") and not line.startswith("> — ")]
    return [re.sub(r"\\([\\*_<>`])", r"\1", q) for q in quotes]


def test_every_seed_paper_is_registered_with_claims_at_toy_and_quick():
    assert set(SEEDS) <= {p.arxiv for p in papers()}
    for arxiv in SEEDS:
        paper = get_paper(arxiv)
        assert paper.title and paper.authors and paper.year and paper.venue
        for scale in ("toy", "quick"):
            claims, _ = paper_claims(paper, scale)
            assert claims, f"{arxiv} has no claim at {scale}"
            assert all(paper.cites(c) and c.study in paper.studies for c in claims)


def test_a_paper_spans_two_studies_and_a_study_two_papers():
    spans = {c.study for c in paper_claims(get_paper("2007.11471"), "toy")[0]}
    assert spans == {"feature_lazy", "kernel_methods"}
    rhm = {c.name for c in paper_claims(get_paper("2307.02129"), "toy")[0]}
    sparse = {c.name for c in paper_claims(get_paper("2404.10727"), "toy")[0]}
    assert rhm and sparse and not rhm & sparse


def test_stated_results_are_quoted_verbatim_from_theory_and_name_existing_claims():
    theory = _theory()
    if theory is None:
        pytest.skip("THEORY.md is not beside the repository (set SCALINGCHECK_THEORY)")
    theory = _normal(theory)
    names = {c.name for scale in ("toy", "quick", "full") for c in get_suite(scale)}
    for paper in papers():
        for key, results in paper.stated.items():
            assert any(re.fullmatch(key.replace("*", ".*"), n) for n in names), f"{paper.arxiv}: {key} names no claim"
            for stated in results:
                assert _normal(stated.quote) in theory, f"{paper.arxiv} {key}: not in THEORY.md: {stated.quote}"
                assert stated.section.startswith("§") and not stated.location  # no location is known: none guessed


@pytest.mark.parametrize("arxiv", SEEDS)
def test_dry_run_lays_out_each_claim_beside_what_the_paper_states(arxiv, tmp_path):
    done = reproduce(arxiv, scale="toy", out=tmp_path, dry_run=True)
    assert done.result is None and done.exit_code() == 0 and done.page == tmp_path / PAGE_NAME
    assert not (tmp_path / "store.sqlite").exists(), "a dry run opens no store"
    page = done.page.read_text()
    assert page.startswith(f"# Reproducing arXiv:{arxiv}: {done.paper.title}")
    assert "## Where we agree, disagree, and why" in page
    quoted = {s.quote for c in done.claims for s in done.paper.stated_for(c.name)}
    assert set(_page_quotes(page)) == quoted, "the page quotes exactly the paper's stated results"
    for claim in done.claims:
        row = next(line for line in page.splitlines() if line.startswith(f"| {claim.name} |"))
        assert row.endswith("| not run |")
        assert ("not stated" in row) == (not done.paper.stated_for(claim.name))
        section = page.split(f"### {claim.name}: not run", 1)[1].split("\n### ", 1)[0]
        assert claim.statement in section
        for fig in done.figures:
            if any(c.name == claim.name for c in fig.claims):
                assert f"figure {fig.name}: " in section and "(not drawn: dry run)" in section


def test_page_says_where_we_agree_disagree_and_why(tmp_path):
    """A stubbed run: a [paper] claim that disagrees is the paper's result not reproduced at this scale; a [derived]
    one that disagrees is a finding of the package; the figures drawn sit beside the claims they show."""
    paper = get_paper("2210.01506")
    claims, _ = paper_claims(paper, "toy")
    derived = next(c for c in claims if c.predicted.provenance == "derived")
    stated = next(c for c in claims if c.predicted.provenance == "paper")
    figure = next(f for f in reproduce(paper.arxiv, "toy", tmp_path, dry_run=True).figures
                  if any(c.name == derived.name for c in f.claims))
    tol = Tolerance(0.05, "stub")

    def outcome(claim, verdict, reason):
        m = Measurement(value=0.5, low=0.4, high=0.6, confidence=0.95, n_points=4, n_seeds=3, method="stub",
                        x_name="k", y_name="D_k")
        return Outcome(claim.name, claim.statement, verdict, reason, 1.0, "stub", claim.predicted.provenance,
                       paper.arxiv, "equal", tol, m, study=claim.study)

    chosen = [derived, stated]
    result = RunResult(chosen, [outcome(derived, Verdict.DISAGREE, "1.000 is 0.400 outside"),
                                outcome(stated, Verdict.DISAGREE, "1.000 is 0.400 outside")], {},
                       written=[tmp_path / f"{figure.name}.png"])
    page = reproduce_page(paper, "toy", chosen, result, [figure])
    closing = page.split("## Where we agree, disagree, and why", 1)[1]
    assert "**Disagree** (2)" in closing
    assert f"- {derived.name} (a [derived] prediction of the package" in closing and "a finding to report" in closing
    assert f"- {stated.name} (a result the paper states): 1.000 is 0.400 outside; at the `toy` scale" in closing
    assert f"![{figure.name}]({figure.name}.png)" in page.split(f"### {derived.name}: disagree", 1)[1]
    assert "measured 0.5 [0.4, 0.6]" in page


def test_reproduce_runs_the_cheapest_paper_end_to_end(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["reproduce", CHEAPEST, "--scale", "toy", "--workers", "1", "--out", str(out), "--no-progress"])
    assert code in (0, 1)
    assert (out / "report.md").is_file() and (out / "store.sqlite").is_file()
    page = (out / PAGE_NAME).read_text()
    printed = capsys.readouterr().out
    assert f"reproduction page written to {out / PAGE_NAME}" in printed
    claims, _ = paper_claims(get_paper(CHEAPEST), "toy")
    closing = page.split("## Where we agree, disagree, and why", 1)[1]
    for claim in claims:
        row = next(line for line in page.splitlines() if line.startswith(f"| {claim.name} |"))
        assert row.split("|")[-2].strip() in ("agree", "disagree", "inconclusive")
        assert f"- {claim.name} (" in closing
    assert "- result: measured " in page and "not run" not in page
    # the same call again computes nothing: every run is in the store
    again = reproduce(CHEAPEST, scale="toy", out=out, workers=1, progress=False)
    assert [o.verdict for o in again.result.outcomes] == [
        Verdict(line.split("|")[-2].strip()) for line in page.splitlines()
        if any(line.startswith(f"| {c.name} |") for c in claims)]


def test_unknown_paper_is_bad_input_listing_the_known_ids(tmp_path, capsys):
    assert main(["reproduce", "1234.56789", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unknown paper '1234.56789'" in err[0] and all(a in err[0] for a in SEEDS)
    assert not list(tmp_path.iterdir()), "nothing written"
    assert main(["reproduce", CHEAPEST, "--scale", "huge", "--out", str(tmp_path)]) == 2
    assert "unknown scale 'huge'" in capsys.readouterr().err


def test_list_shows_each_paper_its_title_and_claims_per_scale(capsys):
    assert main(["reproduce", "--list"]) == 0
    out = capsys.readouterr().out
    for arxiv in SEEDS:
        paper = get_paper(arxiv)
        assert f"{arxiv}  {paper.title}" in out
    assert re.search(r"claims: toy \d+, quick \d+, full \d+", out)
    assert main(["reproduce"]) == 0 and capsys.readouterr().out == out


def test_ids_are_read_as_arxiv_writes_them_and_records_are_checked():
    assert get_paper("arXiv:2307.02129v3") is get_paper("2307.02129")
    with pytest.raises(BadInput, match="known arXiv ids: "):
        get_paper("rhm")
    with pytest.raises(ValueError, match="arXiv id"):
        Paper("2307.02129v2", "t", ("a",), 2024, "v", ("rhm",))
    with pytest.raises(ValueError, match="already registered"):
        register_paper(Paper("2307.02129", "another", ("a",), 2024, "v", ("rhm",)))
    with pytest.raises(ValueError, match="quote"):
        Stated("", "§1")
    assert math.isfinite(len(papers()))


def test_claims_that_cannot_run_here_go_to_the_paper_that_states_them(tmp_path, monkeypatch):
    """A claim whose data is not here is not built (its citation is unknown): the paper stating a result for it
    lists it, else the paper its study checks alone; the page says it was not run on this machine."""
    from scalingcheck.compare.studies import get_study

    study = get_study("stability")
    missing = [("stability_fmnist_d_falls_with_depth_pool_avg", "no images here"),
               ("stability_fmnist_r_init_lenet", "no images here")]
    monkeypatch.setattr(type(study), "skipped", lambda self, scale: list(missing))
    assert paper_claims(get_paper("2210.01506"), "toy")[1] == missing[:1]
    assert paper_claims(get_paper("2105.02468"), "toy")[1] == missing[1:]
    page = reproduce("2105.02468", "toy", tmp_path, dry_run=True).page.read_text()
    assert "| stability_fmnist_r_init_lenet | stated | - | not run on this machine |" in page
    assert "- stability_fmnist_r_init_lenet: cannot run on this machine: no images here" in page
