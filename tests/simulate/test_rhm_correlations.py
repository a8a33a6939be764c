import math

import pytest
import torch

from scalingcheck.simulate.runs.rows import row
from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.experiments.rhm import RHMCorrelationSpec
from scalingcheck.simulate.observables.rhm_correlations import empirical_frequencies, exact_frequencies, signal
from scalingcheck.simulate.runs.spec import run


def brute_force_frequencies(rhm):
    """Enumerate the whole dataset (every member equally likely): a second route to the exact frequencies."""
    x, y = rhm.enumerate_all(one_hot=False)
    return empirical_frequencies(x, y, rhm.n_c, rhm.v)


@pytest.mark.parametrize("params", [(2, 4, 2, 2, 2), (3, 4, 2, 2, 3), (2, 3, 3, 2, 2), (2, 3, 2, 3, 2)])
def test_exact_frequencies_equal_enumeration(params):
    rhm = RandomHierarchyModel(*params, rules_seed=5)
    assert torch.allclose(exact_frequencies(rhm), brute_force_frequencies(rhm), atol=1e-12)


def test_empirical_frequencies_by_hand():
    tokens = torch.tensor([[0, 1], [1, 1], [0, 0]])
    classes = torch.tensor([0, 0, 1])
    f = empirical_frequencies(tokens, classes, n_c=3, v=2)
    assert f[0, 0].tolist() == [0.5, 0.5] and f[0, 1].tolist() == [0.0, 1.0]
    assert f[1, 0].tolist() == [1.0, 0.0]
    assert f[2].tolist() == [[0.5, 0.5], [0.5, 0.5]]  # no sample of class 2: uniform


def test_signal_by_hand():
    f = torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]], dtype=torch.float64)  # two classes, one position, v=2
    assert signal(f) == pytest.approx(2 * 0.5)  # deviations +-0.5 everywhere, times v=2


def test_noise_follows_sqrt_v_nc_over_p():
    """Sampling noise ~ sqrt(v n_c / P) (multinomial variance, times 1 - 1/v up to the signal)."""
    spec = RHMCorrelationSpec(n_c=4, v=8, m=3, s=2, L=3, p=20000)
    r = run(spec, 0)
    assert r["noise"] == pytest.approx(math.sqrt(8 * 4 / 20000), rel=0.1)
    assert row(spec, r)["noise_to_signal"] == r["noise"] / r["signal"]  # derived when the record is read


def test_rules_seed_none_draws_a_grammar_per_seed():
    spec = RHMCorrelationSpec(n_c=4, v=8, m=3, s=2, L=2, p=100)
    assert run(spec, 0)["signal"] != run(spec, 1)["signal"]
    fixed = RHMCorrelationSpec(n_c=4, v=8, m=3, s=2, L=2, p=100, rules_seed=7)
    assert run(fixed, 0)["signal"] == run(fixed, 1)["signal"]


def test_spec_validation():
    with pytest.raises(ValueError, match="m=9"):
        RHMCorrelationSpec(n_c=2, v=8, m=9, s=2, L=2, p=10)
    with pytest.raises(ValueError, match="p="):
        RHMCorrelationSpec(n_c=2, v=8, m=2, s=2, L=2, p=0)
