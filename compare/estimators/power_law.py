"""Estimators: from run records to a measured value with a confidence interval.

All estimators share one method, ``fit(records) -> Measurement``.

:class:`PowerLawFit` fits ``y ~ x^slope`` to seed-averaged curves by least
squares in log-log coordinates inside a stated window, and puts an interval on
the slope from a bootstrap that resamples whole seeds (each seed's curve is
kept intact, so correlations along the curve are respected). The interval is
value +- t_{n-1} * SE_boot * sqrt(n/(n-1)) with n the number of seeds: a
plain percentile bootstrap covers 80% instead of 95% at 4 seeds
(tests/compare/test_fit.py measures the coverage).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
from scipy.stats import t as student_t


@dataclass(frozen=True)
class Curve:
    """Seed-averaged curve: x values, mean and standard error of y, seeds per x."""

    x: tuple[float, ...]
    mean: tuple[float, ...]
    sem: tuple[float, ...]
    n: tuple[int, ...]

    def to_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "mean": list(self.mean), "sem": list(self.sem), "n": list(self.n)}


@dataclass(frozen=True)
class Measurement:
    """A measured value with its confidence interval and how it was obtained."""

    value: float
    low: float
    high: float
    confidence: float
    n_points: int
    n_seeds: int
    window: tuple[float, float]
    method: str
    exponent: str = "decay"
    intercept: float = math.nan
    local_slopes: tuple[float, ...] = ()
    curve: Curve | None = None
    notes: tuple[str, ...] = field(default=())
    x_name: str = "p"
    y_name: str = "test_error"
    min_points: int = 3
    """Fewest points (x values, or groups) the estimate needs to be judged."""

    @property
    def half_width(self) -> float:
        return 0.5 * (self.high - self.low)

    def slope_of(self, exponent_value: float) -> float:
        """The log-log slope that an exponent value means (-beta for a decay)."""
        return -exponent_value if self.exponent == "decay" else exponent_value

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "n_points": self.n_points,
            "n_seeds": self.n_seeds,
            "window": list(self.window),
            "method": self.method,
            "exponent": self.exponent,
            "intercept": self.intercept,
            "local_slopes": list(self.local_slopes),
            "curve": None if self.curve is None else self.curve.to_dict(),
            "notes": list(self.notes),
            "x_name": self.x_name,
            "y_name": self.y_name,
            "min_points": self.min_points,
        }


def loglog_slope(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
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


def seed_matrix(records: Sequence[Mapping[str, Any]], x: str, y: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Arrange records as a (len(xs), len(seeds)) matrix of y, NaN where missing."""
    for r in records:
        if x not in r or y not in r:
            raise ValueError(f"record of kind {r.get('kind')!r} lacks {x!r} or {y!r}; keys: {', '.join(sorted(r))}")
    xs = sorted({float(r[x]) for r in records})
    seeds = sorted({int(r["seed"]) for r in records})
    xi = {v: i for i, v in enumerate(xs)}
    si = {s: j for j, s in enumerate(seeds)}
    mat = np.full((len(xs), len(seeds)), np.nan)
    for r in records:
        mat[xi[float(r[x])], si[int(r["seed"])]] = float(r[y])
    return np.asarray(xs), mat, seeds


def seed_mean(mat: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """Mean over seeds (columns, optionally a resample of them) of a `seed_matrix`; NaN, silently,
    where none of those seeds has a value."""
    sub = mat if columns is None else mat[:, columns]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(sub, axis=1)


def seed_curve(records: Sequence[Mapping[str, Any]], x: str, y: str) -> Curve:
    """Mean and standard error over seeds of `y` at each `x`."""
    xs, mat, _ = seed_matrix(records, x, y)
    n = np.sum(~np.isnan(mat), axis=1)
    mean = seed_mean(mat)
    with warnings.catch_warnings():  # one seed at some x: s.e.m. is NaN there, by design
        warnings.simplefilter("ignore", RuntimeWarning)
        sem = np.where(n > 1, np.nanstd(mat, axis=1, ddof=1) / np.sqrt(np.maximum(n, 1)), np.nan)
    return Curve(tuple(xs), tuple(mean), tuple(sem), tuple(int(v) for v in n))


@dataclass(frozen=True)
class PowerLawFit:
    """Fit ``y ~ x^slope`` on seed-averaged records inside ``window``.

    Parameters
    ----------
    x, y:
        Record keys of the abscissa (e.g. ``"p"``) and the observable (``"test_error"``).
    window:
        Inclusive (low, high) range of x used by the fit; points outside are
        reported (curve, plots) but not fitted.
    exponent:
        ``"decay"`` reports beta = -slope (``eps ~ P^-beta``); ``"growth"`` reports the slope.
    n_boot, confidence, seed:
        Bootstrap resamples over seeds, interval level, and the bootstrap's own seed.
    """

    x: str = "p"
    y: str = "test_error"
    window: tuple[float, float] = (0.0, math.inf)
    exponent: str = "decay"
    n_boot: int = 2000
    confidence: float = 0.95
    seed: int = 0

    def __post_init__(self) -> None:
        if self.exponent not in ("decay", "growth"):
            raise ValueError(f"exponent={self.exponent!r}; allowed: 'decay', 'growth'")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence={self.confidence} must lie in (0, 1)")
        lo, hi = self.window
        if not 0 <= lo < hi:
            raise ValueError(f"window={self.window} must satisfy 0 <= low < high")

    def describe(self) -> str:
        lo, hi = self.window
        return (
            f"log-log least squares of mean {self.y} vs {self.x} for {lo:g} <= {self.x} <= {hi:g}; "
            f"{self.confidence:.0%} interval from the bootstrap-over-seeds standard error with Student-t (n_seeds-1)"
        )

    def fit(self, records: Sequence[Mapping[str, Any]]) -> Measurement:
        """Measure the exponent; NaN value and interval when it cannot be fitted."""
        sign = -1.0 if self.exponent == "decay" else 1.0
        curve = seed_curve(records, self.x, self.y) if records else Curve((), (), (), ())
        lo, hi = self.window
        notes: list[str] = []
        xs, mat, seeds = seed_matrix(records, self.x, self.y) if records else (np.array([]), np.zeros((0, 0)), [])
        inside = (xs >= lo) & (xs <= hi)
        xs, mat = xs[inside], mat[inside]
        mean = seed_mean(mat) if mat.size else np.array([])
        usable = mean > 0
        if np.any(~usable):
            notes.append(f"dropped x={', '.join(f'{v:g}' for v in xs[~usable])}: mean {self.y} is 0")
        xs, mat, mean = xs[usable], mat[usable], mean[usable]
        nan = math.nan
        if xs.size < 2:
            notes.append(f"only {xs.size} usable x value(s) in the window")
            return Measurement(nan, nan, nan, self.confidence, int(xs.size), len(seeds), self.window,
                               self.describe(), self.exponent, curve=curve, notes=tuple(notes),
                               x_name=self.x, y_name=self.y)
        slope, intercept = loglog_slope(xs, mean)
        local = tuple(sign * s for s in np.diff(np.log(mean)) / np.diff(np.log(xs)))
        rng = np.random.default_rng(self.seed)
        n_seeds = mat.shape[1]
        boot = np.full(self.n_boot, np.nan)
        if n_seeds > 1:
            log_x = np.log(xs)
            for b in range(self.n_boot):
                pick = rng.integers(0, n_seeds, n_seeds)
                m = seed_mean(mat, pick)
                ok = m > 0
                if ok.sum() >= 2:
                    boot[b] = np.polyfit(log_x[ok], np.log(m[ok]), 1)[0]
        else:
            notes.append("one seed: no bootstrap interval")
        if np.isfinite(boot).sum() >= 10:
            # Bootstrap standard error, corrected for the small number of seeds
            # (the plain bootstrap underestimates the spread by sqrt((n-1)/n))
            # and widened by Student's t with n-1 degrees of freedom: the
            # percentile interval under-covers badly at 4-8 seeds.
            se = np.nanstd(boot, ddof=1) * math.sqrt(n_seeds / (n_seeds - 1))
            half = float(student_t.ppf(0.5 + self.confidence / 2, n_seeds - 1)) * se
            low, high = sign * slope - half, sign * slope + half
        else:
            low = high = nan
        return Measurement(
            value=sign * slope,
            low=float(low),
            high=float(high),
            confidence=self.confidence,
            n_points=int(xs.size),
            n_seeds=int(n_seeds),
            window=self.window,
            method=self.describe(),
            exponent=self.exponent,
            intercept=intercept,
            local_slopes=local,
            curve=curve,
            notes=tuple(notes),
            x_name=self.x,
            y_name=self.y,
        )


@dataclass(frozen=True)
class SeedMean:
    """Mean of `y` over the records (one per seed, at one setting), with a Student-t interval.

    value = mean, interval = mean +- t_{n-1} * sd / sqrt(n) over the n records
    with a finite `y` (e.g. the log-ratio of two test errors measured on the
    same seed).
    """

    y: str
    confidence: float = 0.95

    def __post_init__(self) -> None:
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence={self.confidence} must lie in (0, 1)")

    def describe(self) -> str:
        return f"mean of {self.y} over seeds, {self.confidence:.0%} Student-t interval"

    def fit(self, records: Sequence[Mapping[str, Any]]) -> Measurement:
        for r in records:
            if self.y not in r:
                raise ValueError(f"record of kind {r.get('kind')!r} lacks {self.y!r}; keys: {', '.join(sorted(r))}")
        values = np.array([float(r[self.y]) for r in records], dtype=float)
        dropped = int((~np.isfinite(values)).sum())
        values = values[np.isfinite(values)]
        n = values.size
        nan = math.nan
        notes = (f"{dropped} record(s) with a non-finite {self.y} left out",) if dropped else ()
        if n == 0:
            return Measurement(nan, nan, nan, self.confidence, 0, 0, (nan, nan), self.describe(), "level",
                               notes=notes, x_name="seed", y_name=self.y, min_points=1)
        mean = float(values.mean())
        if n > 1:
            half = float(student_t.ppf(0.5 + self.confidence / 2, n - 1)) * float(values.std(ddof=1)) / math.sqrt(n)
            low, high = mean - half, mean + half
        else:
            low = high = nan
        seeds = tuple(float(r["seed"]) for r in records if math.isfinite(float(r[self.y])))
        curve = Curve(seeds, tuple(values.tolist()), tuple(nan for _ in seeds), tuple(1 for _ in seeds))
        return Measurement(mean, low, high, self.confidence, n, n, (min(seeds), max(seeds)), self.describe(), "level",
                           curve=curve, notes=notes, x_name="seed", y_name=self.y, min_points=1)
