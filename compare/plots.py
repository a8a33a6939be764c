"""Plots of claims, as PNG, PDF or SVG (matplotlib, imported only when a plot is drawn).

Each measurement type is drawn its own way (:func:`draw`, dispatched on the
type): an :class:`Exponent` as its curve with the fitted and the predicted
slope, a :class:`Level` as its values with the mean and the prediction, a
:class:`Crossing` as its curve with the threshold and the crossing.
"""
from __future__ import annotations

import math
import re
from functools import singledispatch
from pathlib import Path

import numpy as np

from .claim import RELATION_SYMBOLS, Outcome
from .estimators.measurement import Crossing, Exponent, Level, Measurement
from .figures import check_format, pyplot, save

__all__ = ["claim_plot", "draw", "plottable", "mathtext", "window_text"]

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu",
         "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega", "Gamma", "Delta", "Theta",
         "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega")
"""Symbol names that mathtext writes as Greek letters."""

_GREEK_WORD = re.compile(r"(?<![\\A-Za-z0-9])(" + "|".join(GREEK) + r")(?:_([A-Za-z0-9]+))?(?![A-Za-z0-9])")
_MATHRM_GREEK = re.compile(r"\\mathrm\{(" + "|".join(GREEK) + r")(?:\\?_([A-Za-z0-9]+))?\}")


def mathtext(text: str) -> str:
    """`text` with the Greek-letter symbol names written as Greek letters in matplotlib's mathtext:
    ``beta`` -> ``$\\beta$``, ``beta_lazy`` -> ``$\\beta_{\\mathrm{lazy}}$``, ``delta_rms`` ->
    ``$\\delta_{\\mathrm{rms}}$``; in LaTeX already (``$...$``), ``\\mathrm{beta}`` -> ``\\beta``.
    Other words are left as they are (``test_error``, ``chance``, ``chi0``)."""
    if "$" in text:
        return _MATHRM_GREEK.sub(lambda m: "\\" + m.group(1) + (f"_{{\\mathrm{{{m.group(2)}}}}}" if m.group(2) else ""),
                                 text)

    def greek(m: re.Match) -> str:
        sub = m.group(2)
        return f"$\\{m.group(1)}" + (f"_{{\\mathrm{{{sub}}}}}" if sub and not sub.isdigit() else
                                     f"_{{{sub}}}" if sub else "") + "$"

    return _GREEK_WORD.sub(greek, text)


def _g(value: float) -> str:
    """A number at 3 significant digits, in ``g`` form (``0.00652``, ``64``, ``1.5e+04``, ``inf``)."""
    return f"{value:.3g}"


def window_text(window) -> str:
    """A fit window compactly: ``all`` for (0, inf), ``[64, 256]``, ``[0.00652, 0.0522]``, ``[64, inf)``."""
    if not window:
        return "-"
    low, high = (float(v) for v in window)
    if low <= 0 and math.isinf(high):
        return "all"
    return f"[{_g(low)}, {_g(high)}{')' if math.isinf(high) else ']'}"


def _symbol(outcome: Outcome) -> str:
    """The predicted quantity's symbol in mathtext, from the prediction's text (``name(...): beta = ...``), or ``""``."""
    head = outcome.predicted_text.partition(" = ")[0]
    symbol = head.rpartition(": ")[2].strip()
    return mathtext(symbol) if symbol and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", symbol) else ""


@singledispatch
def draw(m: Measurement, ax, outcome: Outcome) -> None:
    """Draw measurement `m` of `outcome` on the matplotlib axes `ax`."""
    raise TypeError(f"no plot for a measurement of type {type(m).__name__}")


def _curve(m) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.asarray(m.curve.x), np.asarray(m.curve.mean), np.nan_to_num(np.asarray(m.curve.sem))


@draw.register
def _(m: Level, ax, outcome: Outcome) -> None:
    """A value per seed or group on a linear axis, with the measured mean, its interval and the prediction."""
    x, y, _ = _curve(m)
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


@draw.register
def _(m: Exponent, ax, outcome: Outcome) -> None:
    """The curve (mean +- s.e.), the fitted line inside the window, the predicted slope through its middle."""
    x, y, err = _curve(m)
    ok = y > 0
    ax.errorbar(x[ok], y[ok], yerr=err[ok], fmt="o", ms=4, capsize=2, color="k", label="measured (mean +- s.e.)")
    lo, hi = m.window
    inside = (x >= lo) & (x <= hi) & ok
    axis = (lambda v: v) if m.semilog else np.log
    if math.isfinite(m.value) and inside.sum() >= 2:
        xs = np.linspace(x[inside].min(), x[inside].max(), 50) if m.semilog else np.geomspace(x[inside].min(), x[inside].max(), 50)
        fit = np.exp(m.intercept + m.slope_of(m.value) * axis(xs))
        ax.plot(xs, fit, "-", color="C0", label=f"fit: exponent {m.value:.3f} [{m.low:.3f}, {m.high:.3f}]")
        if math.isfinite(outcome.predicted):
            a0 = 0.5 * (axis(xs[0]) + axis(xs[-1]))
            y0 = math.exp(m.intercept + m.slope_of(m.value) * a0)
            pred = y0 * np.exp(m.slope_of(outcome.predicted) * (axis(xs) - a0))
            symbol = _symbol(outcome)
            ax.plot(xs, pred, "--", color="C3", label=f"predicted exponent {symbol + ' = ' if symbol else ''}"
                    f"{outcome.predicted:.3f} [{outcome.provenance}]")
        ax.axvspan(x[inside].min(), x[inside].max(), color="C0", alpha=0.06, lw=0)
    curve = outcome.extra.get("predicted_curve")
    if curve:
        ax.plot(curve["x"], curve["y"], ":", color="C2", lw=2, label=curve.get("label", "theory"))
    if not m.semilog:
        ax.set_xscale("log")
    ax.set_yscale("log")


@draw.register
def _(m: Crossing, ax, outcome: Outcome) -> None:
    """The curve (mean +- s.e.), the threshold, and the crossing with its interval."""
    x, y, err = _curve(m)
    ax.errorbar(x, y, yerr=err, fmt="o-", ms=4, capsize=2, color="k", label="measured (mean +- s.e.)")
    ax.axhline(m.threshold, ls=":", color="C7", label=f"threshold {m.threshold:g}")
    if math.isfinite(m.value):
        ax.axvline(m.value, color="C0", label=f"crossing {m.value:.4g} [{m.low:.4g}, {m.high:.4g}]")
        if math.isfinite(m.low):
            ax.axvspan(m.low, m.high, color="C0", alpha=0.1, lw=0)
    if math.isfinite(outcome.predicted):
        ax.axvline(outcome.predicted, ls="--", color="C3", label=f"predicted {outcome.predicted:.4g} [{outcome.provenance}]")
    ax.set_xscale("log")


def plottable(outcome: Outcome) -> bool:
    """Whether the claim has a measured curve to plot (:func:`claim_plot`)."""
    return outcome.measurement is not None and getattr(outcome.measurement, "curve", None) is not None


def claim_plot(outcome: Outcome, path: str | Path, format: str | None = None) -> Path:
    """One claim's plot (as its measurement type draws it), titled with the claim and its verdict, written to
    `path` as `format` (png, pdf or svg; default: the suffix of `path`, else PNG). Log axes are labelled at
    the decades, the legend kept off the data, Greek symbol names written as Greek letters (:func:`mathtext`)."""
    fmt = check_format(format or Path(path).suffix or "png")
    plt = pyplot()
    m = outcome.measurement
    if not plottable(outcome):
        raise ValueError(f"claim {outcome.claim!r} has no measured curve to plot")
    fig, ax = plt.subplots(figsize=(5.2, 4.0), dpi=120)
    draw(m, ax, outcome)
    ax.set_xlabel(mathtext(m.x_name))
    ax.set_ylabel(mathtext(m.y_name))
    claimed = f"measured {RELATION_SYMBOLS.get(outcome.relation, '=')} predicted"
    window = getattr(m, "window", None)
    where = f", window {window_text(window)}" if window else ""
    ax.set_title(f"{outcome.claim}\nclaim: {claimed} -> {outcome.verdict.value}{where}", fontsize=9)
    ax.legend(fontsize=7, loc="best")
    path = Path(path)
    save(fig, path, format=fmt)
    return path
