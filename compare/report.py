"""Reports: the agreement table in terminal, Markdown, LaTeX, CSV and JSON form.

`write_report(outcomes, folder)` writes ``report.md``, ``results.json``,
``results.csv``, ``results.tex`` and one PNG plot per claim, all put in place
together (:class:`.outputs.ReportFolder`: no file half-written, no file of an
earlier report left beside them); ``results.json`` holds the provenance of the
run, its status (complete or not, and why) and every outcome, and
:func:`read_results` reads it back (:meth:`Outcome.from_dict`), checking it as
data.
"""
from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..simulate.runs.errors import BadInput
from ..theory.prediction import cite
from .claim import RELATION_SYMBOLS, Outcome, Verdict
from .outputs import REPORT_FILES, ReportFolder

__all__ = ["table", "terminal_table", "markdown", "latex", "summary", "write_report", "read_results", "load_results",
           "Results", "run_status", "exit_code", "RESULTS_FORMAT"]

RESULTS_FORMAT = {"format": "scalingcheck-results", "version": 1}
"""Header of ``results.json``."""


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
                "window": f"{window[0]:g}-{window[1]:g}" if window else "-",
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


def _claim_section(o: Outcome, plot: str | None = "") -> list[str]:
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
        lines.append(f"- plot: {o.claim}.png")
    elif plot:
        lines.append(f"- plot: not drawn ({plot})")
    lines.append("")
    return lines


def markdown(
    outcomes: Sequence[Outcome],
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    plots: Mapping[str, str | None] | None = None,
    status: dict[str, Any] | None = None,
) -> str:
    """Markdown report: the table (and the changes against a `baseline`, see :func:`write_report`), then per
    study its claims (statement, method, tolerance) and its figures. `plots`: claim name -> ``None`` for a
    plot in the report, or why it could not be drawn; a claim not in it gets no plot line."""
    from .studies import studies

    df = table(outcomes).drop(columns=["study"])
    lines = ["# scalingcheck report", "", summary(outcomes), ""]
    status = status or run_status(outcomes)
    if not status["complete"]:
        lines += ["**This run is incomplete**: its verdicts rest on the runs that finished.", ""]
        lines += [f"- {problem}" for problem in status["problems"]] + [""]
    if provenance:
        commit = provenance.get("git_commit")
        lines += [f"scalingcheck {provenance.get('version')}"
                  + (f" (commit {commit[:12]}{', modified' if provenance.get('git_dirty') else ''})" if commit else "")
                  + f", Python {provenance.get('python')}, torch {provenance.get('torch')}, device {provenance.get('device')}, "
                  f"suite {provenance.get('suite')}, {provenance.get('date')}", ""]
    lines += [df.to_markdown(index=False), ""]
    if baseline is not None:
        from .baseline import change_table

        changes = baseline["changes"]
        regressions = sum(c.regression for c in changes)
        lines += ["## Against the baseline", "",
                  f"Baseline `{baseline['file']}`: {regressions} regression(s) in {len(changes)} claims.", ""]
        lines += [f"- note: {note}" for note in baseline.get("notes", ())]
        lines += ["", change_table(changes, markdown=True), ""]
    known = {s.name: s for s in studies()}
    for name in dict.fromkeys(o.study for o in outcomes):
        study = known.get(name)
        title = study.title if study else (name or "claims")
        lines += [f"## {title}", ""]
        if study and study.papers:
            lines += [f"Papers: {', '.join(cite(p) for p in study.papers)}", ""]
        for o in outcomes:
            if o.study == name:
                lines += _claim_section(o, (plots or {}).get(o.claim, ""))
    if figures or skipped:
        lines += ["## Figures", ""]
        lines += [f"- {Path(path).name}: {caption}" for path, caption in figures]
        lines += [f"- {name}.png not drawn: {reason}" for name, reason in skipped]
        lines.append("")
    return "\n".join(lines)


def latex(outcomes: Sequence[Outcome]) -> str:
    """LaTeX tabular of the agreement table (booktabs style)."""
    df = table(outcomes).drop(columns=["reason", "study"])
    return df.to_latex(index=False, escape=True)


def summary(outcomes: Sequence[Outcome]) -> str:
    counts = {v: sum(o.verdict is v for o in outcomes) for v in Verdict}
    return ", ".join(f"{n} {v.value}" for v, n in counts.items()) + f" (of {len(outcomes)} claims)"


def results_json(outcomes: Sequence[Outcome], provenance: dict[str, Any] | None = None,
                 baseline: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> str:
    """The text of ``results.json``: header, provenance, the run's status, every outcome (and the changes
    against a baseline). `status`: ``{"complete": bool, "problems": [str]}`` (see :func:`run_status`)."""
    body = {**RESULTS_FORMAT, "provenance": provenance or {}, "run": status or run_status(outcomes),
            "outcomes": [o.to_dict() for o in outcomes]}
    if baseline is not None:
        body["baseline"] = {"file": str(baseline["file"]), "notes": list(baseline.get("notes", ())),
                            "changes": [c.to_dict() for c in baseline["changes"]]}
    return json.dumps(body, indent=2, default=float)


def run_status(outcomes: Sequence[Outcome], problems: Sequence[str] = ()) -> dict[str, Any]:
    """Whether a run is complete: no `problems` (runs that failed, say) and every claim measured and judged.

    A claim none of whose runs is in the store, or whose estimator or target failed, is a problem too.
    """
    found = list(problems)
    unmeasured = [o.claim for o in outcomes if o.extra.get("missing_runs")
                  and o.extra.get("missing_runs") == o.extra.get("runs")]
    if unmeasured:
        found.append(f"{len(unmeasured)} of {len(outcomes)} claims have none of their runs in the store "
                     f"({', '.join(unmeasured[:3])}{', ...' if len(unmeasured) > 3 else ''}): nothing was measured "
                     "for them")
    for o in outcomes:
        if o.extra.get("error"):
            found.append(f"claim {o.claim} could not be judged: {o.extra['error']}")
    return {"complete": not found, "problems": found}


@dataclass(frozen=True)
class Results:
    """A ``results.json`` read back: the run's provenance, status and outcomes (see :func:`load_results`)."""

    provenance: dict[str, Any]
    status: dict[str, Any] | None
    outcomes: list[Outcome]


def _number(value: Any, where: str, finite: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} is {value!r} ({type(value).__name__}), not a number")
    if finite and not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}, not a finite number")


def _check_entry(entry: Any, i: int) -> None:
    """Check one outcome of a results.json as data: types and intervals, before it is used."""
    if not isinstance(entry, dict):
        raise ValueError(f"outcome {i} is a {type(entry).__name__}, not an object")
    name = entry.get("claim")
    where = f"outcome {i} ({name!r})"
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: its claim name must be a non-empty string")
    _number(entry.get("predicted"), f"{where}: predicted")
    tol = entry.get("tolerance")
    if not isinstance(tol, dict):
        raise ValueError(f"{where}: tolerance must be an object")
    for key in ("absolute", "max_interval"):
        _number(tol.get(key), f"{where}: tolerance {key}", finite=True)
    m = entry.get("measurement")
    if m is None:
        return
    if not isinstance(m, dict):
        raise ValueError(f"{where}: measurement must be an object or null")
    for key in ("value", "low", "high", "confidence"):
        _number(m.get(key), f"{where}: measurement {key}")
    for key in ("n_points", "n_seeds"):
        if isinstance(m.get(key), bool) or not isinstance(m.get(key), int):
            raise ValueError(f"{where}: measurement {key} is {m.get(key)!r}, not an integer")
    if entry.get("verdict") in (Verdict.AGREE.value, Verdict.DISAGREE.value):
        for key in ("value", "low", "high"):
            _number(m[key], f"{where}: measurement {key} of a claim that was decided", finite=True)
    if all(math.isfinite(m[key]) for key in ("value", "low", "high")):
        if not m["low"] <= m["value"] <= m["high"]:
            raise ValueError(f"{where}: its interval [{m['low']}, {m['high']}] is not ordered around its value "
                             f"{m['value']}")


def load_results(path: str | Path) -> Results:
    """A ``results.json`` read and checked as data.

    Raises
    ------
    BadInput
        Naming the file and the entry, if it is not a results.json of this format, an outcome is
        malformed (a value that is not a number; for a decided claim, a value or interval that is not
        finite; a finite interval that does not hold its value) or a claim appears twice.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a readable results.json ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT["format"]:
        raise BadInput(f"{path}: not a scalingcheck results.json (no header {RESULTS_FORMAT['format']!r})")
    if data.get("version") != RESULTS_FORMAT["version"]:
        raise BadInput(f"{path}: results format version {data.get('version')!r}; this package reads "
                       f"version {RESULTS_FORMAT['version']}")
    entries, provenance, status = data.get("outcomes"), data.get("provenance") or {}, data.get("run")
    try:
        if not isinstance(entries, list):
            raise ValueError(f"'outcomes' is {type(entries).__name__}, not a list of outcomes")
        if not isinstance(provenance, dict):
            raise ValueError(f"'provenance' is {type(provenance).__name__}, not an object")
        if status is not None and not (isinstance(status, dict) and isinstance(status.get("complete"), bool)
                                       and isinstance(status.get("problems", []), list)):
            raise ValueError("'run' must be an object with a boolean 'complete' and a list 'problems'")
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            _check_entry(entry, i)
            if entry["claim"] in seen:
                raise ValueError(f"claim {entry['claim']!r} appears more than once")
            seen.add(entry["claim"])
        outcomes = [Outcome.from_dict(o) for o in entries]
    except ValueError as exc:
        raise BadInput(f"{path}: {exc}") from exc
    return Results(dict(provenance), status, outcomes)


def read_results(path: str | Path) -> tuple[dict[str, Any], list[Outcome]]:
    """(provenance, outcomes) of a ``results.json`` (see :func:`load_results`, which also gives its status)."""
    results = load_results(path)
    return results.provenance, results.outcomes


def write_report(
    outcomes: Sequence[Outcome],
    folder: str | Path | ReportFolder,
    plots: bool = True,
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    drawn_plots: Mapping[str, Path] | None = None,
    status: dict[str, Any] | None = None,
) -> list[Path]:
    """Write report.md, results.json, results.csv, results.tex (and PNG plots) into `folder`, all at once.

    The files are made in the folder's staging area and put in place together
    (:meth:`.outputs.ReportFolder.commit`): the files of the report before that this one does not
    have are removed. `figures`: (path, caption) of suite figures already drawn (in the staging area of
    `folder`, when it is a :class:`.outputs.ReportFolder`, or anywhere: they are copied), and `skipped`:
    (name, reason) of those not drawn, both listed in report.md; `provenance`: see
    :func:`scalingcheck.compare.provenance.provenance`; `baseline`: ``{"file": path, "changes": [Change],
    "notes": [str]}`` from :mod:`.baseline`, shown as a diff table in report.md and kept in results.json;
    `drawn_plots`: claim name -> path of the claim plots of these very outcomes already drawn in the
    staging area of `folder`, not drawn again; `status`: see :func:`run_status` (computed from the
    outcomes when not given). A plot that cannot be drawn is said so in report.md. Returns the paths
    written.
    """
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
            target = report.path(f"{o.claim}.png")
            if done.get(o.claim) != target:
                try:
                    claim_plot(o, target)
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
    report.write_text("report.md", markdown(outcomes, figures, skipped, provenance, baseline, plot_state, status))
    report.write_text("results.json", results_json(outcomes, provenance, baseline, status))
    report.write_text("results.tex", latex(outcomes))
    table(outcomes).to_csv(report.path("results.csv"), index=False)
    return report.commit([*REPORT_FILES, *names])


def exit_code(outcomes: Sequence[Outcome], strict: bool = False) -> int:
    """1 if any claim disagrees (or, with `strict`, is inconclusive), else 0."""
    bad = {Verdict.DISAGREE} | ({Verdict.INCONCLUSIVE} if strict else set())
    return int(any(o.verdict in bad for o in outcomes))
