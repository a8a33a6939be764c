"""Rank correlations across groups (architectures, say) of quantities averaged over seeds.

Petrini et al. (arXiv:2105.02468) find that the test error of trained networks follows their relative
stability R_f, while their stability to diffeomorphisms alone, D_f, correlates much less with it.
:class:`RankCorrelation` measures Spearman's rank correlation between the seed means of `x` and `y`
over the groups, or, with `against`, how much more `x` correlates with `y` than `against` does
(rho(x, y) - rho(against, y)); its interval comes from the one seed bootstrap (seeds resampled,
each group's mean recomputed, the correlation recomputed) with the one Student-t rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from .bootstrap import Bootstrapped, bootstrap_interval, seed_bootstrap
from .curves import seed_mean, seed_table
from .measurement import Level

__all__ = ["RankCorrelation", "rank_correlation"]


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho of the pairs where both are finite (NaN for fewer than 3 pairs or a constant side)."""
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return math.nan
    return float(spearmanr(a[ok], b[ok]).statistic)


@dataclass(frozen=True)
class RankCorrelation(Bootstrapped):
    """Spearman's rank correlation over the groups of the seed means of `x` and `y` (minus that of `against`).

    Parameters
    ----------
    x, y : the columns correlated (each averaged over seeds within a group).
    group : the column whose values are the points (architectures: strings are numbered in sorted order).
    against : optional column: the value is rho(x, y) - rho(against, y), > 0 when `x` follows `y` more
        closely than `against` does.
    n_boot, confidence, seed : the seed bootstrap's settings.
    """

    x: str = "R"
    y: str = "test_error"
    group: str = "label"
    against: str | None = None
    min_groups: int = 4

    def columns(self) -> tuple[str, ...]:
        return (self.x, self.y, self.group) + ((self.against,) if self.against else ())

    def describe(self) -> str:
        what = (f"Spearman rho({self.x}, {self.y}) - rho({self.against}, {self.y})" if self.against
                else f"Spearman rho({self.x}, {self.y})")
        return (f"{what} across {self.group}s of the seed means; {self.confidence:.0%} interval from the "
                "bootstrap-over-seeds standard error with Student-t (n_seeds-1)")

    def _matrices(self, rows: pd.DataFrame) -> tuple[list[np.ndarray], int, list]:
        if len(rows) and not pd.api.types.is_numeric_dtype(rows[self.group]):
            codes = {v: i for i, v in enumerate(sorted(rows[self.group].dropna().unique()))}
            rows = rows.assign(**{self.group: rows[self.group].map(codes)})
        cols = [self.x, self.y] + ([self.against] if self.against else [])
        mats, seeds = [], []
        for col in cols:
            groups, mat, seeds = seed_table(rows, self.group, col)
            mats.append(mat)
        return mats, len(seeds), list(groups) if len(rows) else []

    def _statistic(self, means: list[np.ndarray]) -> float:
        rho = rank_correlation(means[0], means[1])
        return rho - rank_correlation(means[2], means[1]) if self.against else rho

    def fit(self, rows: pd.DataFrame) -> Level:
        mats, n_seeds, groups = self._matrices(rows)
        means = [seed_mean(m) for m in mats] if n_seeds else [np.array([])] * len(mats)
        value = self._statistic(means) if len(groups) else math.nan
        boot = seed_bootstrap(lambda picks: self._statistic([seed_mean(m, picks[0]) for m in mats]), [n_seeds],
                              self.n_boot, self.seed) if n_seeds else np.empty(0)
        low, high = bootstrap_interval(value, boot, n_seeds, self.confidence)
        notes = [f"rho({self.x}, {self.y}) = {rank_correlation(means[0], means[1]):.3f}"] if len(groups) else []
        if self.against and len(groups):
            notes.append(f"rho({self.against}, {self.y}) = {rank_correlation(means[2], means[1]):.3f}")
        # no curve: a correlation is not drawn on the axes of its quantities (the study's figure draws them)
        return Level(value, low, high, confidence=self.confidence, n_points=len(groups), n_seeds=n_seeds,
                     method=self.describe(), x_name=self.x, y_name=self.y, notes=tuple(notes),
                     min_points=self.min_groups)
