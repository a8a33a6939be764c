"""Reports: the agreement table in terminal, Markdown, LaTeX, CSV and JSON form.

`write_report(outcomes, folder)` writes ``report.md``, ``results.json``,
``results.csv``, ``results.tex`` and one PNG plot per claim; ``results.json``
holds the provenance of the run and every outcome, and :func:`read_results`
reads it back (:meth:`Outcome.from_dict`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ..theory.prediction import cite
from .claim import RELATION_SYMBOLS, Outcome, Verdict

__all__ = ["table", "terminal_table", "markdown", "latex", "summary", "write_report", "read_results", "exit_code",
           "RESULTS_FORMAT"]

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


def _claim_section(o: Outcome) -> list[str]:
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
    if o.measurement is not None:
        lines.append(f"- plot: {o.claim}.png")
    lines.append("")
    return lines


def markdown(
    outcomes: Sequence[Outcome],
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> str:
    """Markdown report: the table (and the changes against a `baseline`, see :func:`write_report`), then per
    study its claims (statement, method, tolerance) and its figures."""
    from .studies import studies

    df = table(outcomes).drop(columns=["study"])
    lines = ["# scalingcheck report", "", summary(outcomes), ""]
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
                lines += _claim_section(o)
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
                 baseline: dict[str, Any] | None = None) -> str:
    """The text of ``results.json``: header, provenance, every outcome (and the changes against a baseline)."""
    body = {**RESULTS_FORMAT, "provenance": provenance or {}, "outcomes": [o.to_dict() for o in outcomes]}
    if baseline is not None:
        body["baseline"] = {"file": str(baseline["file"]), "notes": list(baseline.get("notes", ())),
                            "changes": [c.to_dict() for c in baseline["changes"]]}
    return json.dumps(body, indent=2, default=float)


def read_results(path: str | Path) -> tuple[dict[str, Any], list[Outcome]]:
    """(provenance, outcomes) of a ``results.json``; ``ValueError`` naming the file if it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable results.json ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT["format"]:
        raise ValueError(f"{path}: not a scalingcheck results.json (no header {RESULTS_FORMAT['format']!r})")
    if data.get("version") != RESULTS_FORMAT["version"]:
        raise ValueError(f"{path}: results format version {data.get('version')!r}; this package reads "
                         f"version {RESULTS_FORMAT['version']}")
    try:
        outcomes = [Outcome.from_dict(o) for o in data["outcomes"]]
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return dict(data.get("provenance") or {}), outcomes


def write_report(
    outcomes: Sequence[Outcome],
    folder: str | Path,
    plots: bool = True,
    figures: Sequence[tuple[Path, str]] = (),
    skipped: Sequence[tuple[str, str]] = (),
    provenance: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    drawn_plots: Mapping[str, Path] | None = None,
) -> list[Path]:
    """Write report.md, results.json, results.csv, results.tex (and PNG plots) into `folder`.

    `figures`: (path, caption) of suite figures already drawn there, and `skipped`: (name, reason) of those
    not drawn, both listed in report.md; `provenance`: see :func:`scalingcheck.compare.provenance.provenance`;
    `baseline`: ``{"file": path, "changes": [Change], "notes": [str]}`` from :mod:`.baseline`, shown as a diff
    table in report.md and kept in results.json; `drawn_plots`: claim name -> path of the claim plots of these
    very outcomes already drawn in `folder` (while the runs went on), not drawn again.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    files = {
        "report.md": markdown(outcomes, figures, skipped, provenance, baseline),
        "results.json": results_json(outcomes, provenance, baseline),
        "results.tex": latex(outcomes),
    }
    for name, text in files.items():
        path = folder / name
        path.write_text(text)
        written.append(path)
    csv = folder / "results.csv"
    table(outcomes).to_csv(csv, index=False)
    written.append(csv)
    if plots:
        from .plots import claim_plot, plottable

        done = drawn_plots or {}
        for o in outcomes:
            if plottable(o):
                written.append(Path(done[o.claim]) if o.claim in done else claim_plot(o, folder / f"{o.claim}.png"))
    return written + [Path(p) for p, _ in figures]


def exit_code(outcomes: Sequence[Outcome], strict: bool = False) -> int:
    """1 if any claim disagrees (or, with `strict`, is inconclusive), else 0."""
    bad = {Verdict.DISAGREE} | ({Verdict.INCONCLUSIVE} if strict else set())
    return int(any(o.verdict in bad for o in outcomes))
