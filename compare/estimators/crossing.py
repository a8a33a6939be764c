"""Sample complexities: where a seed-averaged curve crosses a threshold, and how that point scales.

* :class:`ThresholdCrossing`: P* = the x at which the mean of y first falls to
  `threshold` (e.g. test error = 10% of chance error), interpolated linearly
  in (log x, y) between the two bracketing points, with an interval from a
  bootstrap over seeds.
* :class:`CrossingScaling`: the exponent of P* against a parameter of the
  sweep (``P* ~ m^L``: slope of log P* against log m over the groups of
  records sharing a value of `group`), with a bootstrap interval.

Both intervals use the bootstrap standard error (in log space), corrected for
the number of seeds and widened by Student's t, as :class:`compare.fit.PowerLawFit`.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import t as student_t

from .power_law import Curve, Measurement, seed_curve, seed_matrix, seed_mean


def crossing(x: Sequence[float], y: Sequence[float], threshold: float) -> float:
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


def _interval(center: float, boot: np.ndarray, n_seeds: int, confidence: float) -> tuple[float, float]:
    """center +- t_{n-1} * SE(boot) * sqrt(n/(n-1)); NaN when it cannot be formed."""
    ok = np.isfinite(boot)
    if n_seeds < 2 or ok.sum() < 10 or not math.isfinite(center):
        return math.nan, math.nan
    se = float(np.std(boot[ok], ddof=1)) * math.sqrt(n_seeds / (n_seeds - 1))
    half = float(student_t.ppf(0.5 + confidence / 2, n_seeds - 1)) * se
    return center - half, center + half


def by_group(records: Sequence[Mapping[str, Any]], group: str) -> dict[float, list[Mapping[str, Any]]]:
    """Records split by their value of `group`, in increasing order of that value."""
    groups: dict[float, list[Mapping[str, Any]]] = {}
    for r in records:
        if group not in r:
            raise ValueError(f"record lacks the group key {group!r}; keys: {', '.join(sorted(r))}")
        groups.setdefault(float(r[group]), []).append(r)
    return dict(sorted(groups.items()))


def _check(confidence: float, n_boot: int) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence} must lie in (0, 1)")
    if n_boot < 10:
        raise ValueError(f"n_boot={n_boot} must be >= 10")


@dataclass(frozen=True)
class ThresholdCrossing:
    """P*: where the seed-averaged `y` first falls to `threshold` along `x`."""

    threshold: float
    x: str = "p"
    y: str = "test_error"
    n_boot: int = 2000
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        _check(self.confidence, self.n_boot)

    def describe(self) -> str:
        return (
            f"first {self.x} where mean {self.y} <= {self.threshold:g}, interpolated in (log {self.x}, {self.y}); "
            f"{self.confidence:.0%} interval from the bootstrap over seeds (log scale, Student-t)"
        )

    def fit(self, records: Sequence[Mapping[str, Any]]) -> Measurement:
        xs, mat, seeds = seed_matrix(records, self.x, self.y)
        value = crossing(xs, seed_mean(mat), self.threshold)
        rng = np.random.default_rng(self.seed)
        boot = np.array([
            crossing(xs, seed_mean(mat, rng.integers(0, len(seeds), len(seeds))), self.threshold)
            for _ in range(self.n_boot)
        ]) if len(seeds) > 1 else np.array([])
        lo, hi = _interval(math.log(value) if value > 0 else math.nan, np.log(boot), len(seeds), self.confidence)
        notes = () if math.isfinite(value) else (f"mean {self.y} does not cross {self.threshold:g} inside the range of {self.x}",)
        return Measurement(
            value=value, low=math.exp(lo), high=math.exp(hi), confidence=self.confidence,
            n_points=len(xs), n_seeds=len(seeds), window=(float(xs.min()), float(xs.max())),
            method=self.describe(), exponent="level", curve=seed_curve(records, self.x, self.y),
            notes=notes, x_name=self.x, y_name=self.y,
        )


@dataclass(frozen=True)
class CrossingScaling:
    """Exponent of P* against the sweep parameter `group` (slope of log P* vs log group)."""

    threshold: float
    group: str
    x: str = "p"
    y: str = "test_error"
    n_boot: int = 2000
    confidence: float = 0.95
    seed: int = 0
    name: str = "P*"
    """What the crossing is called in notes and plots (e.g. "alpha*" for a crossing along alpha)."""

    def __post_init__(self) -> None:
        _check(self.confidence, self.n_boot)

    def describe(self) -> str:
        return (
            f"slope of log {self.name} against log {self.group}, {self.name} = first {self.x} where mean {self.y} "
            f"<= {self.threshold:g}; "
            f"{self.confidence:.0%} interval from the bootstrap over seeds within each {self.group} (Student-t)"
        )

    def fit(self, records: Sequence[Mapping[str, Any]]) -> Measurement:
        groups = by_group(records, self.group)
        keys = list(groups)
        mats = [seed_matrix(groups[k], self.x, self.y) for k in keys]
        stars = np.array([crossing(xs, seed_mean(mat), self.threshold) for xs, mat, _ in mats])
        ok = np.isfinite(stars)
        notes = [f"{self.name}({self.group}={k:g}) = {s:.4g}" for k, s in zip(keys, stars)]
        n_seeds = min(len(seeds) for _, _, seeds in mats) if mats else 0
        nan = math.nan
        if ok.sum() < 2:
            return Measurement(nan, nan, nan, self.confidence, int(ok.sum()), n_seeds, (min(keys, default=nan), max(keys, default=nan)),
                               self.describe(), "growth", notes=tuple(notes + [f"fewer than two finite {self.name}"]),
                               x_name=self.group, y_name=self.name)
        g = np.log(np.asarray(keys))
        slope, intercept = np.polyfit(g[ok], np.log(stars[ok]), 1)
        rng = np.random.default_rng(self.seed)
        boot = np.full(self.n_boot, np.nan)
        boot_stars = np.full((self.n_boot, len(keys)), np.nan)
        for b in range(self.n_boot):
            s = np.array([
                crossing(xs, seed_mean(mat, rng.integers(0, mat.shape[1], mat.shape[1])), self.threshold)
                for xs, mat, _ in mats
            ])
            boot_stars[b] = s
            good = np.isfinite(s)
            if good.sum() >= 2:
                boot[b] = np.polyfit(g[good], np.log(s[good]), 1)[0]
        lo, hi = _interval(float(slope), boot, n_seeds, self.confidence)
        with warnings.catch_warnings():  # a group whose P* never crossed has an all-NaN column
            warnings.simplefilter("ignore", RuntimeWarning)
            sem = np.nanstd(boot_stars, axis=0, ddof=1)
        curve = Curve(tuple(keys), tuple(float(v) for v in stars), tuple(float(v) for v in sem),
                      tuple(len(seeds) for _, _, seeds in mats))
        return Measurement(
            value=float(slope), low=lo, high=hi, confidence=self.confidence, n_points=int(ok.sum()),
            n_seeds=n_seeds, window=(float(min(keys)), float(max(keys))), method=self.describe(),
            exponent="growth", intercept=float(intercept), curve=curve, notes=tuple(notes),
            x_name=self.group, y_name=self.name,
        )


@dataclass(frozen=True)
class CrossingRatio:
    """log2 of the ratio of two crossings of the same runs, averaged over the groups of `group`.

    For each value of `group`: P_a = crossing of `y_a` through `threshold_a`,
    P_b = crossing of `y_b` through `threshold_b` (both along `x`); the value
    is the mean over groups of log2(P_a / P_b), with a bootstrap interval over
    seeds. Used to ask whether the synonymic sensitivity drops where the test
    error does (P_S vs P*).
    """

    group: str
    y_a: str
    threshold_a: float
    y_b: str
    threshold_b: float
    x: str = "p"
    n_boot: int = 2000
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        _check(self.confidence, self.n_boot)

    def describe(self) -> str:
        return (
            f"mean over {self.group} of log2(P_a / P_b), P_a: mean {self.y_a} <= {self.threshold_a:g}, "
            f"P_b: mean {self.y_b} <= {self.threshold_b:g}; {self.confidence:.0%} bootstrap interval over seeds (Student-t)"
        )

    def _log_ratio(self, mats, columns=None) -> tuple[float, list[float]]:
        ratios = []
        for xs, mat_a, mat_b in mats:
            pick = None if columns is None else columns(mat_a.shape[1])
            pa = crossing(xs, seed_mean(mat_a, pick), self.threshold_a)
            pb = crossing(xs, seed_mean(mat_b, pick), self.threshold_b)
            ratios.append(math.log2(pa / pb) if pa > 0 and pb > 0 else math.nan)
        finite = [r for r in ratios if math.isfinite(r)]
        return (float(np.mean(finite)) if finite else math.nan), ratios

    def fit(self, records: Sequence[Mapping[str, Any]]) -> Measurement:
        groups = by_group(records, self.group)
        keys = list(groups)
        mats = []
        for k in keys:
            xs, mat_a, seeds = seed_matrix(groups[k], self.x, self.y_a)
            _, mat_b, _ = seed_matrix(groups[k], self.x, self.y_b)
            mats.append((xs, mat_a, mat_b))
        value, ratios = self._log_ratio(mats)
        n_seeds = min((m.shape[1] for _, m, _ in mats), default=0)
        rng = np.random.default_rng(self.seed)
        boot = np.array([self._log_ratio(mats, lambda n: rng.integers(0, n, n))[0] for _ in range(self.n_boot)])
        lo, hi = _interval(value, boot, n_seeds, self.confidence)
        notes = tuple(f"log2(P_a/P_b)({self.group}={k:g}) = {r:.3f}" for k, r in zip(keys, ratios))
        curve = Curve(tuple(keys), tuple(ratios), tuple(math.nan for _ in keys), tuple(n_seeds for _ in keys))
        return Measurement(
            value=value, low=lo, high=hi, confidence=self.confidence,
            n_points=sum(math.isfinite(r) for r in ratios), n_seeds=n_seeds, min_points=1,
            window=(min(keys, default=math.nan), max(keys, default=math.nan)), method=self.describe(),
            exponent="level", curve=curve, notes=notes, x_name=self.group,
            y_name=f"log2 P({self.y_a}) / P({self.y_b})",
        )
