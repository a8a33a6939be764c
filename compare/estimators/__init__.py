"""Estimators: from tidy rows of run records to a measured value with a confidence interval.

Every estimator is a frozen dataclass with ``columns()`` (the record fields it
reads), ``describe()`` and ``fit(rows) -> Measurement``; all intervals come
from one seed bootstrap and one Student-t rule (:mod:`.bootstrap`).

* :class:`PowerLawFit`, :class:`RateFit`: slopes of seed-averaged curves (:class:`Exponent`);
* :class:`ThresholdCrossing`: where a curve crosses a threshold (:class:`Crossing`);
* :class:`CrossingScaling`: the exponent of a crossing against a swept parameter (:class:`Exponent`);
* :class:`CrossingRatio`, :class:`SeedMean`: levels averaged over groups or seeds (:class:`Level`);
* :class:`MeanDifference`: the difference of two seed means (:class:`Level`);
* :class:`RankCorrelation`: Spearman's rho across groups of seed means, or a difference of two (:class:`Level`).
"""
from .bootstrap import bootstrap_interval, seed_bootstrap, student_interval
from .correlation import RankCorrelation, rank_correlation
from .crossing import CrossingRatio, CrossingScaling, ThresholdCrossing, crossing
from .curves import groups, seed_curve, seed_mean, seed_table
from .level import MeanDifference, SeedMean
from .measurement import Crossing, Curve, Exponent, Level, Measurement, measurement_from_dict
from .slope import PowerLawFit, RateFit, loglog_slope

__all__ = [
    "PowerLawFit", "RateFit", "ThresholdCrossing", "CrossingScaling", "CrossingRatio", "SeedMean", "MeanDifference",
    "RankCorrelation", "rank_correlation",
    "Measurement", "Exponent", "Level", "Crossing", "Curve", "measurement_from_dict",
    "seed_bootstrap", "bootstrap_interval", "student_interval", "seed_table", "seed_mean", "seed_curve", "groups",
    "crossing", "loglog_slope",
]
