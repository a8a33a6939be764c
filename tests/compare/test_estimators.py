"""Estimators on tidy rows: exact values on noiseless curves, by-hand references, interval coverage, errors."""
import math

import numpy as np
import pytest
from scipy.stats import t as student_t

from scalingcheck.compare.estimators import (
    CrossingRatio,
    CrossingScaling,
    Crossing,
    Exponent,
    Level,
    PowerLawFit,
    RateFit,
    MeanDifference,
    SeedMean,
    ThresholdCrossing,
    bootstrap_interval,
    crossing,
    loglog_slope,
    measurement_from_dict,
    seed_bootstrap,
    seed_curve,
)
from scalingcheck.compare.records import tidy
from scalingcheck.simulate.runs.spec import run
from tests.toy import PowerLawToy

PS = (64, 128, 256, 512, 1024, 2048)


def fit(estimator, records):
    """What a claim does: records -> tidy rows (the estimator's per-layer fields expanded) -> fit."""
    return estimator.fit(tidy(records, estimator.columns()))


def records(beta, noise, seeds, offset=0, ps=PS):
    return [run(PowerLawToy(p=p, beta=beta, noise=noise), offset + s) for p in ps for s in range(seeds)]


# ------------------------------------------------------------------ bootstrap and interval rule


def test_bootstrap_draws_whole_seeds_block_by_block():
    """The statistic sees, per block, n indices in [0, n) drawn by one generator in block order."""
    seen = []
    out = seed_bootstrap(lambda picks: seen.append([p.copy() for p in picks]) or float(len(seen)), [3, 2], 5, seed=7)
    rng = np.random.default_rng(7)
    for picks in seen:
        assert [p.tolist() for p in picks] == [rng.integers(0, 3, 3).tolist(), rng.integers(0, 2, 2).tolist()]
    assert out.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert seed_bootstrap(lambda picks: 0.0, [1, 1], 5, seed=0).size == 0  # nothing to resample


def test_interval_rule_by_hand():
    boot = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, np.nan])
    n = 4
    se = np.std(boot[:-1], ddof=1) * math.sqrt(n / (n - 1))
    half = student_t.ppf(0.975, n - 1) * se
    assert bootstrap_interval(5.0, boot, n, 0.95) == pytest.approx((5.0 - half, 5.0 + half))
    assert all(math.isnan(v) for v in bootstrap_interval(5.0, boot[:9], n, 0.95))  # fewer than 10 replicates
    assert all(math.isnan(v) for v in bootstrap_interval(5.0, boot, 1, 0.95))  # one seed


# ------------------------------------------------------------------ slopes


def test_loglog_slope_exact():
    x = np.array([1.0, 10.0, 100.0])
    slope, intercept = loglog_slope(x, 3.0 * x**-0.75)
    assert slope == pytest.approx(-0.75) and intercept == pytest.approx(math.log(3.0))
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [1, 0])


def test_noiseless_curve_gives_exact_exponent_and_zero_width():
    m = fit(PowerLawFit(), records(0.4, 0.0, 4))
    assert isinstance(m, Exponent) and m.decay
    assert m.value == pytest.approx(0.4)
    assert m.high - m.low == pytest.approx(0.0, abs=1e-9)
    assert all(s == pytest.approx(0.4) for s in m.local_slopes)
    assert m.n_points == 6 and m.n_seeds == 4


def test_growth_exponent_sign():
    m = fit(PowerLawFit(exponent="growth"), records(0.4, 0.0, 2))
    assert m.value == pytest.approx(-0.4)


def test_window_restricts_the_fit():
    recs = records(0.4, 0.0, 3) + records(-0.5, 0.0, 3, ps=(8, 16))  # a pre-asymptotic rise
    assert fit(PowerLawFit(window=(64, 2048)), recs).value == pytest.approx(0.4)
    assert abs(fit(PowerLawFit(), recs).value - 0.4) > 0.1


def test_interval_covers_the_true_exponent():
    """95% intervals from 6 seeds must contain the true exponent in about 95% of repeats."""
    hits = 0
    reps = 60
    for rep in range(reps):
        m = fit(PowerLawFit(n_boot=300), records(0.5, 0.3, 6, offset=100 * rep))
        hits += m.low <= 0.5 <= m.high
    assert hits / reps >= 0.85


def test_seed_curve_mean_and_sem_by_hand():
    recs = [
        {"p": 10, "seed": 0, "test_error": 0.2},
        {"p": 10, "seed": 1, "test_error": 0.4},
        {"p": 20, "seed": 0, "test_error": 0.1},
    ]
    c = seed_curve(tidy(recs), "p", "test_error")
    assert c.x == (10.0, 20.0) and c.n == (2, 1)
    assert c.mean[0] == pytest.approx(0.3) and c.mean[1] == pytest.approx(0.1)
    assert c.sem[0] == pytest.approx(0.1)  # std(ddof=1)=0.1414, /sqrt(2)
    assert math.isnan(c.sem[1])


def test_zero_error_points_are_dropped_with_a_note():
    recs = records(0.4, 0.0, 2)
    recs += [{"p": 4096, "seed": s, "test_error": 0.0} for s in range(2)]
    m = fit(PowerLawFit(), recs)
    assert m.value == pytest.approx(0.4)
    assert any("4096" in n for n in m.notes)


def test_rows_that_mix_curves_are_refused():
    recs = records(0.4, 0.0, 2) + records(0.6, 0.0, 2)  # two curves under one (p, seed)
    with pytest.raises(ValueError, match="repeat an \\(p, seed\\) pair"):
        fit(PowerLawFit(), recs)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="exponent"):
        PowerLawFit(exponent="up")
    with pytest.raises(ValueError, match="window"):
        PowerLawFit(window=(10, 5))
    with pytest.raises(ValueError, match="n_boot"):
        PowerLawFit(n_boot=3)
    with pytest.raises(ValueError, match="lack 'p'"):
        fit(PowerLawFit(), [{"q": 1, "seed": 0, "test_error": 1}])


def test_per_layer_rate_against_depth():
    """D_k = 3 * 2^-k per layer (a list per record): RateFit gives the rate -ln 2, PowerLawFit in k would not."""
    recs = [{"seed": s, "kind": "toy", "D": [3.0 * 2.0**-k for k in range(1, 7)]} for s in range(3)]
    rows = tidy(recs, ["D"])
    assert list(rows["layer"]) == [1, 2, 3, 4, 5, 6] * 3
    m = fit(RateFit(x="layer", y="D", exponent="growth", window=(1, 6)), recs)
    assert m.semilog and m.value == pytest.approx(-math.log(2.0))
    assert math.exp(m.intercept) == pytest.approx(3.0)
    assert all(s == pytest.approx(-math.log(2.0)) for s in m.local_slopes)


def test_per_layer_fields_must_have_one_length():
    with pytest.raises(ValueError, match="differ in length"):
        tidy([{"seed": 0, "D": [1.0, 2.0], "G": [1.0]}], ["D", "G"])


def test_measured_x_against_measured_y():
    """eps = 0.2 * R^(1/2) over 'architectures' whose R is measured per seed (seed means of both are fitted)."""
    rng = np.random.default_rng(0)
    recs = []
    for arch, r in enumerate((1e-3, 1e-2, 1e-1, 1.0)):
        for s in range(4):
            ri = r * math.exp(0.1 * rng.normal())
            recs.append({"arch": arch, "seed": s, "R": ri, "eps": 0.2 * math.sqrt(ri)})
    m = fit(PowerLawFit(x="R", y="eps", group="arch", exponent="growth"), recs)
    # not exactly 1/2: the mean of sqrt is not sqrt of the mean, but within a per cent here
    assert m.value == pytest.approx(0.5, abs=0.01)
    assert m.low < m.value < m.high and m.n_points == 4
    # groups named by strings give the same fit
    named = [{**r, "arch": "abcd"[r["arch"]]} for r in recs]
    m2 = fit(PowerLawFit(x="R", y="eps", group="arch", exponent="growth"), named)
    assert (m2.value, m2.low, m2.high) == (m.value, m.low, m.high)


# ------------------------------------------------------------------ levels


def test_seed_mean_interval_by_hand():
    values = [0.2, 0.5, -0.1, 0.4]
    recs = [{"seed": i, "gain": v} for i, v in enumerate(values)] + [{"seed": 9, "gain": float("nan")}]
    m = fit(SeedMean("gain"), recs)
    mean = sum(values) / 4
    sd = (sum((v - mean) ** 2 for v in values) / 3) ** 0.5
    half = student_t.ppf(0.975, 3) * sd / 2
    assert isinstance(m, Level)
    assert (m.value, m.n_seeds) == (pytest.approx(mean), 4)
    assert (m.low, m.high) == (pytest.approx(mean - half), pytest.approx(mean + half))
    assert "1 record(s) with a non-finite gain left out" in m.notes
    with pytest.raises(ValueError, match="lack 'other'"):
        fit(SeedMean("other"), recs)


def test_seed_mean_of_a_log_ratio_by_hand():
    recs = [{"seed": 0, "R": 0.25, "R_init": 1.0}, {"seed": 1, "R": 1.0, "R_init": 2.0},
            {"seed": 2, "R": 0.5, "R_init": 0.5}, {"seed": 3, "R": 0.0, "R_init": 1.0}]
    m = fit(SeedMean("R", baseline="R_init", scale="log2"), recs)
    values = [-2.0, -1.0, 0.0]  # log2(0.25), log2(0.5), log2(1); log2(0) is left out
    half = student_t.ppf(0.975, 2) * 1.0 / 3**0.5  # sd of (-2, -1, 0) is 1
    assert (m.value, m.n_seeds) == (pytest.approx(-1.0), 3)
    assert (m.low, m.high) == (pytest.approx(-1 - half), pytest.approx(-1 + half))
    assert m.y_name == "log2(R / R_init)" and m.curve.mean == tuple(values)
    with pytest.raises(ValueError, match="scale"):
        SeedMean("R", scale="log10")


def test_mean_difference_welch_interval_by_hand():
    a, b = [1.0, 2.0, 3.0], [0.0, 0.0, 1.0, 3.0]
    recs = [{"seed": i, "arch": "cnn", "g": v} for i, v in enumerate(a)] + \
        [{"seed": i, "arch": "fcn", "g": v} for i, v in enumerate(b)]
    m = fit(MeanDifference(SeedMean("g"), "arch", "cnn", "fcn"), recs)
    va, vb = 1.0 / 3, 2.0 / 4  # sample variances 1 and 2 over n = 3 and 4
    dof = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 3)
    half = student_t.ppf(0.975, dof) * (va + vb) ** 0.5
    assert m.value == pytest.approx(1.0)
    assert (m.low, m.high) == (pytest.approx(1 - half), pytest.approx(1 + half))
    assert m.curve.mean == (2.0, 1.0) and m.curve.n == (3, 4)
    assert "arch=cnn minus fcn" in m.y_name


# ------------------------------------------------------------------ crossings


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
    m = fit(ThresholdCrossing(threshold=0.5, n_boot=200), curve_records(300.0, 4))
    assert isinstance(m, Crossing) and m.threshold == 0.5
    assert m.value == pytest.approx(300.0)
    assert m.low == pytest.approx(300.0) and m.high == pytest.approx(300.0)


def test_threshold_crossing_interval_covers_truth_under_noise():
    rng = np.random.default_rng(1)
    hits = 0
    for _ in range(40):
        m = fit(ThresholdCrossing(threshold=0.5, n_boot=200), curve_records(300.0, 6, noise=0.05, rng=rng))
        hits += m.low <= 300.0 <= m.high
    assert hits / 40 >= 0.8


def test_crossing_scaling_recovers_the_exponent():
    # P* = 3 m^2: slope of log P* against log m is 2
    recs = []
    for m in (2, 3, 4, 6):
        recs += curve_records(3.0 * m**2, 3, group={"m": m})
    meas = fit(CrossingScaling(threshold=0.5, group="m", n_boot=100), recs)
    assert meas.value == pytest.approx(2.0)
    assert meas.n_points == 4
    assert math.exp(meas.intercept) == pytest.approx(3.0)


def test_crossing_scaling_validation():
    with pytest.raises(ValueError, match="lack 'm'"):
        fit(CrossingScaling(threshold=0.5, group="m"), [{"p": 1, "seed": 0, "test_error": 1}])
    with pytest.raises(ValueError, match="confidence"):
        ThresholdCrossing(threshold=0.1, confidence=2)


def test_crossing_ratio_by_construction():
    # y_a crosses 0.5 at 2 * P*, y_b at P*: log2 ratio = 1 for every group
    recs = []
    for m, p_star in ((2, 100.0), (3, 400.0)):
        for r in curve_records(p_star, 3, group={"m": m}):
            r["y_b"] = r["test_error"]
            r["y_a"] = 0.5 - 0.1 * math.log2(r["p"] / (2 * p_star))
            recs.append(r)
    meas = fit(CrossingRatio(group="m", y_a="y_a", threshold_a=0.5, y_b="y_b", threshold_b=0.5, n_boot=50), recs)
    assert meas.value == pytest.approx(1.0)
    assert meas.n_points == 2 and meas.min_points == 1


# ------------------------------------------------------------------ round trip


@pytest.mark.parametrize("estimator, recs", [
    (PowerLawFit(n_boot=50), records(0.4, 0.1, 3)),
    (SeedMean("test_error"), records(0.4, 0.1, 3, ps=(64,))),
    (ThresholdCrossing(threshold=0.5, n_boot=50), curve_records(300.0, 3)),
])
def test_measurements_survive_a_json_round_trip(estimator, recs):
    import json

    m = fit(estimator, recs)
    text = json.dumps(m.to_dict())
    back = measurement_from_dict(json.loads(text))
    assert type(back) is type(m) and json.dumps(back.to_dict()) == text  # (NaN != NaN: compare the JSON)


def test_curve_seed_mean_is_numpys_nanmean_bit_for_bit():
    """The NaN-free fast path of `curves.seed_mean` returns nanmean's values, with and without resampled columns."""
    import warnings

    from scalingcheck.compare.estimators.curves import seed_mean

    rng = np.random.default_rng(3)
    full = rng.normal(size=(7, 9)) * 10.0 ** rng.integers(-8, 8, size=(7, 9))
    holes = full.copy()
    holes[2, [0, 4]] = np.nan
    holes[5, :] = np.nan  # no seed has a value there: NaN, silently
    for mat in (full, holes, full[:, :0]):
        for columns in (None, rng.integers(0, max(mat.shape[1], 1), mat.shape[1])):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                expected = np.nanmean(mat if columns is None else mat[:, columns], axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                got = seed_mean(mat, columns)
            np.testing.assert_array_equal(got, expected)
            assert got.tobytes() == expected.tobytes()


def test_rank_correlation_by_hand_and_against_scipy():
    """Four groups, two seeds each: group means of x 1, 2, 3, 4 and of y 10, 30, 20, 40 give Spearman's rho
    1 - 6 * (0 + 1 + 1 + 0) / (4 * 15) = 0.8; against a column whose means reverse x's, rho = -0.8, difference 1.6."""
    import pandas as pd

    from scalingcheck.compare.estimators import RankCorrelation

    rows = []
    for g, (x, y) in enumerate([(1, 10), (2, 30), (3, 20), (4, 40)]):
        for seed, jitter in ((0, -0.1), (1, 0.1)):
            rows.append({"label": f"net{g}", "seed": seed, "R": x + jitter, "test_error": y + jitter,
                         "D": 5 - x + jitter})
    frame = pd.DataFrame(rows)
    m = RankCorrelation(x="R", y="test_error", group="label", n_boot=200).fit(frame)
    assert m.value == pytest.approx(0.8) and m.n_points == 4 and m.n_seeds == 2
    d = RankCorrelation(x="R", y="test_error", group="label", against="D", n_boot=200).fit(frame)
    assert d.value == pytest.approx(1.6) and "rho(D, test_error) = -0.800" in d.notes
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.normal(size=9), rng.normal(size=9)
    from scalingcheck.compare.estimators import rank_correlation

    assert rank_correlation(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-15)
    assert math.isnan(rank_correlation(np.ones(5), b[:5]))
