"""Reports: the agreement table in terminal, Markdown, LaTeX, CSV and JSON form.

`write_report(outcomes, folder)` writes ``report.md``, ``results.json``
(:mod:`.results`), ``results.csv`` (:func:`.results.outcomes_frame`: one row per
claim, every number a float at full precision), ``results.tex`` and one plot
per claim (PNG, PDF or SVG: `format`), all put in place together (:class:`.outputs.ReportFolder`: no file
half-written, no file of an earlier report left beside them).
"""
from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..theory.prediction import cite
from .baseline import Comparison, change_table
from .claim import RELATION_SYMBOLS, Outcome, Verdict
from .outputs import REPORT_FILES, ReportFolder
from .figures import check_format
from .plots import window_text
from .results import outcomes_frame, results_json, run_status

__all__ = ["table", "terminal_table", "markdown", "latex", "summary", "write_report", "exit_code"]


def _num(v: float, digits: int = 3) -> str:
    return "nan" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """One row per claim: study, predicted, measured with interval, verdict, provenance, window."""
    rows = []
    for o in outcomes:
        m = o.measurement
        window = getattr(m, "window", None)
        rows.append(
            {
                "study": o.study,
                "claim": o.claim,
                "relation": RELATION_SYMBOLS[o.relation],
                "predicted": _num(o.predicted),
                "measured": _num(m.value) if m else "-",
                "interval": f"[{_num(m.low)}, {_num(m.high)}]" if m else "-",
                "tol": f"{o.tolerance.absolute:g}",
                "verdict": o.verdict.value,
                "tag": o.provenance,
                "window": window_text(window),
                "seeds": m.n_seeds if m else 0,
                "reason": o.reason,
            }
        )
    return pd.DataFrame(rows)


def terminal_table(outcomes: Sequence[Outcome]) -> str:
    """Plain-text table for the terminal."""
    from tabulate import tabulate

    df = table(outcomes)
    return tabulate(df.drop(columns=["reason", "study"]), headers="keys", tablefmt="simple", showindex=False)


def _claim_section(o: Outcome, plot: str | None = "", format: str = "png") -> list[str]:
    """`plot`: ``None`` when the claim's plot is in the report, a reason when it could not be drawn, ``""``
    when there is none (no plots asked for, or nothing to plot)."""
    lines = [f"### {o.claim}: {o.verdict.value}", "", o.statement, ""]
    lines.append(f"- predicted: {o.predicted_text} = {_num(o.predicted)} [{o.provenance}, {cite(o.citation)}]")
    if o.measurement is not None:
        m = o.measurement
        lines.append(
            f"- measured: {_num(m.value)}, {m.confidence:.0%} interval [{_num(m.low)}, {_num(m.high)}], "
            f"{m.n_points} points x {m.n_seeds} seeds"
        )
        lines.append(f"- method: {m.method}")
        local = getattr(m, "local_slopes", ())
        if local:
            lines.append(f"- local exponents along the window: {', '.join(_num(s, 2) for s in local)}")
        for note in m.notes:
            lines.append(f"- note: {note}")
    lines.append(f"- tolerance: {o.tolerance.absolute:g} ({o.tolerance.reason}); inconclusive if the interval is wider than {o.tolerance.max_interval:g}")
    lines.append(f"- verdict: {o.verdict.value}: {o.reason}")
    if plot is None:
        lines.append(f"- plot: {o.claim}.{format}")
    elif plot:
        lines.append(f"- plot: not drawn ({plot})")
    lines.append("")
    return lines


def markdown(
    outcomes: Sequence[Outcome],
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: Comparison | None = None,
    plots: Mapping[str, str | None] | None = None,
    status: dict[str, Any] | None = None,
    format: str = "png",
) -> str:
    """Markdown report: the run's status when incomplete, the table (and the changes against a `baseline`,
    see :func:`write_report`), then per study its claims (statement, method, tolerance) and its figures. `plots`: claim name -> ``None`` for a
    plot in the report, or why it could not be drawn; a claim not in it gets no plot line; `format`: the
    plots' file format (their names in the text)."""
    from .studies import studies

    df = table(outcomes).drop(columns=["study"])
    lines = ["# scalingcheck report", "", summary(outcomes), ""]
    status = status or run_status(outcomes)
    if not status["complete"]:
        lines += ["**This run is incomplete**: its verdicts rest on the runs that finished.", ""]
        lines += [f"- {problem}" for problem in status["problems"]] + [""]
    if status.get("skipped"):
        lines += [f"**Not run on this machine** ({len(status['skipped'])} claims of the suite): their data is not "
                  "here.", ""]
        lines += [f"- {s['claim']}: {s['why']}" for s in status["skipped"]] + [""]
    if provenance:
        commit = provenance.get("git_commit")
        lines += [f"scalingcheck {provenance.get('version')}"
                  + (f" (commit {commit[:12]}{', modified' if provenance.get('git_dirty') else ''})" if commit else "")
                  + f", Python {provenance.get('python')}, torch {provenance.get('torch')}, device {provenance.get('device')}, "
                  f"suite {provenance.get('suite')}, {provenance.get('date')}", ""]
    lines += [df.to_markdown(index=False), ""]
    if baseline is not None:
        lines += ["## Against the baseline", "",
                  f"Baseline `{baseline.file}`: {len(baseline.regressions)} regression(s) in {len(baseline.changes)} "
                  "claims.", ""]
        lines += [f"- note: {note}" for note in baseline.notes]
        lines += ["", change_table(baseline.changes, markdown=True), ""]
    known = {s.name: s for s in studies()}
    for name in dict.fromkeys(o.study for o in outcomes):
        study = known.get(name)
        title = study.title if study else (name or "claims")
        lines += [f"## {title}", ""]
        if study and study.papers:
            lines += [f"Papers: {', '.join(cite(p) for p in study.papers)}", ""]
        for o in outcomes:
            if o.study == name:
                lines += _claim_section(o, (plots or {}).get(o.claim, ""), format)
    if figures or skipped:
        lines += ["## Figures", ""]
        lines += [f"- {Path(path).name}: {caption}" for path, caption in figures]
        lines += [f"- {name}.{format} not drawn: {reason}" for name, reason in skipped]
        lines.append("")
    return "\n".join(lines)


def latex(outcomes: Sequence[Outcome]) -> str:
    """LaTeX tabular of the agreement table (booktabs style)."""
    df = table(outcomes).drop(columns=["reason", "study"])
    return df.to_latex(index=False, escape=True)


def summary(outcomes: Sequence[Outcome]) -> str:
    counts = {v: sum(o.verdict is v for o in outcomes) for v in Verdict}
    return ", ".join(f"{n} {v.value}" for v, n in counts.items()) + f" (of {len(outcomes)} claims)"


def write_report(
    outcomes: Sequence[Outcome],
    folder: str | Path | ReportFolder,
    plots: bool = True,
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: Comparison | None = None,
    drawn_plots: Mapping[str, Path] | None = None,
    status: dict[str, Any] | None = None,
    format: str = "png",
) -> list[Path]:
    """Write report.md, results.json, results.csv, results.tex (and the plots, as `format`: png, pdf or svg)
    into `folder`, all at once.

    The files are made in the folder's staging area and put in place together
    (:meth:`.outputs.ReportFolder.commit`): the files of the report before that this one does not
    have are removed. `figures`: (path, caption) of suite figures already drawn (in the staging area of
    `folder`, when it is a :class:`.outputs.ReportFolder`, or anywhere: they are copied), and `skipped`:
    (name, reason) of those not drawn, both listed in report.md; `provenance`: see
    :func:`scalingcheck.compare.provenance.provenance`; `baseline`: a :class:`.baseline.Comparison`, shown
    as a diff table in report.md and kept in results.json;
    `drawn_plots`: claim name -> path of the claim plots of these very outcomes already drawn in the
    staging area of `folder`, not drawn again; `status`: see :func:`run_status` (computed from the
    outcomes when not given). A plot that cannot be drawn is said so in report.md. Returns the paths
    written.
    """
    fmt = check_format(format)
    report = folder if isinstance(folder, ReportFolder) else ReportFolder(folder)
    names: list[str] = []
    plot_state: dict[str, str | None] = {}
    if plots:
        from .figures import pyplot
        from .plots import claim_plot, plottable

        done = {k: Path(v) for k, v in (drawn_plots or {}).items()}
        for o in outcomes:
            if not plottable(o):
                continue
            target = report.path(f"{o.claim}.{fmt}")
            if done.get(o.claim) != target:
                try:
                    claim_plot(o, target, format=fmt)
                except Exception as exc:  # a plot that cannot be drawn must not cost the report; say why
                    pyplot().close("all")
                    plot_state[o.claim] = f"{type(exc).__name__}: {exc}"
                    continue
            plot_state[o.claim] = None
            names.append(target.name)
    for path, _ in figures:
        staged = report.path(Path(path).name)
        if Path(path) != staged:
            shutil.copyfile(path, staged)
        names.append(staged.name)
    report.write_text("report.md", markdown(outcomes, figures, skipped, provenance, baseline, plot_state, status, fmt))
    report.write_text("results.json", results_json(outcomes, provenance, baseline, status))
    report.write_text("results.tex", latex(outcomes))
    outcomes_frame(outcomes).to_csv(report.path("results.csv"), index=False)
    return report.commit([*REPORT_FILES, *names])


def exit_code(outcomes: Sequence[Outcome], strict: bool = False) -> int:
    """1 if any claim disagrees (or, with `strict`, is inconclusive), else 0."""
    bad = {Verdict.DISAGREE} | ({Verdict.INCONCLUSIVE} if strict else set())
    return int(any(o.verdict in bad for o in outcomes))
