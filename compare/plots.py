"""PNG plots of claims (matplotlib, imported only when a plot is drawn)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .claim import Outcome
from .figures import pyplot, save


def _level_plot(ax, outcome: Outcome, x: np.ndarray, y: np.ndarray) -> None:
    """A value per group on a linear axis, with the measured mean, its interval and the prediction."""
    m = outcome.measurement
    ax.plot(x, y, "o", color="k", label="measured per group")
    if math.isfinite(m.value):
        ax.axhline(m.value, color="C0", label=f"mean {m.value:.3f} [{m.low:.3f}, {m.high:.3f}]")
        if math.isfinite(m.low):
            ax.axhspan(m.low, m.high, color="C0", alpha=0.1, lw=0)
    if math.isfinite(outcome.predicted):
        tol = outcome.tolerance.absolute
        ax.axhline(outcome.predicted, ls="--", color="C3", label=f"predicted {outcome.predicted:.3f} +- {tol:g} [{outcome.provenance}]")
    if x.size and np.all(x > 0):  # groups (m, n_c) on a log axis; seeds (from 0) on a linear one
        ax.set_xscale("log")


def _power_law_plot(ax, outcome: Outcome, x: np.ndarray, y: np.ndarray, err: np.ndarray) -> None:
    m = outcome.measurement
    ok = y > 0
    ax.errorbar(x[ok], y[ok], yerr=err[ok], fmt="o", ms=4, capsize=2, color="k", label="measured (mean +- s.e.)")
    lo, hi = m.window
    inside = (x >= lo) & (x <= hi) & ok
    if math.isfinite(m.value) and inside.sum() >= 2:
        xs = np.geomspace(x[inside].min(), x[inside].max(), 50)
        fit = np.exp(m.intercept) * xs ** m.slope_of(m.value)
        ax.plot(xs, fit, "-", color="C0", label=f"fit: exponent {m.value:.3f} [{m.low:.3f}, {m.high:.3f}]")
        if math.isfinite(outcome.predicted):
            x0 = math.sqrt(xs[0] * xs[-1])
            y0 = math.exp(m.intercept) * x0 ** m.slope_of(m.value)
            pred = y0 * (xs / x0) ** m.slope_of(outcome.predicted)
            ax.plot(xs, pred, "--", color="C3", label=f"predicted exponent {outcome.predicted:.3f} [{outcome.provenance}]")
        ax.axvspan(x[inside].min(), x[inside].max(), color="C0", alpha=0.06, lw=0)
    curve = outcome.extra.get("predicted_curve")
    if curve:
        ax.plot(curve["x"], curve["y"], ":", color="C2", lw=2, label=curve.get("label", "theory"))
    ax.set_xscale("log")
    ax.set_yscale("log")


def learning_curve_plot(outcome: Outcome, path: str | Path) -> Path:
    """Measured points (mean +- s.e.m. over seeds), fitted line and predicted slope, log-log."""
    plt = pyplot()
    m = outcome.measurement
    assert m is not None and m.curve is not None
    x = np.asarray(m.curve.x)
    y = np.asarray(m.curve.mean)
    err = np.nan_to_num(np.asarray(m.curve.sem))
    fig, ax = plt.subplots(figsize=(5.2, 4.0), dpi=120)
    if m.exponent == "level":
        _level_plot(ax, outcome, x, y)
    else:
        _power_law_plot(ax, outcome, x, y, err)
    ax.set_xlabel(m.x_name)
    ax.set_ylabel(m.y_name)
    claimed = {"differ": "measured != predicted", "greater": "measured > predicted"}.get(outcome.relation, "measured = predicted")
    ax.set_title(f"{outcome.claim}\nclaim: {claimed} -> {outcome.verdict.value}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    path = Path(path)
    save(fig, path)
    return path
