"""Sample complexities: where a seed-averaged curve crosses a threshold, and how that point scales.

* :class:`ThresholdCrossing`: P* = the x at which the mean of y first falls to
  `threshold` (e.g. test error = 10% of chance error), interpolated linearly
  in (log x, y) between the two bracketing points, with an interval from the
  seed bootstrap (in log P*).
* :class:`CrossingScaling`: the exponent of P* against a parameter of the
  sweep (``P* ~ m^L``: slope of log P* against log m over the groups of rows
  sharing a value of `group`); each group's seeds are resampled on their own.
* :class:`CrossingRatio`: log2 of the ratio of two crossings of the same runs
  (e.g. where a sensitivity drops against where the error does), averaged over groups.

Intervals: :func:`.bootstrap.bootstrap_interval`, as for every estimator.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .bootstrap import Bootstrapped, bootstrap_interval, seed_bootstrap
from .curves import groups, seed_curve, seed_mean, seed_table
from .measurement import Crossing, Curve, Exponent, Level

__all__ = ["crossing", "ThresholdCrossing", "CrossingScaling", "CrossingRatio"]


def crossing(x, y, threshold: float) -> float:
    """First x where y <= threshold, interpolated linearly in (log x, y); NaN if y never crosses
    or is already below the threshold at the smallest x (the crossing is then out of range)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    below = np.nonzero(y <= threshold)[0]
    if below.size == 0 or below[0] == 0:
        return math.nan
    i = below[0]
    x0, x1, y0, y1 = math.log(x[i - 1]), math.log(x[i]), y[i - 1], y[i]
    frac = (y0 - threshold) / (y0 - y1) if y0 != y1 else 1.0
    return math.exp(x0 + frac * (x1 - x0))


@dataclass(frozen=True)
class ThresholdCrossing(Bootstrapped):
    """P*: where the seed-averaged `y` first falls to `threshold` along `x`."""

    threshold: float
    x: str = "p"
    y: str = "test_error"

    def columns(self) -> tuple[str, ...]:
        return (self.x, self.y)

    def describe(self) -> str:
        return (
            f"first {self.x} where mean {self.y} <= {self.threshold:g}, interpolated in (log {self.x}, {self.y}); "
            f"{self.confidence:.0%} interval from the bootstrap over seeds (log scale, Student-t)"
        )

    def fit(self, rows: pd.DataFrame) -> Crossing:
        xs, mat, seeds = seed_table(rows, self.x, self.y)
        value = crossing(xs, seed_mean(mat), self.threshold)
        boot = seed_bootstrap(lambda picks: crossing(xs, seed_mean(mat, picks[0]), self.threshold), [len(seeds)],
                              self.n_boot, self.seed)
        with np.errstate(invalid="ignore"):
            lo, hi = bootstrap_interval(math.log(value) if value > 0 else math.nan, np.log(boot), len(seeds), self.confidence)
        notes = () if math.isfinite(value) else (f"mean {self.y} does not cross {self.threshold:g} inside the range of {self.x}",)
        return Crossing(
            value=value, low=math.exp(lo), high=math.exp(hi), confidence=self.confidence, n_points=len(xs),
            n_seeds=len(seeds), method=self.describe(), x_name=self.x, y_name=self.y, notes=notes,
            threshold=self.threshold, window=(float(xs.min()), float(xs.max())) if len(xs) else (math.nan, math.nan),
            curve=seed_curve(rows, self.x, self.y),
        )


@dataclass(frozen=True)
class CrossingScaling(Bootstrapped):
    """Exponent of P* against the sweep parameter `group` (slope of log P* vs log group)."""

    threshold: float
    group: str
    x: str = "p"
    y: str = "test_error"
    name: str = "P*"
    """What the crossing is called in notes and plots (e.g. "alpha*" for a crossing along alpha)."""

    def columns(self) -> tuple[str, ...]:
        return (self.x, self.y, self.group)

    def describe(self) -> str:
        return (
            f"slope of log {self.name} against log {self.group}, {self.name} = first {self.x} where mean {self.y} "
            f"<= {self.threshold:g}; "
            f"{self.confidence:.0%} interval from the bootstrap over seeds within each {self.group} (Student-t)"
        )

    def fit(self, rows: pd.DataFrame) -> Exponent:
        parts = groups(rows, self.group)
        keys = list(parts)
        mats = [seed_table(part, self.x, self.y) for part in parts.values()]
        stars = np.array([crossing(xs, seed_mean(mat), self.threshold) for xs, mat, _ in mats])
        ok = np.isfinite(stars)
        notes = [f"{self.name}({self.group}={k:g}) = {s:.4g}" for k, s in zip(keys, stars)]
        n_seeds = min(len(seeds) for _, _, seeds in mats) if mats else 0
        nan = math.nan
        common = dict(confidence=self.confidence, method=self.describe(), x_name=self.group, y_name=self.name,
                      window=(min(keys, default=nan), max(keys, default=nan)), decay=False)
        if ok.sum() < 2:
            return Exponent(nan, nan, nan, n_points=int(ok.sum()), n_seeds=n_seeds,
                            notes=tuple(notes + [f"fewer than two finite {self.name}"]), **common)
        g = np.log(np.asarray(keys))
        slope, intercept = np.polyfit(g[ok], np.log(stars[ok]), 1)

        def replicate(picks: list[np.ndarray]) -> list[float]:
            s = np.array([crossing(xs, seed_mean(mat, pick), self.threshold) for (xs, mat, _), pick in zip(mats, picks)])
            good = np.isfinite(s)
            return [np.polyfit(g[good], np.log(s[good]), 1)[0] if good.sum() >= 2 else nan, *s]

        boot = seed_bootstrap(replicate, [mat.shape[1] for _, mat, _ in mats], self.n_boot, self.seed)
        boot = boot.reshape(-1, 1 + len(keys))
        lo, hi = bootstrap_interval(float(slope), boot[:, 0], n_seeds, self.confidence)
        with warnings.catch_warnings():  # a group whose P* never crossed has an all-NaN column
            warnings.simplefilter("ignore", RuntimeWarning)
            sem = np.nanstd(boot[:, 1:], axis=0, ddof=1) if len(boot) else np.full(len(keys), nan)
        curve = Curve(tuple(keys), tuple(float(v) for v in stars), tuple(float(v) for v in sem),
                      tuple(len(seeds) for _, _, seeds in mats))
        return Exponent(float(slope), lo, hi, n_points=int(ok.sum()), n_seeds=n_seeds, notes=tuple(notes),
                        intercept=float(intercept), curve=curve, **common)


@dataclass(frozen=True)
class CrossingRatio(Bootstrapped):
    """log2 of the ratio of two crossings of the same runs, averaged over the groups of `group`.

    For each value of `group`: P_a = crossing of `y_a` through `threshold_a`,
    P_b = crossing of `y_b` through `threshold_b` (both along `x`); the value
    is the mean over groups of log2(P_a / P_b), with a bootstrap interval over
    seeds (one resample per group, shared by a and b). Used to ask whether the
    synonymic sensitivity drops where the test error does (P_S vs P*).
    """

    group: str
    y_a: str
    threshold_a: float
    y_b: str
    threshold_b: float
    x: str = "p"

    def columns(self) -> tuple[str, ...]:
        return (self.x, self.y_a, self.y_b, self.group)

    def describe(self) -> str:
        return (
            f"mean over {self.group} of log2(P_a / P_b), P_a: mean {self.y_a} <= {self.threshold_a:g}, "
            f"P_b: mean {self.y_b} <= {self.threshold_b:g}; {self.confidence:.0%} bootstrap interval over seeds (Student-t)"
        )

    def _log_ratio(self, mats, picks=None) -> tuple[float, list[float]]:
        ratios = []
        for i, (xs, mat_a, mat_b) in enumerate(mats):
            pick = None if picks is None else picks[i]
            pa = crossing(xs, seed_mean(mat_a, pick), self.threshold_a)
            pb = crossing(xs, seed_mean(mat_b, pick), self.threshold_b)
            ratios.append(math.log2(pa / pb) if pa > 0 and pb > 0 else math.nan)
        finite = [r for r in ratios if math.isfinite(r)]
        return (float(np.mean(finite)) if finite else math.nan), ratios

    def fit(self, rows: pd.DataFrame) -> Level:
        parts = groups(rows, self.group)
        keys = list(parts)
        mats = []
        for part in parts.values():
            xs, mat_a, _ = seed_table(part, self.x, self.y_a)
            _, mat_b, _ = seed_table(part, self.x, self.y_b)
            mats.append((xs, mat_a, mat_b))
        value, ratios = self._log_ratio(mats)
        n_seeds = min((m.shape[1] for _, m, _ in mats), default=0)
        boot = seed_bootstrap(lambda picks: self._log_ratio(mats, picks)[0], [m.shape[1] for _, m, _ in mats],
                              self.n_boot, self.seed)
        lo, hi = bootstrap_interval(value, boot, n_seeds, self.confidence)
        notes = tuple(f"log2(P_a/P_b)({self.group}={k:g}) = {r:.3f}" for k, r in zip(keys, ratios))
        curve = Curve(tuple(keys), tuple(ratios), tuple(math.nan for _ in keys), tuple(n_seeds for _ in keys))
        return Level(
            value=value, low=lo, high=hi, confidence=self.confidence, n_points=sum(math.isfinite(r) for r in ratios),
            n_seeds=n_seeds, min_points=1, method=self.describe(), x_name=self.group,
            y_name=f"log2 P({self.y_a}) / P({self.y_b})", notes=notes,
            window=(min(keys, default=math.nan), max(keys, default=math.nan)), curve=curve,
        )
