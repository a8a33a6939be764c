"""Levels: a quantity averaged over seeds at one setting (e.g. a log-ratio of two errors of the same seed),
and the difference of two such levels."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from ...simulate.runs.checks import check_choice
from ..records import require_columns
from .bootstrap import check_settings, student_interval
from .measurement import Curve, Level

__all__ = ["SeedMean", "MeanDifference", "SCALES"]


SCALES = ("linear", "log2")


@dataclass(frozen=True)
class SeedMean:
    """Mean of `y` over the rows (one per seed, at one setting), with a Student-t interval.

    value = mean, interval = mean +- t_{n-1} * sd / sqrt(n) over the n rows
    with a finite value (:func:`.bootstrap.student_interval` with SE = sd / sqrt(n),
    the standard error the seed bootstrap estimates for a mean).

    Parameters
    ----------
    y : the column averaged.
    baseline : optional column; the per-row value is then ``y / baseline`` (a ratio
        within one seed, e.g. R_f after training over R_f at initialisation).
    scale : ``"linear"`` (default) or ``"log2"``: average ``log2`` of the per-row value
        (an order-of-magnitude statement such as "R_f is of order 1").
    confidence : level of the interval.
    """

    y: str
    confidence: float = 0.95
    baseline: str | None = None
    scale: str = "linear"

    def __post_init__(self) -> None:
        check_settings(self.confidence, 10)
        check_choice(self.scale, "scale", SCALES)

    def columns(self) -> tuple[str, ...]:
        return (self.y,) + ((self.baseline,) if self.baseline else ())

    @property
    def quantity(self) -> str:
        """The averaged quantity in words (``log2(R / R_init)``)."""
        q = f"{self.y} / {self.baseline}" if self.baseline else self.y
        return f"log2({q})" if self.scale == "log2" else q

    def describe(self) -> str:
        return f"mean of {self.quantity} over seeds, {self.confidence:.0%} Student-t interval"

    def values(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
        """(finite per-row values, their seeds, number of rows left out as non-finite)."""
        require_columns(rows, self.columns() + ("seed",))
        if not len(rows):
            return np.array([]), np.array([]), 0
        values = rows[self.y].to_numpy(dtype=float)
        if self.baseline:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = values / rows[self.baseline].to_numpy(dtype=float)
        if self.scale == "log2":
            with np.errstate(divide="ignore", invalid="ignore"):
                values = np.log2(np.where(values > 0, values, np.nan))
        seeds = rows["seed"].to_numpy(dtype=float)
        finite = np.isfinite(values)
        return values[finite], seeds[finite], int((~finite).sum())

    def fit(self, rows: pd.DataFrame) -> Level:
        values, seeds, dropped = self.values(rows)
        n = values.size
        nan = math.nan
        notes = (f"{dropped} record(s) with a non-finite {self.quantity} left out",) if dropped else ()
        common = dict(confidence=self.confidence, method=self.describe(), x_name="seed", y_name=self.quantity,
                      notes=notes, min_points=1)
        if n == 0:
            return Level(nan, nan, nan, n_points=0, n_seeds=0, **common)
        mean = float(values.mean())
        low, high = student_interval(mean, float(values.std(ddof=1)) / math.sqrt(n), n, self.confidence) if n > 1 \
            else (nan, nan)
        curve = Curve(tuple(float(s) for s in seeds), tuple(values.tolist()), tuple(nan for _ in seeds),
                      tuple(1 for _ in seeds))
        return Level(mean, low, high, n_points=n, n_seeds=n, window=(float(seeds.min()), float(seeds.max())),
                     curve=curve, **common)


@dataclass(frozen=True)
class MeanDifference:
    """Difference of two :class:`SeedMean` levels: rows where ``column == first`` minus rows where it is `second`.

    `first` and `second` are values of `column` (numbers or strings such as ``"cnn"``).
    Independent seeds in the two groups (e.g. a CNN and a fully connected net):
    Welch's interval, SE = sqrt(sd_1^2 / n_1 + sd_2^2 / n_2) with the
    Welch-Satterthwaite degrees of freedom.
    """

    level: SeedMean
    column: str
    first: Any
    second: Any

    def columns(self) -> tuple[str, ...]:
        return self.level.columns() + (self.column,)

    def describe(self) -> str:
        return (f"mean of {self.level.quantity} over seeds at {self.column}={self.first} minus at "
                f"{self.column}={self.second}, {self.level.confidence:.0%} Welch interval")

    def fit(self, rows: pd.DataFrame) -> Level:
        require_columns(rows, self.columns())
        parts = [self.level.values(rows[rows[self.column] == v]) if len(rows) else
                 (np.array([]), np.array([]), 0) for v in (self.first, self.second)]
        (a, _, da), (b, _, db) = parts
        nan = math.nan
        notes = tuple(f"{d} record(s) at {self.column}={v} with a non-finite {self.level.quantity} left out"
                      for d, v in ((da, self.first), (db, self.second)) if d)
        label = f"{self.level.quantity}: {self.column}={self.first} minus {self.second}"
        n = min(a.size, b.size)
        common = dict(confidence=self.level.confidence, method=self.describe(), x_name=self.column, y_name=label,
                      notes=notes, min_points=1)
        curve = Curve((0.0, 1.0),  # x: the two groups, first then second
                      (float(a.mean()) if a.size else nan, float(b.mean()) if b.size else nan),
                      tuple(float(v.std(ddof=1) / math.sqrt(v.size)) if v.size > 1 else nan for v in (a, b)),
                      (int(a.size), int(b.size)))
        if n < 2:
            value = float(a.mean() - b.mean()) if n else nan
            return Level(value, nan, nan, n_points=n, n_seeds=n, curve=curve, **common)
        va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
        se = math.sqrt(va + vb)
        dof = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1)) if se > 0 else float(a.size + b.size - 2)
        value = float(a.mean() - b.mean())
        half = float(student_t.ppf(0.5 + self.level.confidence / 2, dof)) * se
        return Level(value, value - half, value + half, n_points=n, n_seeds=n, curve=curve,
                     window=(0.0, 1.0), **common)
