import math

import numpy as np
import pytest

from scalingcheck.compare.estimators.crossing import CrossingScaling, ThresholdCrossing, crossing


def test_crossing_by_hand():
    # y falls from 0.6 at x=100 to 0.2 at x=400; y=0.4 is halfway in log x: sqrt(100*400) = 200
    assert crossing([50, 100, 400], [0.9, 0.6, 0.2], 0.4) == pytest.approx(200.0)
    assert math.isnan(crossing([1, 2], [0.9, 0.8], 0.1))  # never crosses
    assert math.isnan(crossing([1, 2], [0.05, 0.01], 0.1))  # crosses below the range


def curve_records(p_star, seeds, noise=0.0, group=None, rng=None):
    """y = 0.5 - 0.1 * log2(x / p_star): linear in log x, equal to 0.5 at x = p_star."""
    out = []
    for x in (2.0**k for k in range(2, 14)):
        for s in range(seeds):
            y = 0.5 - 0.1 * math.log2(x / p_star) + (noise * rng.normal() if noise else 0.0)
            r = {"p": x, "seed": s, "test_error": y}
            if group is not None:
                r.update(group)
            out.append(r)
    return out


def test_threshold_crossing_recovers_p_star():
    m = ThresholdCrossing(threshold=0.5, n_boot=200).fit(curve_records(300.0, 4))
    assert m.value == pytest.approx(300.0)
    assert m.low == pytest.approx(300.0) and m.high == pytest.approx(300.0)


def test_threshold_crossing_interval_covers_truth_under_noise():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(40):
        m = ThresholdCrossing(threshold=0.5, n_boot=200).fit(curve_records(300.0, 6, noise=0.05, rng=rng))
        hits += m.low <= 300.0 <= m.high
    assert hits / 40 >= 0.8


def test_crossing_scaling_recovers_the_exponent():
    # P* = 3 m^2: slope of log P* against log m is 2
    recs = []
    for m in (2, 3, 4, 6):
        recs += curve_records(3.0 * m**2, 3, group={"m": m})
    meas = CrossingScaling(threshold=0.5, group="m", n_boot=100).fit(recs)
    assert meas.value == pytest.approx(2.0)
    assert meas.n_points == 4
    assert math.exp(meas.intercept) == pytest.approx(3.0)


def test_crossing_scaling_validation():
    with pytest.raises(ValueError, match="group key 'm'"):
        CrossingScaling(threshold=0.5, group="m").fit([{"p": 1, "seed": 0, "test_error": 1}])
    with pytest.raises(ValueError, match="confidence"):
        ThresholdCrossing(threshold=0.1, confidence=2)


def test_crossing_ratio_by_construction():
    # y_a crosses 0.5 at 2 * P*, y_b at P*: log2 ratio = 1 for every group
    from scalingcheck.compare.estimators.crossing import CrossingRatio

    recs = []
    for m, p_star in ((2, 100.0), (3, 400.0)):
        for r in curve_records(p_star, 3, group={"m": m}):
            r["y_b"] = r["test_error"]
            r["y_a"] = 0.5 - 0.1 * math.log2(r["p"] / (2 * p_star))
            recs.append(r)
    meas = CrossingRatio(group="m", y_a="y_a", threshold_a=0.5, y_b="y_b", threshold_b=0.5, n_boot=50).fit(recs)
    assert meas.value == pytest.approx(1.0)
    assert meas.n_points == 2 and meas.min_points == 1
