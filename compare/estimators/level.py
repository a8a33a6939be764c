"""Levels: a quantity averaged over seeds at one setting (e.g. a log-ratio of two errors of the same seed)."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..records import require_columns
from .bootstrap import check_settings, student_interval
from .measurement import Curve, Level

__all__ = ["SeedMean"]


@dataclass(frozen=True)
class SeedMean:
    """Mean of `y` over the rows (one per seed, at one setting), with a Student-t interval.

    value = mean, interval = mean +- t_{n-1} * sd / sqrt(n) over the n rows
    with a finite `y` (:func:`.bootstrap.student_interval` with SE = sd / sqrt(n),
    the standard error the seed bootstrap estimates for a mean).
    """

    y: str
    confidence: float = 0.95

    def __post_init__(self) -> None:
        check_settings(self.confidence, 10)

    def columns(self) -> tuple[str, ...]:
        return (self.y,)

    def describe(self) -> str:
        return f"mean of {self.y} over seeds, {self.confidence:.0%} Student-t interval"

    def fit(self, rows: pd.DataFrame) -> Level:
        require_columns(rows, (self.y, "seed"))
        values = rows[self.y].to_numpy(dtype=float) if len(rows) else np.array([])
        seeds = rows["seed"].to_numpy(dtype=float) if len(rows) else np.array([])
        finite = np.isfinite(values)
        dropped = int((~finite).sum())
        values, seeds = values[finite], seeds[finite]
        n = values.size
        nan = math.nan
        notes = (f"{dropped} record(s) with a non-finite {self.y} left out",) if dropped else ()
        common = dict(confidence=self.confidence, method=self.describe(), x_name="seed", y_name=self.y, notes=notes,
                      min_points=1)
        if n == 0:
            return Level(nan, nan, nan, n_points=0, n_seeds=0, **common)
        mean = float(values.mean())
        low, high = student_interval(mean, float(values.std(ddof=1)) / math.sqrt(n), n, self.confidence) if n > 1 \
            else (nan, nan)
        curve = Curve(tuple(float(s) for s in seeds), tuple(values.tolist()), tuple(nan for _ in seeds),
                      tuple(1 for _ in seeds))
        return Level(mean, low, high, n_points=n, n_seeds=n, window=(float(seeds.min()), float(seeds.max())),
                     curve=curve, **common)
