"""Targets evaluate registry formulas as estimators need them; reference values by hand."""
import math

import pytest

from scalingcheck.compare.targets import ClosedForm, Constant, Rate, Ratio, ScalingExponent


def test_closed_form_value():
    assert ClosedForm.of("beta_lazy", d=2).value(None) == pytest.approx(0.5)
    assert ClosedForm.of("beta_svc", d=2, xi=0.5).value(None) == pytest.approx(1.5 / 3.5)
    with pytest.raises(ValueError, match="unknown prediction"):
        ClosedForm.of("beta_lazzy", d=2)


def test_scaling_exponent_in_a_parameter():
    assert ScalingExponent.of("rhm_sample_complexity", "m", L=3).value(None) == pytest.approx(3.0)
    assert ScalingExponent.of("rhm_sample_complexity", "n_c", m=4, L=3).value(None) == pytest.approx(1.0)
    assert ScalingExponent.of("compression_ratio", "p").value(None) == pytest.approx(0.5)
    # P_max = n_c m^((s^L - 1)/(s - 1)): exponent 7 in m at s = 2, L = 3
    assert ScalingExponent.of("rhm_shallow_sample_complexity", "m", s=2, L=3).value(None) == pytest.approx(7.0)


def test_scaling_exponent_in_an_expression_of_a_parameter():
    """(s0+1)^L n_c m^L against (s0+1): L, by the chain rule; against s0 itself it depends on s0."""
    assert ScalingExponent.of("sparse_rhm_p_star_lcn", "s0 + 1", L=2).value(None) == pytest.approx(2.0)
    assert ScalingExponent.of("sparse_rhm_p_star_cnn", "s0 + 1").value(None) == pytest.approx(2.0)
    assert ScalingExponent.of("sparse_rhm_p_star_lcn", "s0", L=2, s0=3).value(None) == pytest.approx(2 * 3 / 4)
    with pytest.raises(ValueError, match="depends on s0"):
        ScalingExponent.of("sparse_rhm_p_star_lcn", "s0", L=2)
    with pytest.raises(ValueError, match="exactly one"):
        ScalingExponent.of("sparse_rhm_p_star_lcn", "s0 + m", L=2)
    with pytest.raises(ValueError, match="neither a parameter"):
        ScalingExponent.of("sparse_rhm_p_star_lcn", "s0 +", L=2)


def test_rate_on_a_semilog_scale():
    """D_k ~ F^-k: d ln D / dk = -ln F; G_k ~ F^k: +ln F; stride 1, D_k ~ 1/k: -1/k (depends on k)."""
    assert Rate.of("pooling_diffeo_strided", "k", F=2).value(None) == pytest.approx(-math.log(2))
    assert Rate.of("pooling_noise_strided", "k", F=3).value(None) == pytest.approx(math.log(3))
    assert Rate.of("pooling_diffeo_stride1", "k", k=4).value(None) == pytest.approx(-0.25)
    with pytest.raises(ValueError, match="depends on k"):
        Rate.of("pooling_diffeo_stride1", "k")
    with pytest.raises(ValueError, match="no parameter 'q'"):
        Rate.of("pooling_diffeo_strided", "q", F=2)


def test_ratio_of_two_formulas():
    """P*_LCN / P*_CNN = (s0+1)^(L-2) on the sparse RHM; log2 of it at s0 = 3, L = 3 is 2."""
    params = dict(n_c=4, v=8, m=4, s=2, L=3, s0=3)
    assert Ratio.of("sparse_rhm_p_star_lcn", "sparse_rhm_p_star_cnn", params).value(None) == pytest.approx(4.0)
    assert Ratio.of("sparse_rhm_p_star_lcn", "sparse_rhm_p_star_cnn", params, log_base=2).value(None) == pytest.approx(2.0)
    # one formula at two parameter sets: P_max doubles with n_c
    r = Ratio.of("rhm_p_max", "rhm_p_max", dict(n_c=4, v=8, m=2, s=2, L=2), dict(n_c=2, v=8, m=2, s=2, L=2))
    assert r.value(None) == pytest.approx(2.0) and r.provenance == "code"
    with pytest.raises(ValueError, match="log_base"):
        Ratio.of("rhm_p_max", "rhm_p_max", dict(n_c=4, v=8, m=2, s=2, L=2), log_base=1)


def test_constant_states_a_value_in_words():
    c = Constant(0.0, "log2(eps_init / eps_final) > 0", provenance="paper", citation="2007.11471")
    assert c.value(None) == 0.0 and c.runs() == [] and "eps_init" in c.describe()
