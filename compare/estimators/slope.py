"""Slopes of seed-averaged curves: power-law exponents (log-log) and rates (semi-log).

:class:`PowerLawFit` fits ``y ~ x^slope`` by least squares of ln(mean y)
against ln x inside a stated window; :class:`RateFit` fits ``y ~ exp(slope x)``
(ln(mean y) against x: a per-layer quantity that changes by a constant factor
per layer, such as ``D_k ~ F^-k``, has the rate -ln F). Both put an interval on
the slope from the seed bootstrap of :mod:`.bootstrap` (whole curves
resampled, so correlations along a curve are respected).

The abscissa is either a swept column (``p``, ``layer``: one curve point per
value) or, with ``group``, a measured column averaged over seeds within each
group (e.g. the test error against the measured R_f, one point per
architecture): then x and y are both seed means and the bootstrap
resamples both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from .bootstrap import Bootstrapped, bootstrap_interval, seed_bootstrap
from .curves import seed_curve, seed_mean, seed_table
from .measurement import Curve, Exponent

__all__ = ["PowerLawFit", "RateFit", "loglog_slope"]


def loglog_slope(x, y) -> tuple[float, float]:
    """Least-squares slope and intercept of log(y) against log(x).

    Raises ``ValueError`` for fewer than two points or non-positive values.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size < 2 or x.size != y.size:
        raise ValueError(f"a log-log fit needs at least two (x, y) pairs of equal length, got {x.size} and {y.size}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("a log-log fit needs positive x and y")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(intercept)


def _dropped_note(xs: np.ndarray, mean: np.ndarray, usable: np.ndarray, y: str) -> str:
    """Which x values a fit left out, and why: the seed mean of `y` there is 0, negative, or absent."""
    parts = []
    for why, where in (("is 0", mean == 0), ("is negative", mean < 0),
                       ("has no value (no seed has a finite one)", np.isnan(mean))):
        where = where & ~usable
        if where.any():
            parts.append(f"x={', '.join(f'{v:g}' for v in xs[where])}: mean {y} {why}")
    rest = ~usable & (mean > 0)  # a measured abscissa that cannot be placed on the axis
    if rest.any():
        parts.append(f"x={', '.join(f'{v:g}' for v in xs[rest])}: not on the fit's axis")
    return "dropped " + "; ".join(parts)


@dataclass(frozen=True)
class _SlopeFit(Bootstrapped):
    """Shared fields and fit of :class:`PowerLawFit` and :class:`RateFit`."""

    semilog: ClassVar[bool] = False

    x: str = "p"
    y: str = "test_error"
    window: tuple[float, float] = (0.0, math.inf)
    exponent: str = "decay"
    group: str | None = None

    def __post_init__(self) -> None:
        if self.exponent not in ("decay", "growth"):
            raise ValueError(f"exponent={self.exponent!r}; allowed: 'decay', 'growth'")
        super().__post_init__()
        lo, hi = self.window
        if not (lo < hi and (self.semilog or lo >= 0)):
            bound = "low < high" if self.semilog else "0 <= low < high"
            raise ValueError(f"window={self.window} must satisfy {bound}")

    def columns(self) -> tuple[str, ...]:
        """The record fields the estimator reads."""
        return (self.x, self.y) + ((self.group,) if self.group else ())

    def _axis(self, x: np.ndarray) -> np.ndarray:
        return x if self.semilog else np.log(x)

    def describe(self) -> str:
        lo, hi = self.window
        scale = f"ln(mean {self.y}) vs {self.x}" if self.semilog else f"log-log least squares of mean {self.y} vs {self.x}"
        per = f", {self.x} and {self.y} averaged over seeds per {self.group}" if self.group else ""
        return (
            f"{scale} for {lo:g} <= {self.x} <= {hi:g}{per}; "
            f"{self.confidence:.0%} interval from the bootstrap-over-seeds standard error with Student-t (n_seeds-1)"
        )

    def _curve(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, list[int], Curve]:
        """(x values or None, x matrix for a measured x, y matrix, seeds, plotted curve)."""
        if self.group is None:
            xs, mat, seeds = seed_table(rows, self.x, self.y)
            return xs, None, mat, seeds, seed_curve(rows, self.x, self.y) if len(rows) else Curve.empty()
        if len(rows) and self.group in rows.columns and not pd.api.types.is_numeric_dtype(rows[self.group]):
            # groups named by strings (architectures): numbered in sorted order, only to index the points
            codes = {v: i for i, v in enumerate(sorted(rows[self.group].dropna().unique()))}
            rows = rows.assign(**{self.group: rows[self.group].map(codes)})
        _, xmat, seeds = seed_table(rows, self.group, self.x)
        _, mat, _ = seed_table(rows, self.group, self.y)
        y_curve = seed_curve(rows, self.group, self.y)
        curve = Curve(tuple(float(v) for v in seed_mean(xmat)), y_curve.mean, y_curve.sem, y_curve.n)
        return seed_mean(xmat), xmat, mat, seeds, curve

    def fit(self, rows: pd.DataFrame) -> Exponent:
        """Measure the slope; NaN value and interval when it cannot be fitted."""
        sign = -1.0 if self.exponent == "decay" else 1.0
        xs, xmat, mat, seeds, curve = self._curve(rows)
        lo, hi = self.window
        notes: list[str] = []
        inside = (xs >= lo) & (xs <= hi)
        xs, mat = xs[inside], mat[inside]
        xmat = None if xmat is None else xmat[inside]
        mean = seed_mean(mat) if mat.size else np.array([])
        usable = mean > 0
        if self.group is not None:
            usable &= xs > 0 if not self.semilog else np.isfinite(xs)
        if np.any(~usable):
            notes.append(_dropped_note(xs, mean, usable, self.y))
        xs, mat, mean = xs[usable], mat[usable], mean[usable]
        xmat = None if xmat is None else xmat[usable]
        common = dict(confidence=self.confidence, method=self.describe(), x_name=self.x, y_name=self.y,
                      window=self.window, decay=self.exponent == "decay", semilog=self.semilog, curve=curve)
        nan = math.nan
        if xs.size < 2:
            notes.append(f"only {xs.size} usable x value(s) in the window")
            return Exponent(nan, nan, nan, n_points=int(xs.size), n_seeds=len(seeds), notes=tuple(notes), **common)
        axis = self._axis(xs)
        slope, intercept = (float(v) for v in np.polyfit(axis, np.log(mean), 1))
        local = tuple(sign * s for s in np.diff(np.log(mean)) / np.diff(axis))
        n_seeds = mat.shape[1]

        def replicate(picks: list[np.ndarray]) -> float:
            m = seed_mean(mat, picks[0])
            a = axis if xmat is None else self._axis(seed_mean(xmat, picks[0]))
            ok = (m > 0) & np.isfinite(a)
            return np.polyfit(a[ok], np.log(m[ok]), 1)[0] if ok.sum() >= 2 else nan

        boot = seed_bootstrap(replicate, [n_seeds], self.n_boot, self.seed)
        if n_seeds < 2:
            notes.append("one seed: no bootstrap interval")
        low, high = bootstrap_interval(sign * slope, boot, n_seeds, self.confidence)
        return Exponent(sign * slope, low, high, n_points=int(xs.size), n_seeds=int(n_seeds), notes=tuple(notes),
                        intercept=intercept, local_slopes=local, **common)


@dataclass(frozen=True)
class PowerLawFit(_SlopeFit):
    """Fit ``y ~ x^slope`` on seed-averaged rows inside ``window`` (log-log least squares).

    Parameters
    ----------
    x, y : columns of the abscissa (``"p"``, ``"layer"``, or a measured one with `group`) and the observable.
    window : inclusive (low, high) range of x used by the fit; points outside
        are reported (curve, plots) but not fitted.
    exponent : ``"decay"`` reports beta = -slope (``eps ~ P^-beta``); ``"growth"`` reports the slope.
    group : ``None`` when x is swept (one point per x value); else the column
        whose values are the points, x and y being seed means within each.
    n_boot, confidence, seed : bootstrap resamples over seeds, interval level,
        and the bootstrap's own seed.
    """


@dataclass(frozen=True)
class RateFit(_SlopeFit):
    """Fit ``y ~ exp(slope x)`` on seed-averaged rows (ln y against x): a rate per unit of x.

    Same parameters as :class:`PowerLawFit`; the window may include x <= 0.
    For ``D_k ~ F^-k`` against the layer k the rate is -ln F (``exponent="growth"``
    reports it with its sign).
    """

    semilog: ClassVar[bool] = True
