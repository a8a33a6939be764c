"""Every registry prediction against values worked out by hand (never by the same sympy expression)."""
from __future__ import annotations

import math

import pytest

from scalingcheck.theory.registry import REGISTRY, get

# (name, parameters, expected value); the arithmetic is in the comment.
CASES = [
    # --- section 1: geometric compression
    ("beta_lazy", dict(d=2), 0.5),  # 2/(3*2-2) = 2/4
    ("beta_lazy", dict(d=10), 10 / 28),  # 10/(30-2)
    ("beta_feature_stripe", dict(d=2), 0.75),  # (2*2-1)/(3*2-2) = 3/4
    ("beta_feature_stripe", dict(d=5), 9 / 13),  # (10-1)/(15-2)
    ("beta_feature_cylinder", dict(d=5, d_par=2), 0.5),  # d_perp=3: (5+3/2)/(15-2) = 6.5/13
    ("beta_feature_cylinder", dict(d=10, d_par=3), 13.5 / 28),  # d_perp=7: (10+3.5)/(30-2)
    ("compression_ratio", dict(p=16), 4.0),  # sqrt(16)
    ("compression_gain", dict(lam=9, d=2, xi=1), 1 / 3),  # exponent -2*1/(6-3+1) = -1/2; 9^(-1/2)
    ("compression_gain", dict(lam=4, d=3, xi=1), 2 ** (-8 / 7)),  # exponent -2*2/(9-3+1) = -4/7; 4^(-4/7) = 2^(-8/7)
    ("beta_svc", dict(d=2, xi=1), 0.5),  # (2-1+1)/(6-3+1) = 2/4
    ("beta_svc", dict(d=3, xi=0.5), 5 / 13),  # (3-1+0.5)/(9-3+0.5) = 2.5/6.5
    # --- section 2: kernel ridge regression
    ("krr_crossover_ridge", dict(P=256, d=3, chi=1), 0.25),  # 256^(-1/(3+1)) = 1/4
    ("krr_crossover_ridge", dict(P=8, d=3, chi=0), 0.5),  # 8^(-1/3)
    ("beta_krr_true", dict(chi=1, d=3), 0.5),  # (1+1)/(3+1)
    ("beta_krr_true", dict(chi=2.5, d=1), 1.0),  # d = 1: (1+chi)/(1+chi)
    ("beta_krr_sb", dict(chi=1, d=3), 8 / 15),  # (2)(4)/(3*(3+1+1)) = 8/15
    ("beta_krr_sb", dict(chi=0, d=3), 1 / 3),  # chi=0: (1)(4)/(3*4) = 1/3 = beta_krr_true(chi=0, d=3)
    ("krr_error_fixed_ridge", dict(ridge=1, P=64, chi=1, d=1), 1 / 16),  # (1/64)^((1+1)/(1+1+1)) = 64^(-2/3) = 4^-2
    # --- section 3: RHM (n_c=4, m=3, s=3, L=2, v=4: m=3 <= 4^2=16, n_c*m=12 <= 4^3=64)
    ("rhm_input_dim", dict(s=2, L=3), 8),  # 2^3
    ("rhm_input_dim", dict(s=3, L=2), 9),  # 3^2
    ("rhm_p_max", dict(n_c=2, m=2, s=2, L=2, v=2), 16),  # exponent (4-1)/(2-1)=3: 2*2^3
    ("rhm_p_max", dict(n_c=4, m=3, s=3, L=2, v=4), 324),  # exponent (9-1)/(3-1)=4: 4*3^4 = 4*81
    ("rhm_sample_complexity", dict(n_c=4, m=3, s=3, L=2, v=4), 36),  # 4*3^2
    ("rhm_correlation_crossing", dict(n_c=4, m=3, s=3, L=2, v=4), 36),  # 4*3^2
    ("rhm_signal", dict(v=16, m=4, L=1, s=2, n_c=2), 2.0),  # sqrt(16/4^1)
    ("rhm_signal", dict(v=8, m=2, L=3, s=2, n_c=2), 1.0),  # sqrt(8/2^3)
    ("rhm_noise", dict(v=8, n_c=2, P=4, m=2, s=2), 2.0),  # sqrt(8*2/4)
    ("rhm_shallow_sample_complexity", dict(n_c=4, m=3, s=3, L=2, v=4), 324),  # = P_max = 4*3^4
    ("sparse_rhm_p_star_lcn", dict(s0=2, L=3, n_c=2, m=2, s=2, v=2), 432),  # (2+1)^3 * 2 * 2^3 = 27*16
    ("sparse_rhm_p_star_cnn", dict(s0=2, L=3, n_c=2, m=2, s=2, v=2), 144),  # (2+1)^2 * 2 * 2^3 = 9*16
    ("sparse_rhm_p_star_lcn", dict(s0=0, L=3, n_c=2, m=2, s=2, v=2), 16),  # s0=0 recovers the RHM: 2*2^3
    # --- section 4: pooling
    ("pooling_diffeo_strided", dict(F=2, k=3), 0.125),  # 2^-3
    ("pooling_noise_strided", dict(F=2, k=3), 8.0),  # 2^3
    ("pooling_noise_strided", dict(F=3, k=2), 9.0),  # 3^2
    ("pooling_diffeo_stride1", dict(k=4), 0.25),  # 1/4
    ("pooling_noise_stride1", dict(k=4), 2.0),  # 4^(1/2)
    # --- section 5: diffeomorphisms (c = e so that ln c = 1)
    ("diffeo_delta", dict(n=32, T=1 / math.pi, c=math.e), 16.0),  # (32/2) sqrt(pi * (1/pi) * 1)
    ("diffeo_t_min", dict(n=2, c=math.e), 1 / (4 * math.pi)),  # 1/(pi * 2^2 * 1)
    ("diffeo_t_max", dict(c=math.e), 4 / (math.pi**3 * math.e**2)),  # 4/(pi^3 e^2 * 1)
    ("diffeo_t_max", dict(c=10), 4 / (math.pi**3 * 100 * math.log(10))),  # 4/(pi^3 * 10^2 * ln 10)
    ("error_vs_relative_stability", dict(R_f=0.25), 0.1),  # 0.2 * sqrt(0.25)
    # exact rms displacements, c = 3: the paper's modes (1,1) (1,2) (2,1) (2,2), S = 1/2 + 2/5 + 1/8 = 41/40;
    # the authors' add (1,3) (3,1), S = 49/40; n - 1 = 4 divides no kept index: (n - 1) sqrt(T S / 2) = 4
    ("diffeo_rms_exact", dict(n=5, c=3, T=80 / 41), 4.0),
    ("diffeo_rms_exact_authors", dict(n=5, c=3, T=80 / 49), 4.0),
    ("diffeo_rms_exact", dict(n=3, c=3, T=4), 2.0),  # n - 1 = 2 drops (1,2) (2,1) (2,2): S = 1/2, 2 sqrt(4 / 4)
    # at the centre only odd (i, j) count: (1,1), S_odd = 1/2: n sqrt(2 T S_odd) = 16 sqrt(1/4) = 8
    ("diffeo_rms_exact_centre", dict(n=16, c=3, T=1 / 4), 8.0),
    # --- section 6: supporting
    ("alpha_star", dict(h=100), 0.1),  # 100^(-1/2)
    ("init_fluctuations", dict(h=400), 0.05),  # 400^(-1/2)
    ("beta_teacher_student", dict(d=2, alpha_T=6, alpha_S=3), 2.0),  # min(6-2, 2*3)/2 = 4/2
    ("beta_teacher_student", dict(d=4, alpha_T=5, alpha_S=0.25), 0.125),  # min(5-4, 0.5)/4 = 0.5/4
]


@pytest.mark.parametrize("name, params, expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_hand_value(name, params, expected):
    assert get(name).evaluate(**params) == pytest.approx(expected, rel=1e-12)


def test_every_closed_form_prediction_has_a_hand_value():
    covered = {c[0] for c in CASES}
    closed = {n for n, p in REGISTRY.items() if p.expr is not None}
    assert closed - covered == set()


def test_evaluate_returns_float():
    assert type(get("rhm_p_max").evaluate(n_c=2, m=2, s=2, L=2, v=2)) is float


def test_diffeo_delta_is_half_a_pixel_at_t_min():
    # T_min is defined by delta = 1/2: (n/2) sqrt(pi T ln c) = 1/2  <=>  T = 1/(pi n^2 ln c)
    t_min = get("diffeo_t_min").evaluate(n=28, c=5)
    assert get("diffeo_delta").evaluate(n=28, T=t_min, c=5) == pytest.approx(0.5, rel=1e-12)


def test_beta_lazy_is_beta_svc_at_xi_1():
    for d in (2, 3, 7):
        assert get("beta_lazy").evaluate(d=d) == pytest.approx(get("beta_svc").evaluate(d=d, xi=1))


# ------------------------------------------------------------------ bad parameters
@pytest.mark.parametrize(
    "name, params, fragment",
    [
        ("rhm_p_max", dict(n_c=1, m=9, v=8, s=2, L=2), "m=9 > v**(s - 1)=8"),
        ("rhm_p_max", dict(n_c=5, m=2, v=3, s=2, L=2), "m*n_c=10 > v**s=9"),
        ("rhm_sample_complexity", dict(n_c=2, m=1, v=2, s=1, L=2), "s=1 < 2"),
        ("sparse_rhm_p_star_cnn", dict(s0=1, n_c=2, m=9, v=8, s=2, L=2), "m=9 > v**(s - 1)=8"),
        ("rhm_input_dim", dict(s=1, L=3), "s=1 < 2"),
        ("beta_svc", dict(d=3, xi=2), "xi=2 >= 2 (requires xi < 2)"),
        ("compression_gain", dict(lam=2, d=3, xi=2.5), "xi=2.5 >= 2"),
        ("compression_gain", dict(lam=2, d=1, xi=1), "d=1 < 2"),
        ("beta_feature_stripe", dict(d=1), "d=1 < 2"),
        ("beta_feature_cylinder", dict(d=5, d_par=1), "d_par=1 < 2"),
        ("beta_feature_cylinder", dict(d=5, d_par=5), "d_par=5 >= d=5"),
        ("diffeo_t_max", dict(c=1), "c=1 <= 1"),
        ("beta_teacher_student", dict(d=2, alpha_T=2, alpha_S=1), "alpha_T=2 <= d=2"),
    ],
)
def test_violated_condition_names_the_constraint(name, params, fragment):
    with pytest.raises(ValueError) as info:
        get(name).evaluate(**params)
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{name}: ")


@pytest.mark.parametrize(
    "name, params, fragment",
    [
        ("beta_lazy", dict(d=2.5), "d=2.5 must be an integer"),
        ("beta_lazy", dict(d=0), "d=0 must be > 0"),
        ("beta_svc", dict(d=3, xi=0), "xi=0 must be > 0"),
        ("beta_krr_true", dict(chi=-0.5, d=2), "chi=-0.5 must be >= 0"),
        ("sparse_rhm_p_star_lcn", dict(s0=-1, n_c=2, m=2, v=2, s=2, L=2), "s0=-1 must be >= 0"),
        ("beta_lazy", dict(d=float("nan")), "must be finite"),
        ("beta_lazy", dict(d="two"), "is not a number"),
    ],
)
def test_outside_domain(name, params, fragment):
    with pytest.raises(ValueError, match=fragment):
        get(name).evaluate(**params)


def test_unknown_and_missing_parameters():
    with pytest.raises(ValueError, match=r"beta_lazy: unknown parameter\(s\) x; allowed: d"):
        get("beta_lazy").evaluate(d=2, x=1)
    with pytest.raises(ValueError, match=r"missing parameter\(s\) d_par; required: d, d_par"):
        get("beta_feature_cylinder").evaluate(d=5)
    # the RHM conditions involve v, so v is required even where the formula lacks it
    with pytest.raises(ValueError, match=r"missing parameter\(s\) v"):
        get("rhm_sample_complexity").evaluate(n_c=2, m=2, s=2, L=2)


def test_chi_zero_allowed():
    # chi is nonnegative, not positive: chi = 0 is the undepleted stripe; (1+0)/(2+0) = 0.5
    assert get("beta_krr_true").evaluate(chi=0, d=2) == pytest.approx(0.5)
