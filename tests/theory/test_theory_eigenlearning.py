"""Eigenlearning (spectral-bias) prediction of KRR: closed forms, high precision, limits, errors."""
from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingcheck.theory.eigenlearning import learning_curve, predicted_error, solve_kappa


# ------------------------------------------------------------------ closed forms by hand
def test_equal_eigenvalues_ridgeless():
    # N = 10 modes of eta = 2, p = 4: p = N eta/(eta + kappa)  =>  kappa = eta (N - p)/p = 2*6/4 = 3
    assert solve_kappa([2.0] * 10, 4) == pytest.approx(3.0, rel=1e-13)
    # t = eta/(eta+kappa) = p/N = 0.4, gamma = N t^2/p = p/N = 0.4,
    # eps = 1/(1-gamma) * N (1-t)^2 c^2 = (1/0.6) * 10 * 0.36 * 1 = 6 = (N-p)/N * sum c^2
    assert predicted_error([2.0] * 10, [1.0] * 10, 4) == pytest.approx(6.0, rel=1e-13)
    # with c_k = 0.5: sum c^2 = 2.5, eps = 0.6 * 2.5 = 1.5
    assert predicted_error([2.0] * 10, [0.5] * 10, 4) == pytest.approx(1.5, rel=1e-13)


def test_p_close_to_the_number_of_modes():
    # N = 10 modes of eta = 1, p = N - 1e-9: kappa = eta (N - p)/p = 1e-9/(10 - 1e-9) (no cancellation in N - p)
    p = 10 - 1e-9
    assert solve_kappa(np.ones(10), p) == pytest.approx((10 - p) / p, rel=1e-9)


def test_equal_eigenvalues_with_ridge():
    # N = 2 modes of eta = 1, ridge = 1, p = 1: 2/(1+k) + 1/k = 1  =>  k^2 - 2k - 1 = 0  =>  k = 1 + sqrt(2)
    assert solve_kappa([1.0, 1.0], 1, ridge=1.0) == pytest.approx(1 + math.sqrt(2), rel=1e-13)
    # t = 1/(2+sqrt2), gamma = 2 t^2, eps = (2 (1-t)^2 c^2)/(1 - 2 t^2) with c = 1
    t = 1 / (2 + math.sqrt(2))
    assert predicted_error([1.0, 1.0], [1.0, 1.0], 1, ridge=1.0) == pytest.approx(
        2 * (1 - t) ** 2 / (1 - 2 * t**2), rel=1e-13
    )


def test_zero_eigenvalues_are_unlearnable_modes():
    # eta = (1, 0), p = 0.5, ridge 0: 1/(1+k) = 0.5  =>  k = 1; t = 0.5, gamma = 0.25/0.5 = 0.5
    # eps = 1/(1-0.5) * ((0.5)^2 * 1 + 1^2 * 4) = 2 * 4.25 = 8.5 with c = (1, 2)
    assert solve_kappa([1.0, 0.0], 0.5) == pytest.approx(1.0, rel=1e-13)
    assert predicted_error([1.0, 0.0], [1.0, 2.0], 0.5) == pytest.approx(8.5, rel=1e-13)


def test_roundoff_negative_eigenvalue_is_zero():
    a = predicted_error([1.0, -1e-17], [1.0, 2.0], 0.5)
    assert a == pytest.approx(8.5, rel=1e-13)


# ------------------------------------------------------------------ limits
def test_large_ridge_learns_nothing():
    # ridge -> inf: kappa ~ ridge/p -> inf, every kappa/(eta+kappa) -> 1, gamma -> 0: eps -> sum c^2
    k = np.arange(1, 101)
    eta, c = k**-2.0, k**-0.5
    assert predicted_error(eta, c, 10, ridge=1e14) == pytest.approx(float(np.sum(c**2)), rel=1e-10)
    assert solve_kappa(eta, 10, ridge=1e14) == pytest.approx(1e14 / 10, rel=1e-10)


def test_single_mode_small_p():
    # one mode eta, ridge 0, p < 1: eta/(eta+k) = p  =>  k = eta (1-p)/p; eps = (1-p) c^2 (N=1 case)
    assert solve_kappa([5.0], 0.25) == pytest.approx(15.0, rel=1e-13)
    assert predicted_error([5.0], [3.0], 0.25) == pytest.approx(0.75 * 9, rel=1e-13)


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(2, 40),
    slope=st.floats(0.5, 4.0),
    frac=st.floats(0.05, 0.95),
    ridge=st.sampled_from([0.0, 1e-8, 1e-3, 1.0]),
)
def test_kappa_solves_the_equation_and_error_decreases(n, slope, frac, ridge):
    eta = np.arange(1, n + 1, dtype=float) ** -slope
    p = frac * n
    k = solve_kappa(eta, p, ridge)
    assert k > 0
    lhs = math.fsum(e / (e + k) for e in eta) + ridge / k
    assert lhs == pytest.approx(p, rel=1e-11)
    # a monotone spectrum with decaying target: more data, lower error
    curve = learning_curve(eta, eta**0.5, [p * 0.5, p], ridge=ridge)
    assert curve[1] <= curve[0] * (1 + 1e-12)


# ------------------------------------------------------------------ 50-digit reference
def _mp_reference(eta, c, p, ridge=0.0):
    """kappa and eps from mpmath at 50 digits (findroot in log kappa, Pegasus bracketing)."""
    with mp.workdps(50):
        e = [mp.mpf(float(x)) for x in eta]
        c2 = [mp.mpf(float(x)) ** 2 for x in c]
        P, r = mp.mpf(p), mp.mpf(ridge)

        def f(x):  # log of the left side minus log P: monotone and well scaled over the bracket
            k = mp.exp(x)
            return mp.log(mp.fsum(ei / (ei + k) for ei in e) + r / k) - mp.log(P)

        k = mp.exp(mp.findroot(f, (mp.mpf(-200), mp.mpf(50)), solver="pegasus"))
        assert abs(f(mp.log(k))) < mp.mpf(10) ** -40
        gamma = mp.fsum((ei / (ei + k)) ** 2 for ei in e) / P
        err = mp.fsum((k / (ei + k)) ** 2 * ci for ei, ci in zip(e, c2)) / (1 - gamma)
        return float(k), float(err)


POWER = np.arange(1, 2001, dtype=float) ** -3.0
POWER_C = np.arange(1, 2001, dtype=float) ** -1.0
WIDE = np.logspace(-30, 0, 300)
WIDE_C = np.cos(np.arange(300))


@pytest.mark.parametrize(
    "eta, c, p, ridge",
    [
        (POWER, POWER_C, 10, 0.0),
        (POWER, POWER_C, 1000, 0.0),
        (POWER, POWER_C, 100, 1e-4),
        (WIDE, WIDE_C, 3, 0.0),
        (WIDE, WIDE_C, 150, 0.0),
        (WIDE, WIDE_C, 295, 0.0),
        (WIDE, WIDE_C, 100, 1e-20),
    ],
    ids=["power-p10", "power-p1000", "power-ridge", "wide-p3", "wide-p150", "wide-p295", "wide-ridge"],
)
def test_agrees_with_mpmath(eta, c, p, ridge):
    k_ref, err_ref = _mp_reference(eta, c, p, ridge)
    assert solve_kappa(eta, p, ridge) == pytest.approx(k_ref, rel=1e-12)
    assert predicted_error(eta, c, p, ridge) == pytest.approx(err_ref, rel=1e-12)


def test_wide_spectrum_kappa_spans_decades():
    # kappa follows the spectrum down 30 decades without underflow or a failed bracket
    ks = [solve_kappa(WIDE, p) for p in (1, 100, 299)]
    assert ks[0] > 1 and 1e-8 > ks[1] > 1e-20 and 0 < ks[2] < 1e-29


def test_learning_curve_matches_pointwise():
    ps = np.array([5, 50, 500])
    curve = learning_curve(POWER, POWER_C, ps)
    assert curve.shape == (3,) and curve.dtype == float
    for p, v in zip(ps, curve):
        assert v == predicted_error(POWER, POWER_C, p)


# ------------------------------------------------------------------ validation
def test_ridgeless_needs_more_modes_than_p():
    with pytest.raises(ValueError, match=r"ridge=0, p must be < the number of positive eigenvalues \(3\), got p=3"):
        solve_kappa([1.0, 0.5, 0.25, 0.0], 3)
    with pytest.raises(ValueError, match="number of positive eigenvalues"):
        predicted_error([1.0, 0.5], [1.0, 1.0], 2)
    # a positive ridge makes any p solvable
    assert solve_kappa([1.0, 0.5], 5, ridge=1.0) > 0


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(eigenvalues=[1.0, -0.5], p=1), r"eigenvalues must be >= 0, got -0.5 at index 1"),
        (dict(eigenvalues=[1.0, float("nan")], p=1), r"eigenvalues must be finite, got nan at index 1"),
        (dict(eigenvalues=[1.0, float("inf")], p=1), r"eigenvalues must be finite"),
        (dict(eigenvalues=[], p=1), r"eigenvalues is empty"),
        (dict(eigenvalues=[[1.0]], p=1), r"eigenvalues must be a 1-D array"),
        (dict(eigenvalues=[1.0, 0.5], p=0), r"p \(number of training points\) must be finite and > 0, got 0"),
        (dict(eigenvalues=[1.0, 0.5], p=float("nan")), r"p \(number of training points\) must be finite"),
        (dict(eigenvalues=[1.0, 0.5], p=1, ridge=-1.0), r"ridge must be finite and >= 0, got -1"),
        (dict(eigenvalues=[1.0, 0.5], p=1, ridge=float("nan")), r"ridge must be finite and >= 0"),
    ],
)
def test_solve_kappa_validation(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        solve_kappa(**kwargs)


def test_coefficient_validation():
    with pytest.raises(ValueError, match=r"coefficients must have the shape of eigenvalues \(2,\), got \(3,\)"):
        predicted_error([1.0, 0.5], [1.0, 1.0, 1.0], 1)
    with pytest.raises(ValueError, match=r"coefficients must be finite, got nan at index 0"):
        predicted_error([1.0, 0.5], [float("nan"), 1.0], 1)
    with pytest.raises(ValueError, match=r"p \(number of training points\) must be finite and > 0, got -1"):
        learning_curve([1.0, 0.5], [1.0, 1.0], [1, -1])
