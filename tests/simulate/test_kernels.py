"""Kernels against direct numpy formulas; ReluNTK against a Monte Carlo empirical NTK."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from scalingcheck.simulate.learners.kernels import ExpPower, Kernel, Laplace, ReluNTK, pairwise_distances
from scalingcheck.simulate.runs.spec import canonical_json


def points(n, d, seed, scale=1.0, shift=0.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g, dtype=torch.float64) * scale + shift


@pytest.mark.parametrize("sigma", [0.3, 1.0, 10.0])
def test_laplace_matches_numpy(sigma):
    x, y = points(30, 4, 0), points(20, 4, 1)
    expected = np.exp(-cdist(x.numpy(), y.numpy()) / sigma)
    np.testing.assert_allclose(Laplace(sigma)(x, y).numpy(), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(Laplace(sigma)(x).numpy(), np.exp(-cdist(x.numpy(), x.numpy()) / sigma), rtol=1e-12, atol=1e-7)


@pytest.mark.parametrize("sigma, xi", [(0.5, 0.5), (1.0, 1.0), (2.0, 1.5), (3.0, 2.0)])
def test_exp_power_matches_numpy(sigma, xi):
    x, y = points(25, 3, 2), points(15, 3, 3)
    expected = np.exp(-((cdist(x.numpy(), y.numpy()) / sigma) ** xi))
    np.testing.assert_allclose(ExpPower(sigma, xi)(x, y).numpy(), expected, rtol=1e-12, atol=1e-14)


def test_exp_power_xi1_is_laplace():
    x = points(10, 2, 4)
    torch.testing.assert_close(ExpPower(2.0, 1.0)(x), Laplace(2.0)(x), rtol=1e-14, atol=1e-14)


def test_diagonal_is_exact_and_matrix_symmetric():
    x = points(50, 3, 5, scale=1e-3, shift=1e4)  # round-off prone: large offset, tiny spread
    for k in [Laplace(0.01), ExpPower(0.01, 0.7), ReluNTK()]:
        K = k(x)
        assert torch.equal(K, K.T) or torch.allclose(K, K.T, rtol=0, atol=1e-12)
        if not isinstance(k, ReluNTK):
            assert torch.all(torch.diagonal(K) == 1.0)
    assert torch.all(torch.diagonal(pairwise_distances(x)) == 0.0)
    np.testing.assert_allclose(pairwise_distances(x).numpy(), cdist(x.numpy(), x.numpy()), atol=1e-6)


def test_duplicates_and_dtype_device():
    x = torch.tensor([[0.0, 1.0], [0.0, 1.0], [3.0, 5.0]], dtype=torch.float32)
    K = Laplace()(x)
    assert K.dtype == torch.float32 and K.shape == (3, 3)
    assert K[0, 1] == pytest.approx(1.0, abs=1e-3)
    assert ReluNTK()(x).dtype == torch.float32
    assert Laplace()(x, x.double()).dtype == torch.float32  # computed in x's dtype


def test_cusp_exponents_and_serialisation():
    assert Laplace().cusp_exponent == 1.0
    assert ExpPower(1.0, 0.4).cusp_exponent == 0.4
    assert ReluNTK().cusp_exponent == 1.0
    assert all(isinstance(k, Kernel) for k in (Laplace(), ExpPower(), ReluNTK()))
    assert canonical_json(Laplace(10)) == '{"kind":"laplace","sigma":10.0}'
    assert canonical_json(ExpPower(1, 2)) == '{"kind":"exp_power","sigma":1.0,"xi":2.0}'
    assert canonical_json(ReluNTK()) == '{"kind":"relu_ntk"}'


def test_laplace_cusp_is_linear():
    """K(0) - K(z) ~ z^xi: check the local slope of log(1 - K) vs log z."""
    for k in [Laplace(1.0), ExpPower(1.0, 0.5), ExpPower(1.0, 1.5)]:
        z = torch.tensor([[1e-6], [2e-6]], dtype=torch.float64)
        zero = torch.zeros(1, 1, dtype=torch.float64)
        one_minus = 1 - k(z, zero)[:, 0]
        slope = math.log(one_minus[1] / one_minus[0]) / math.log(2)
        assert slope == pytest.approx(k.cusp_exponent, rel=1e-2)


@pytest.mark.parametrize(
    "factory, name",
    [
        (lambda: Laplace(0.0), "sigma="),
        (lambda: Laplace(-1), "sigma="),
        (lambda: Laplace(float("inf")), "sigma="),
        (lambda: ExpPower(1.0, 0.0), "xi="),
        (lambda: ExpPower(1.0, 2.5), "xi="),
        (lambda: Laplace()(torch.zeros(3, 2), torch.zeros(3, 4)), "same d"),
        (lambda: Laplace()(torch.zeros(3), torch.zeros(3, 4)), "shape"),
        (lambda: Laplace()(np.zeros((3, 2))), "torch.Tensor"),
    ],
)
def test_bad_input(factory, name):
    with pytest.raises(ValueError, match=name):
        factory()


def relu_ntk_numpy(x, y):
    """Independent transcription of the arc-cosine formulas (Cho & Saul 2009), in numpy."""
    d = x.shape[1]
    xa = np.hstack([x / np.sqrt(d), np.ones((len(x), 1))])  # pre-activation = [w, b] . [x/sqrt(d), 1]
    ya = np.hstack([y / np.sqrt(d), np.ones((len(y), 1))])
    nx, ny = np.linalg.norm(xa, axis=1), np.linalg.norm(ya, axis=1)
    dot = xa @ ya.T
    theta = np.arccos(np.clip(dot / np.outer(nx, ny), -1, 1))
    k1 = np.outer(nx, ny) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * np.cos(theta))  # E relu relu
    k0 = (np.pi - theta) / (2 * np.pi)  # E relu' relu'
    return k1 + dot * k0


def test_relu_ntk_matches_numpy_formula():
    x, y = points(12, 5, 6), points(7, 5, 7)
    np.testing.assert_allclose(ReluNTK()(x, y).numpy(), relu_ntk_numpy(x.numpy(), y.numpy()), rtol=1e-10)
    K = ReluNTK()(x)
    np.testing.assert_allclose(torch.diagonal(K).numpy(), (x**2).sum(1).numpy() / 5 + 1, rtol=1e-12)
    assert torch.linalg.eigvalsh(K).min() > -1e-10  # positive semi-definite


def test_relu_ntk_by_blocks_of_rows_is_the_whole_computation(monkeypatch):
    """Large matrices are computed by blocks of rows in place: the same values, bit for bit, as the whole
    matrix at once, the diagonal of K(x, x) included (blocks of 3 rows, offset diagonals)."""
    from scalingcheck.simulate.learners import kernels

    x, y = points(40, 3, 8), points(23, 3, 9)
    whole, whole_xx = ReluNTK()(x, y), ReluNTK()(x)
    monkeypatch.setattr(kernels, "_WHOLE_ELEMENTS", 10)
    monkeypatch.setattr(kernels, "_BLOCK_ELEMENTS", 3 * 23)
    assert torch.equal(ReluNTK()(x, y), whole)
    assert torch.equal(ReluNTK()(x), whole_xx)
    np.testing.assert_allclose(ReluNTK()(x, y).numpy(), relu_ntk_numpy(x.numpy(), y.numpy()), rtol=1e-10)
    np.testing.assert_allclose(torch.diagonal(ReluNTK()(x)).numpy(), (x**2).sum(1).numpy() / 3 + 1, rtol=1e-12)


def test_relu_ntk_matches_monte_carlo_empirical_ntk():
    """Empirical NTK of a width-h network via autograd vs the analytic kernel.

    The empirical NTK is the mean over the h neurons of i.i.d. per-neuron
    contributions t_i(x, y) (gradients of f carry 1/sqrt(h)), so it fluctuates
    around the analytic value with standard error std(t_i)/sqrt(h), ~ 1/sqrt(h).
    We estimate that standard error from the same neurons and require every
    entry within 5 of them (false-failure probability ~ 1e-5 per entry; the
    seed is fixed, so the test is deterministic).
    """
    h, d = 20_000, 3
    gen = torch.Generator().manual_seed(1234)
    w = torch.randn(h, d, generator=gen, dtype=torch.float64, requires_grad=True)
    b = torch.randn(h, generator=gen, dtype=torch.float64, requires_grad=True)
    beta = torch.randn(h, generator=gen, dtype=torch.float64, requires_grad=True)
    x = torch.tensor([[0.5, -1.0, 0.3], [0.4, -0.9, 0.5], [-1.2, 0.7, 2.0], [0.0, 0.0, 0.0], [2.0, 2.0, -1.0]],
                     dtype=torch.float64)

    grads = []
    for xi in x:
        f = (beta * torch.relu(w @ xi / math.sqrt(d) + b)).sum() / math.sqrt(h)
        gw, gb, gbeta = torch.autograd.grad(f, (w, b, beta))
        grads.append((gw, gb, gbeta))
    n = len(x)
    t = torch.empty(n, n, h, dtype=torch.float64)  # per-neuron contributions, times h
    for i in range(n):
        for j in range(n):
            gi, gj = grads[i], grads[j]
            t[i, j] = h * ((gi[0] * gj[0]).sum(1) + gi[1] * gj[1] + gi[2] * gj[2])
    empirical = t.mean(-1)
    se = t.std(-1) / math.sqrt(h)
    analytic = ReluNTK()(x)
    assert (se < 0.05).all()  # the fluctuations are indeed O(1/sqrt(h))
    assert ((empirical - analytic).abs() <= 5 * se + 1e-12).all(), (empirical - analytic) / se
