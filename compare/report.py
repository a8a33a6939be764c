"""Reports: the agreement table in terminal, Markdown, LaTeX, CSV and JSON form.

`write_report(outcomes, folder)` writes ``report.md``, ``results.json``,
``results.csv``, ``results.tex`` and one PNG learning curve per claim.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import pandas as pd

from .claim import Outcome, Verdict


def _num(v: float, digits: int = 3) -> str:
    return "nan" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def table(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """One row per claim: predicted, measured with interval, verdict, provenance, window."""
    rows = []
    for o in outcomes:
        m = o.measurement
        rows.append(
            {
                "claim": o.claim,
                "relation": {"equal": "=", "differ": "!=", "greater": ">"}[o.relation],
                "predicted": _num(o.predicted),
                "measured": _num(m.value) if m else "-",
                "interval": f"[{_num(m.low)}, {_num(m.high)}]" if m else "-",
                "tol": f"{o.tolerance.absolute:g}",
                "verdict": o.verdict.value,
                "tag": o.provenance,
                "window": f"{m.window[0]:g}-{m.window[1]:g}" if m else "-",
                "seeds": m.n_seeds if m else 0,
                "reason": o.reason,
            }
        )
    return pd.DataFrame(rows)


def terminal_table(outcomes: Sequence[Outcome]) -> str:
    """Plain-text table for the terminal."""
    from tabulate import tabulate

    df = table(outcomes)
    return tabulate(df.drop(columns=["reason"]), headers="keys", tablefmt="simple", showindex=False)


def markdown(outcomes: Sequence[Outcome], figures: Sequence[tuple[Path, str]] = ()) -> str:
    """Markdown report: the table, each claim's statement, method and tolerance, then the suite figures."""
    df = table(outcomes)
    lines = ["# scalingcheck report", "", summary(outcomes), "", df.to_markdown(index=False), ""]
    for o in outcomes:
        lines += [f"## {o.claim}: {o.verdict.value}", "", o.statement, ""]
        lines.append(f"- predicted: {o.predicted_text} = {_num(o.predicted)} [{o.provenance}, arXiv:{o.citation}]")
        if o.measurement is not None:
            m = o.measurement
            lines.append(
                f"- measured: {_num(m.value)}, {m.confidence:.0%} interval [{_num(m.low)}, {_num(m.high)}], "
                f"{m.n_points} points x {m.n_seeds} seeds"
            )
            lines.append(f"- method: {m.method}")
            if m.local_slopes:
                lines.append(f"- local exponents along the window: {', '.join(_num(s, 2) for s in m.local_slopes)}")
            for note in m.notes:
                lines.append(f"- note: {note}")
        lines.append(f"- tolerance: {o.tolerance.absolute:g} ({o.tolerance.reason}); inconclusive if the interval is wider than {o.tolerance.max_interval:g}")
        lines.append(f"- verdict: {o.verdict.value}: {o.reason}")
        lines.append(f"- plot: {o.claim}.png")
        lines.append("")
    if figures:
        lines += ["## Figures", ""]
        lines += [f"- {Path(path).name}: {caption}" for path, caption in figures]
        lines.append("")
    return "\n".join(lines)


def latex(outcomes: Sequence[Outcome]) -> str:
    """LaTeX tabular of the agreement table (booktabs style)."""
    df = table(outcomes).drop(columns=["reason"])
    return df.to_latex(index=False, escape=True)


def summary(outcomes: Sequence[Outcome]) -> str:
    counts = {v: sum(o.verdict is v for o in outcomes) for v in Verdict}
    return ", ".join(f"{n} {v.value}" for v, n in counts.items()) + f" (of {len(outcomes)} claims)"


def write_report(
    outcomes: Sequence[Outcome], folder: str | Path, plots: bool = True, figures: Sequence[tuple[Path, str]] = ()
) -> list[Path]:
    """Write report.md, results.json, results.csv, results.tex (and PNG plots) into `folder`.

    `figures`: (path, caption) of suite figures already drawn there, listed in report.md.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    files = {
        "report.md": markdown(outcomes, figures),
        "results.json": json.dumps([o.to_dict() for o in outcomes], indent=2, default=float),
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
        from .plots import learning_curve_plot

        for o in outcomes:
            if o.measurement is not None and o.measurement.curve is not None:
                written.append(learning_curve_plot(o, folder / f"{o.claim}.png"))
    return written + [Path(p) for p, _ in figures]


def exit_code(outcomes: Sequence[Outcome], strict: bool = False) -> int:
    """1 if any claim disagrees (or, with `strict`, is inconclusive), else 0."""
    bad = {Verdict.DISAGREE} | ({Verdict.INCONCLUSIVE} if strict else set())
    return int(any(o.verdict in bad for o in outcomes))
