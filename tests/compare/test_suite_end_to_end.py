"""Every kernel claim end to end at toy scale, through the command line, and the report rebuilt from the store."""
import json

import pytest

from scalingcheck.compare.cli import main
from scalingcheck.compare.suites import get_suite, suite_figures


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy")
    code = main(["run", "--suite", "toy", "--out", str(out), "--workers", "2", "--no-progress"])
    return out, code


def test_toy_suite_writes_every_report_file(toy_run):
    out, code = toy_run
    assert code == 0  # the toy suite checks the machinery: a complete run exits 0 whatever the verdicts
    for name in ("report.md", "results.json", "results.csv", "results.tex", "store.sqlite"):
        assert (out / name).stat().st_size > 0
    data = json.loads((out / "results.json").read_text())
    assert data["provenance"]["suite"] == "toy" and data["provenance"]["version"]
    results = data["outcomes"]
    assert [r["claim"] for r in results] == [c.name for c in get_suite("toy")]
    for r in results:
        assert r["verdict"] in ("agree", "disagree", "inconclusive")
        m = r["measurement"]
        assert m["n_seeds"] == 3 and m["n_points"] >= 2
        if m.get("curve") is not None:  # a correlation across groups has no curve of its own (its study figure)
            assert (out / f"{r['claim']}.png").stat().st_size > 1000
        else:
            assert not (out / f"{r['claim']}.png").exists()
    report = (out / "report.md").read_text()
    drawn = [f.name for f in suite_figures("toy") if f"- {f.name}.png: " in report]
    for name in drawn:  # the suite figures spanning several claims
        assert (out / f"{name}.png").stat().st_size > 1000
    assert len(drawn) >= 6 and all(f"- {f.name}.png" in report for f in suite_figures("toy"))
    sb = [r for r in results if r["claim"].startswith("sb_vs_krr")]
    assert sb and all(len(r["extra"]["predicted_curve"]["y"]) == 3 for r in sb)
    assert code == 0  # even if a toy-scale claim disagrees (exit 1 on that only with --strict or --baseline)


def test_report_rebuilds_the_same_numbers_without_computing(toy_run, tmp_path, capsys):
    out, code = toy_run
    again = tmp_path / "again"
    assert main(["report", "--suite", "toy", "--store", str(out / "store.sqlite"), "--out", str(again)]) == code
    first = json.loads((out / "results.json").read_text())["outcomes"]
    second = json.loads((again / "results.json").read_text())["outcomes"]
    assert first == second  # `run` judged and drew each claim while the other runs went on: the same outcomes
    assert sorted(p.name for p in out.glob("*.png")) == sorted(p.name for p in again.glob("*.png"))
    figures = [[line for line in (folder / "report.md").read_text().splitlines() if ".png" in line]
               for folder in (out, again)]
    assert figures[0] == figures[1] and len(figures[0]) >= 6  # the same figures, listed in the suite's order


def test_rerun_computes_nothing(toy_run, capsys):
    out, code = toy_run
    from scalingcheck.simulate.runs.store import SQLiteStore
    from scalingcheck.simulate.runs.sweep import execute

    with SQLiteStore(out / "store.sqlite") as store:
        points = [p for c in get_suite("toy") for p in c.runs()]
        res = execute(points, store, progress=False)
    assert res.computed == 0 and res.cached == len({s.key(seed) for s, seed in points})


def test_every_seed_paper_is_reproduced_at_the_toy_scale_from_the_runs_of_the_suite(toy_run, tmp_path):
    """`reproduce` of each seed paper at the toy scale, reading the toy suite's store: nothing is computed again,
    the page has one row per claim with its verdict, and the exit code is that of its claims' run (the library
    applies the verdict rule; the command line's toy suite is a machinery check)."""
    from scalingcheck.compare.reproduce import papers, reproduce

    out, _ = toy_run
    verdicts = {r["claim"]: r["verdict"] for r in json.loads((out / "results.json").read_text())["outcomes"]}
    assert {p.arxiv for p in papers()} >= {"2307.02129", "2404.10727", "2210.01506", "2202.03348", "2007.11471",
                                           "2105.02468"}
    for paper in papers():
        done = reproduce(paper.arxiv, scale="toy", out=tmp_path / paper.arxiv, store=out / "store.sqlite",
                         workers=1, progress=False, plots=False)
        assert done.result is not None and done.result.complete
        assert done.exit_code() == int(any(o.verdict.value == "disagree" for o in done.result.outcomes))
        assert all(o.verdict.value == verdicts[o.claim] for o in done.result.outcomes), paper.arxiv
        page = done.page.read_text()
        assert page.startswith(f"# Reproducing arXiv:{paper.arxiv}")
        assert all(f"| {c.name} |" in page for c in done.claims), paper.arxiv
