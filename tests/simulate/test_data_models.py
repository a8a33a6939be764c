"""Data models: property tests (hypothesis) and statistical checks against exact laws."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import scalingcheck.simulate.data as data_package
from scalingcheck.simulate.data import (Cylinder, DataModel, DepletedStripe, RandomHierarchyModel, Samples,
                                        ScaleDetection1D, ScaleDetection2D, SparseRandomHierarchyModel, Stripe)
from scalingcheck.simulate.runs.spec import canonical_json


@st.composite
def models(draw):
    which = draw(st.sampled_from(["stripe", "cylinder", "depleted_stripe"]))
    if which == "stripe":
        return Stripe(draw(st.integers(1, 6)))
    if which == "cylinder":
        d = draw(st.integers(2, 6))
        return Cylinder(d, draw(st.integers(2, d)))
    return DepletedStripe(draw(st.integers(1, 6)), draw(st.floats(0.0, 6.0)))


def rule_numpy(model, x: np.ndarray) -> np.ndarray:
    """The labelling rules written independently in numpy."""
    if isinstance(model, Stripe):
        return np.where((x[:, 0] > -0.3) & (x[:, 0] < 1.18549), 1.0, -1.0)
    if isinstance(model, Cylinder):
        return np.where((x[:, : model.d_par] ** 2).sum(1) > model.d_par - 2 / 3, 1.0, -1.0)
    return np.where(x[:, 0] >= 0, 1.0, -1.0)


seeds = st.integers(0, 2**32)
PROPS = settings(max_examples=40, deadline=None)


@PROPS
@given(model=models(), n=st.integers(0, 60), seed=seeds, stream=st.integers(0, 3))
def test_shapes_labels_and_rule(model, n, seed, stream):
    x, y = model.sample(n, seed, stream=stream, device="cpu")
    assert x.shape == (n, model.d) and y.shape == (n,)
    assert x.dtype == y.dtype == torch.float64
    assert torch.isfinite(x).all()
    assert set(y.tolist()) <= {-1.0, 1.0}
    np.testing.assert_array_equal(y.numpy(), rule_numpy(model, x.numpy()))
    assert torch.equal(model.label(x), y)


@PROPS
@given(model=models(), n=st.integers(1, 40), seed=seeds, stream=st.integers(0, 3))
def test_reproducible_and_seeds_differ(model, n, seed, stream):
    x1, y1 = model.sample(n, seed, stream=stream, device="cpu")
    x2, y2 = model.sample(n, seed, stream=stream, device="cpu")
    assert torch.equal(x1, x2) and torch.equal(y1, y2)
    x3, _ = model.sample(n, seed + 1, stream=stream, device="cpu")
    x4, _ = model.sample(n, seed, stream=stream + 1, device="cpu")
    assert not torch.equal(x1, x3)
    assert not torch.equal(x1, x4)


@PROPS
@given(model=models(), n=st.integers(0, 50), extra=st.integers(0, 80), seed=seeds, stream=st.integers(0, 2))
def test_nested_training_sets(model, n, extra, seed, stream):
    x, y = model.sample(n, seed, stream=stream, device="cpu")
    xb, yb = model.sample(n + extra, seed, stream=stream, device="cpu")
    assert torch.equal(xb[:n], x) and torch.equal(yb[:n], y)


@PROPS
@given(model=models(), seed=seeds)
def test_float32(model, seed):
    x, y = model.sample(17, seed, device="cpu", dtype=torch.float32)
    x64, _ = model.sample(17, seed, device="cpu")
    assert x.dtype == y.dtype == torch.float32
    assert torch.equal(x, x64.float())
    assert torch.equal(model.label(x), y)


def test_models_are_hashable_specs():
    for m in [Stripe(3), Cylinder(5, 2), DepletedStripe(2, 1)]:
        assert isinstance(m, DataModel)
        hash(m)
        with pytest.raises(Exception):
            m.d = 7  # frozen
    assert canonical_json(DepletedStripe(2, 1)) == '{"chi":1.0,"d":2,"kind":"depleted_stripe"}'
    assert canonical_json(DepletedStripe(2, 1)) == canonical_json(DepletedStripe(2, 1.0))
    assert canonical_json(Cylinder(np.int64(4), 3)) == '{"d":4,"d_par":3,"kind":"cylinder"}'
    assert canonical_json(Stripe(2)) == '{"d":2,"kind":"stripe"}'


# One instance of every data model the package exports: a model exported without one here fails the test below.
EVERY_MODEL = {
    Stripe: Stripe(3),
    Cylinder: Cylinder(4, 2),
    DepletedStripe: DepletedStripe(2, 1.5),
    RandomHierarchyModel: RandomHierarchyModel(n_c=4, v=4, m=2, s=2, L=2),
    SparseRandomHierarchyModel: SparseRandomHierarchyModel(n_c=3, v=4, m=2, s=2, L=2, s0=1),
    ScaleDetection1D: ScaleDetection1D(16, 4),
    ScaleDetection2D: ScaleDetection2D(8, 3.0, gap=0.5),
}


def test_every_exported_data_model_meets_the_samples_protocol():
    """One sample() for every data model: x [n, *input_shape] and y [n], reproducible, nested in n, streams differ."""
    exported = {getattr(data_package, name) for name in data_package.__all__}
    assert {c for c in exported if isinstance(c, type)} - {DataModel, Samples} == set(EVERY_MODEL)
    for cls, model in EVERY_MODEL.items():
        assert isinstance(model, cls) and isinstance(model, Samples), cls
        for n in (0, 1, 7):
            x, y = model.sample(n, 3, device="cpu")
            assert x.shape == (n, *model.input_shape) and y.shape == (n,), cls
        x, y = model.sample(30, 5, stream=1, device="cpu")
        again = model.sample(30, 5, stream=1, device="cpu")
        assert torch.equal(x, again[0]) and torch.equal(y, again[1]), cls
        assert torch.equal(model.sample(12, 5, stream=1, device="cpu")[0], x[:12]), cls
        assert not torch.equal(model.sample(30, 5, stream=2, device="cpu")[0], x), cls
    assert not isinstance(object(), Samples)


def test_scale_detection_sample_draws_the_balanced_law():
    """Labels +-1 with probability 1/2, each pair uniform within its label, y = label(x)."""
    task = ScaleDetection1D(8, 2)
    pos, lab = task.pairs()
    n = 40_000
    x, y = task.sample(n, 7, device="cpu", dtype=torch.float64)
    assert x.dtype == y.dtype == torch.float64 and torch.equal(task.label(x), y)
    assert abs(float((y > 0).double().mean()) - 0.5) < 5 * np.sqrt(0.25 / n)
    drawn = task.positions(x)
    for sign in (1.0, -1.0):
        pairs = pos[lab == sign].tolist()
        counts = [int(((drawn == torch.tensor(p)).all(1) & (y == sign)).sum()) for p in pairs]
        assert stats.chisquare(counts).pvalue > 1e-3


@pytest.mark.parametrize(
    "factory, name",
    [
        (lambda: Stripe(0), "d="),
        (lambda: Stripe(2.5), "d="),
        (lambda: Cylinder(3, 1), "d_par="),
        (lambda: Cylinder(3, 4), "d_par="),
        (lambda: DepletedStripe(2, -0.5), "chi="),
        (lambda: DepletedStripe(2, float("nan")), "chi="),
        (lambda: Stripe(2).sample(-1, 0), "n="),
        (lambda: Stripe(2).sample(3, -1), "seed="),
        (lambda: Stripe(2).sample(3, 0, stream=-2), "stream="),
        (lambda: Stripe(2).sample(3, 0, dtype=torch.int64), "dtype="),
        (lambda: Stripe(2).label(torch.zeros(3, 4)), "shape"),
    ],
)
def test_bad_input_names_the_parameter(factory, name):
    with pytest.raises(ValueError, match=name):
        factory()


# ---------------------------------------------------------------- statistics
N_BIG = 200_000


def test_stripe_balanced_and_gaussian():
    x, y = Stripe(3).sample(N_BIG, 11, device="cpu")
    p_plus = float((y > 0).double().mean())
    exact = stats.norm.cdf(1.18549) - stats.norm.cdf(-0.3)
    assert abs(exact - 0.5) < 1e-5
    # 5 standard errors of a binomial proportion at n = 200k: 0.0056
    assert abs(p_plus - 0.5) < 5 * np.sqrt(0.25 / N_BIG)
    for j in range(3):
        assert stats.kstest(x[:, j].numpy(), "norm").pvalue > 1e-3


@pytest.mark.parametrize("d, d_par", [(3, 2), (5, 3), (8, 6)])
def test_cylinder_balance_matches_chi2(d, d_par):
    _, y = Cylinder(d, d_par).sample(N_BIG, 5, device="cpu")
    p_plus = float((y > 0).double().mean())
    exact = stats.chi2.sf(d_par - 2 / 3, d_par)
    assert abs(exact - 0.5) < 0.02  # "roughly balanced": P(chi2_2 > 4/3) = exp(-2/3) = 0.513
    se = np.sqrt(exact * (1 - exact) / N_BIG)
    assert abs(p_plus - exact) < 5 * se


@pytest.mark.parametrize("chi", [0.0, 0.5, 1.0, 3.0, 6.0])
def test_depleted_stripe_exact_law_of_x1(chi):
    x, y = DepletedStripe(3, chi).sample(50_000, 3, device="cpu")
    r = x[:, 0].abs().numpy()
    # |x_1| has density ~ r^chi exp(-r^2/2): a chi law with chi + 1 degrees of freedom,
    # equivalently a generalised gamma with a = (chi + 1)/2, c = 2, scale sqrt(2).
    assert stats.kstest(r, stats.chi(df=chi + 1).cdf).pvalue > 1e-3
    assert stats.kstest(r, stats.gengamma(a=(chi + 1) / 2, c=2, scale=np.sqrt(2)).cdf).pvalue > 1e-3
    if chi == 0.0:
        assert stats.kstest(r, "halfnorm").pvalue > 1e-3
    # symmetric sign, balanced labels, other coordinates standard normal
    assert abs(float((y > 0).double().mean()) - 0.5) < 5 * np.sqrt(0.25 / 50_000)
    for j in (1, 2):
        assert stats.kstest(x[:, j].numpy(), "norm").pvalue > 1e-3


def test_depletion_distinguishable():
    """The KS test has power: chi = 1 data is not half-normal."""
    x, _ = DepletedStripe(1, 1.0).sample(50_000, 3, device="cpu")
    assert stats.kstest(x[:, 0].abs().numpy(), "halfnorm").pvalue < 1e-6
