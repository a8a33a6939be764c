"""Results as data (issue 26 item 4): outcomes and records as DataFrames in one call, results.csv at full
precision, figures as PNG, PDF or SVG, readable plots."""
import dataclasses
import io
import json
import math

import pandas as pd
import pytest

import scalingcheck
from scalingcheck.compare.figures import check_format, pick, save, study_figures
from scalingcheck.compare.plots import claim_plot, mathtext, window_text
from scalingcheck.compare.progress import RunProgress, claim_estimates, duration_text, estimated_seconds
from scalingcheck.compare.results import OUTCOME_COLUMNS, claim_rows, load_results, outcomes_frame
from scalingcheck.compare.session import run_claims
from scalingcheck.compare.studies import studies
from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.errors import BadInput
from scalingcheck.simulate.runs.rows import spec_columns
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.runs.sweep import SerialExecutor

CHEAP = ("diffeo_delta_sqrt_t_c3", "diffeo_delta_at_t_min_c3")


def _toy(*names):
    suite = {c.name: c for c in get_suite("toy")}
    return [suite[n] for n in names]


@pytest.fixture(scope="module")
def toy_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("toy-data")
    result = run_claims(_toy(*CHEAP), out / "store.sqlite", executor=SerialExecutor(), progress=False, suite="toy",
                        report=out / "report")
    return out, result


def test_to_frame_has_one_row_per_claim_with_the_outcome_fields(toy_result):
    _, result = toy_result
    frame = result.to_frame()
    assert list(frame.columns) == list(OUTCOME_COLUMNS)
    assert list(frame["claim"]) == list(CHEAP)
    for column in ("value", "low", "high", "predicted", "tolerance"):
        assert frame[column].dtype == float
    assert frame["n_points"].dtype == "int64" and frame["n_seeds"].dtype == "int64"
    for (_, row), o in zip(frame.iterrows(), result.outcomes):
        m = o.measurement
        assert (row.value, row.low, row.high) == (m.value, m.low, m.high)
        assert (row.predicted, row.tolerance, row.n_points, row.n_seeds) == (
            o.predicted, o.tolerance.absolute, m.n_points, m.n_seeds)
        assert (row.verdict, row.relation, row.study, row.provenance, row.citation, row.reason, row.method) == (
            o.verdict.value, o.relation, o.study, o.provenance, o.citation, o.reason, m.method)
    assert scalingcheck.outcomes_frame is outcomes_frame
    assert outcomes_frame(result.outcomes).equals(frame)


def test_results_csv_holds_the_json_numbers_exactly(toy_result):
    out, _ = toy_result
    data = json.loads((out / "report" / "results.json").read_text())
    csv = pd.read_csv(out / "report" / "results.csv")
    assert list(csv.columns) == list(OUTCOME_COLUMNS)
    assert not any(isinstance(v, str) and v.startswith("[") for v in csv.to_numpy().ravel())  # no string intervals
    for (_, row), entry in zip(csv.iterrows(), data["outcomes"]):
        m = entry["measurement"]
        for column in ("value", "low", "high"):
            assert isinstance(row[column], float) and row[column] == m[column]
        assert row["predicted"] == entry["predicted"] and row["tolerance"] == entry["tolerance"]["absolute"]
    assert load_results(out / "report" / "results.json").outcomes  # results.json unchanged in structure


def test_records_become_rows_with_their_spec_fields_and_concatenate(toy_result, tmp_path):
    out, result = toy_result
    rows = result.rows()  # the store run_claims opened from a path is closed: reopened read-only
    assert set(rows["claim"]) == set(CHEAP)
    assert {"kind", "seed", "n", "c", "T", "delta_rms"} <= set(rows.columns)
    assert rows.equals(claim_rows(result.claims, out / "store.sqlite"))
    svc_d2 = _toy("svc_laplace_stripe_d2")[0]
    spec = svc_d2.runs()[0][0]
    d3 = dataclasses.replace(spec, data=dataclasses.replace(spec.data, d=3))
    columns = spec_columns(d3)
    assert columns["d"] == 3 and columns["data.d"] == 3 and columns["kernel"] == "laplace"
    assert columns["sigma"] == columns["kernel.sigma"] == spec.kernel.sigma
    store = MemoryStore()
    from scalingcheck.simulate.runs.sweep import execute

    execute([(spec, 0), (d3, 0)], store, progress=False, executor=SerialExecutor())
    from scalingcheck.simulate.runs.sweep import collect

    both = pd.DataFrame(collect([(spec, 0), (d3, 0)], store))
    assert list(both["d"]) == [2, 3] and list(both["kernel"]) == ["laplace", "laplace"]
    assert both["sigma"].notna().all() and both["test_error"].notna().all()
    with pytest.raises(BadInput, match="not among this result's claims"):
        result.rows(["nope"])


def test_a_nested_field_is_aliased_only_when_unambiguous():
    spec = next(c for c in get_suite("toy") if c.name.startswith("rhm_p_star_m")).runs()[0][0]
    columns = spec_columns(spec)
    assert columns["v"] == spec.v  # its own field, never replaced by net.v
    assert columns["width"] == columns["net.width"] and columns["lr"] == columns["train.lr"]


@pytest.mark.parametrize("fmt, magic", [("pdf", (b"%PDF",)), ("svg", (b"<?xml", b"<svg")), ("png", (b"\x89PNG",))])
def test_claim_plots_and_reports_in_each_format(toy_result, tmp_path, fmt, magic):
    _, result = toy_result
    outcome = next(o for o in result.outcomes if o.claim == CHEAP[0])
    path = claim_plot(outcome, tmp_path / f"plot.{fmt}")
    assert path.read_bytes().startswith(magic)
    other = claim_plot(outcome, tmp_path / "noext", format=fmt)  # format= over the suffix
    assert other.read_bytes().startswith(magic)
    written = result.write_report(tmp_path / "report", format=fmt)
    plots = [p for p in written if p.suffix == f".{fmt}"]
    assert plots and all(p.read_bytes().startswith(magic) for p in plots)
    assert f"- plot: {CHEAP[0]}.{fmt}" in (tmp_path / "report" / "report.md").read_text()


def test_a_bad_format_names_the_parameter_and_the_allowed_values(toy_result, tmp_path):
    _, result = toy_result
    with pytest.raises(BadInput, match=r"format='jpeg' .*allowed: png, pdf, svg"):
        result.write_report(tmp_path / "r", format="jpeg")
    with pytest.raises(BadInput, match="format="):
        claim_plot(result.outcomes[0], tmp_path / "x.gif")
    assert check_format("PDF") == "pdf"


def test_study_figures_take_a_list_of_claims_as_well_as_a_mapping(tmp_path):
    study = next(s for s in studies() if s.name == "pooling")
    claims = study.claims("toy")
    from_list = study_figures(study, claims)
    from_mapping = study_figures(study, {c.name: c for c in claims})
    assert [f.name for f in from_list] == [f.name for f in from_mapping] and from_list
    assert pick(claims, claims[0].name) == (claims[0],)
    with pytest.raises(BadInput, match="not a Claim"):
        study_figures(study, [object()])


def test_figures_are_drawn_as_pdf_and_svg(tmp_path):
    from scalingcheck.compare.figures import draw_figures
    from scalingcheck.simulate.runs.sweep import execute

    study = next(s for s in studies() if s.name == "pooling")
    claims = study.claims("toy")
    fig = next(f for f in study_figures(study, claims) if f.name == "pooling_ideal")
    store = MemoryStore()
    execute([p for c in fig.claims for p in c.runs()], store, progress=False, executor=SerialExecutor())
    for fmt, magic in (("pdf", (b"%PDF",)), ("svg", (b"<?xml", b"<svg"))):
        drawn, skipped = draw_figures([fig], {c.name for c in fig.claims}, store, tmp_path, format=fmt)
        assert not skipped and drawn[0][0] == tmp_path / f"pooling_ideal.{fmt}"
        assert drawn[0][0].read_bytes().startswith(magic)


def test_log_axes_label_readably_and_legends_stay_off_the_data(tmp_path):
    from scalingcheck.compare.figures import pyplot

    plt = pyplot()
    fig, ax = plt.subplots()
    x = [30, 40, 50, 60, 70]
    ax.plot(x, [1, 2, 3, 4, 5], "o", label="data")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.legend(loc="upper left")  # covers the first point
    from scalingcheck.compare.figures import legend_off_data, log_ticks

    log_ticks(ax)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert labels and all("times" not in t and "\\mathdefault" not in t for t in labels)
    assert ax.xaxis.get_minor_formatter().__class__.__name__ == "NullFormatter"
    legend_off_data(ax)
    from scalingcheck.compare.figures import _covers_data

    assert not _covers_data(ax, ax.get_legend().get_window_extent(fig.canvas.get_renderer()))
    save(fig, tmp_path / "f.svg")
    assert (tmp_path / "f.svg").read_bytes().startswith(b"<?xml")


def test_windows_and_symbols_read_well():
    assert window_text((0.0, math.inf)) == "all"
    assert window_text((0.00652369, 0.0521895)) == "[0.00652, 0.0522]"
    assert window_text((64.0, 256.0)) == "[64, 256]" and window_text((64.0, math.inf)) == "[64, inf)"
    assert mathtext("beta") == r"$\beta$" and mathtext("beta_lazy") == r"$\beta_{\mathrm{lazy}}$"
    assert mathtext(r"$\mathrm{beta}$") == r"$\beta$"
    assert mathtext("test_error") == "test_error" and mathtext("chi0") == "chi0"


def test_the_report_table_prints_windows_compactly(toy_result):
    from scalingcheck.compare.report import table

    _, result = toy_result
    windows = set(table(result.outcomes)["window"])
    assert not any("-inf" in w or w.startswith("0-") for w in windows)


def test_estimates_and_progress_lines():
    claims = _toy(*CHEAP)
    rows, distinct, total = claim_estimates(claims)
    assert [c.name for c, _, _ in rows] == list(CHEAP)
    assert distinct == len({s.key(seed) for c in claims for s, seed in c.runs()})
    assert total == pytest.approx(estimated_seconds([p for c in claims for p in c.runs()]))
    assert duration_text(3725) == "1:02:05" and duration_text(2.5) == "2.5 s" and duration_text(None) == "?"
    stream = io.StringIO()
    ticks = iter(range(0, 1000, 10))
    progress = RunProgress(claims, MemoryStore(), stream=stream, clock=lambda: float(next(ticks)))
    assert progress.lines  # a StringIO is not a terminal
    progress.start()
    outcome = type("O", (), {"claim": CHEAP[1], "verdict": None})()
    progress.judged(outcome)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("scalingcheck: progress: 0/") and "starting" in lines[0]
    assert f"/{progress.total} runs, 1/2 claims judged" in lines[1] and "left" in lines[1]
    assert lines[-1].startswith(f"scalingcheck: done: {progress.total} runs computed")
