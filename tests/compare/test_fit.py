import math

import numpy as np
import pytest

from scalingcheck.compare.estimators.power_law import PowerLawFit, loglog_slope, seed_curve
from scalingcheck.simulate.runs.spec import run
from tests.toy import PowerLawToy

PS = (64, 128, 256, 512, 1024, 2048)


def records(beta, noise, seeds, offset=0, ps=PS):
    return [run(PowerLawToy(p=p, beta=beta, noise=noise), offset + s) for p in ps for s in range(seeds)]


def test_loglog_slope_exact():
    x = np.array([1.0, 10.0, 100.0])
    slope, intercept = loglog_slope(x, 3.0 * x**-0.75)
    assert slope == pytest.approx(-0.75) and intercept == pytest.approx(math.log(3.0))
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [1, 0])


def test_noiseless_curve_gives_exact_exponent_and_zero_width():
    m = PowerLawFit().fit(records(0.4, 0.0, 4))
    assert m.value == pytest.approx(0.4)
    assert m.high - m.low == pytest.approx(0.0, abs=1e-9)
    assert all(s == pytest.approx(0.4) for s in m.local_slopes)
    assert m.n_points == 6 and m.n_seeds == 4


def test_growth_exponent_sign():
    m = PowerLawFit(exponent="growth").fit(records(0.4, 0.0, 2))
    assert m.value == pytest.approx(-0.4)


def test_window_restricts_the_fit():
    recs = records(0.4, 0.0, 3) + records(-0.5, 0.0, 3, ps=(8, 16))  # a pre-asymptotic rise
    assert PowerLawFit(window=(64, 2048)).fit(recs).value == pytest.approx(0.4)
    assert abs(PowerLawFit().fit(recs).value - 0.4) > 0.1


def test_interval_covers_the_true_exponent():
    """95% intervals from 6 seeds must contain the true exponent in about 95% of repeats."""
    hits = 0
    reps = 60
    for rep in range(reps):
        m = PowerLawFit(n_boot=300).fit(records(0.5, 0.3, 6, offset=100 * rep))
        hits += m.low <= 0.5 <= m.high
    assert hits / reps >= 0.85


def test_seed_curve_mean_and_sem_by_hand():
    recs = [
        {"p": 10, "seed": 0, "test_error": 0.2},
        {"p": 10, "seed": 1, "test_error": 0.4},
        {"p": 20, "seed": 0, "test_error": 0.1},
    ]
    c = seed_curve(recs, "p", "test_error")
    assert c.x == (10.0, 20.0) and c.n == (2, 1)
    assert c.mean[0] == pytest.approx(0.3) and c.mean[1] == pytest.approx(0.1)
    assert c.sem[0] == pytest.approx(0.1)  # std(ddof=1)=0.1414, /sqrt(2)
    assert math.isnan(c.sem[1])


def test_zero_error_points_are_dropped_with_a_note():
    recs = records(0.4, 0.0, 2)
    recs += [{"p": 4096, "seed": s, "test_error": 0.0} for s in range(2)]
    m = PowerLawFit().fit(recs)
    assert m.value == pytest.approx(0.4)
    assert any("4096" in n for n in m.notes)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="exponent"):
        PowerLawFit(exponent="up")
    with pytest.raises(ValueError, match="window"):
        PowerLawFit(window=(10, 5))
    with pytest.raises(ValueError, match="lacks 'p'"):
        PowerLawFit().fit([{"q": 1, "seed": 0, "test_error": 1}])


def test_seed_mean_interval_by_hand():
    from scipy.stats import t as student_t

    from scalingcheck.compare.estimators.power_law import SeedMean

    values = [0.2, 0.5, -0.1, 0.4]
    records = [{"seed": i, "gain": v} for i, v in enumerate(values)] + [{"seed": 9, "gain": float("nan")}]
    m = SeedMean("gain").fit(records)
    mean = sum(values) / 4
    sd = (sum((v - mean) ** 2 for v in values) / 3) ** 0.5
    half = student_t.ppf(0.975, 3) * sd / 2
    assert (m.value, m.n_seeds) == (pytest.approx(mean), 4)
    assert (m.low, m.high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert "1 record(s) with a non-finite gain left out" in m.notes
    with pytest.raises(ValueError, match="lacks 'other'"):
        SeedMean("other").fit(records)
