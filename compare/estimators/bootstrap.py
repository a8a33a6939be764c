"""The one seed bootstrap and the one interval rule of every estimator.

Seeds are the independent units of a simulation: a learning curve of one
seed shares its training set draws, its initialisation and (for the RHM) its
grammar along the whole curve. The bootstrap therefore resamples whole seeds
(every curve kept intact), independently within each *block* of curves
(one block for a learning curve; one per group, e.g. per m, when a value is
computed from several groups that do not share seeds).

The interval is

    value +- t_{n-1}((1 + confidence) / 2) * SE,

with n the number of seeds and SE the standard error of the value: for a
bootstrap, the standard deviation of the replicates times sqrt(n/(n-1)) (the
plain bootstrap underestimates the spread of a mean by sqrt((n-1)/n));
for a mean over seeds, sd / sqrt(n). A percentile interval covers 80% instead
of 95% at 4 seeds (tests/compare/test_estimators.py measures the coverage).
``scipy.stats.bootstrap`` resamples independent samples too, but it draws its
indices in another order and has no Student-t rule; one function here keeps
every estimator on the same draws and the same rule.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.stats import t as student_t

__all__ = ["seed_bootstrap", "bootstrap_interval", "student_interval", "check_settings", "Bootstrapped", "MIN_REPLICATES"]

MIN_REPLICATES = 10
"""Fewest finite bootstrap replicates for an interval."""


def check_settings(confidence: float, n_boot: int) -> None:
    """The estimators' shared parameter checks."""
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must lie in (0, 1)")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < MIN_REPLICATES:
        raise ValueError(f"n_boot={n_boot!r} must be an integer >= {MIN_REPLICATES}")


@dataclass(frozen=True, kw_only=True)
class Bootstrapped:
    """The bootstrap settings every bootstrapping estimator shares (keyword-only fields)."""

    n_boot: int = 2000
    """Resamples of the seeds."""
    confidence: float = 0.95
    """Level of the interval."""
    seed: int = 0
    """Seed of the bootstrap's own generator."""

    def __post_init__(self) -> None:
        check_settings(self.confidence, self.n_boot)


def seed_bootstrap(
    statistic: Callable[[list[np.ndarray]], float | Sequence[float]],
    blocks: Sequence[int],
    n_boot: int,
    seed: int,
) -> np.ndarray:
    """Replicates of `statistic` over seeds resampled with replacement, block by block.

    Parameters
    ----------
    statistic : maps one resample (a list with, per block, the indices of the
        seeds drawn: ``rng.integers(0, n, n)`` for a block of n seeds) to a
        value, or to a fixed-length vector of values (NaN allowed).
    blocks : the number of seeds of each block, in the order their indices are drawn.
    n_boot : number of replicates.
    seed : seed of the bootstrap's own generator (``numpy.random.default_rng(seed)``).

    Returns
    -------
    ``[n_boot]`` (scalar statistic) or ``[n_boot, k]`` (vector statistic).
    Without a block of two seeds or more nothing is drawn and the result is empty.
    """
    if not blocks or max(blocks) < 2:
        return np.empty(0)
    rng = np.random.default_rng(seed)
    out = [statistic([rng.integers(0, n, n) for n in blocks]) for _ in range(n_boot)]
    return np.asarray(out, dtype=float)


def student_interval(center: float, se: float, n: int, confidence: float) -> tuple[float, float]:
    """center +- t_{n-1} * se; NaN when n < 2 or a value is not finite."""
    if n < 2 or not math.isfinite(center) or not math.isfinite(se):
        return math.nan, math.nan
    half = float(student_t.ppf(0.5 + confidence / 2, n - 1)) * se
    return center - half, center + half


def bootstrap_interval(center: float, replicates: np.ndarray, n: int, confidence: float) -> tuple[float, float]:
    """:func:`student_interval` with SE = std(replicates) * sqrt(n / (n - 1)) over the finite replicates.

    NaN when fewer than :data:`MIN_REPLICATES` replicates are finite.
    """
    ok = np.isfinite(replicates)
    if n < 2 or ok.sum() < MIN_REPLICATES or not math.isfinite(center):
        return math.nan, math.nan
    se = float(np.std(replicates[ok], ddof=1)) * math.sqrt(n / (n - 1))
    return student_interval(center, se, n, confidence)
