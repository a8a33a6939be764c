"""Nystrom spectrum: invariants, a kernel with known Mercer spectrum, and the run spec."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from scalingcheck.simulate.data import DepletedStripe, Stripe
from scalingcheck.simulate.learners.kernels import ExpPower, Laplace
from scalingcheck.simulate.runs.spec import run
from scalingcheck.simulate.experiments.kernel_methods import SpectrumSpec
from scalingcheck.simulate.learners.spectrum import kernel_spectrum, symmetrised


def test_invariants_laplace():
    data, kernel, n = DepletedStripe(2, 1.0), Laplace(1.0), 400
    evals, coef = kernel_spectrum(data, kernel, n, 0, device="cpu")
    assert evals.shape == coef.shape == (n,)
    assert evals.dtype == coef.dtype == torch.float64
    assert torch.all(evals[:-1] >= evals[1:]) and torch.all(evals >= 0)
    assert float(evals.sum()) == pytest.approx(1.0, abs=1e-10)  # trace(K/n) = mean K(x, x) = 1
    assert float((coef**2).sum()) == pytest.approx(1.0, abs=1e-10)  # Parseval: mean y^2 = 1
    # Reconstruction of K from the spectrum: ||K/n||_F^2 = sum eta^2 and
    # y^T K y / n^2 = sum_k eta_k c_k^2 (both computed directly from the samples).
    x, y = data.sample(n, 0, device="cpu")
    K = kernel(x)
    assert float((evals**2).sum()) == pytest.approx(float((K / n).pow(2).sum()), rel=1e-10)
    assert float((evals * coef**2).sum()) == pytest.approx(float(y @ K @ y) / n**2, rel=1e-10)


def test_gaussian_kernel_on_gaussian_data_known_mercer_spectrum():
    """exp(-(x-y)^2/sigma^2) with sigma = 1 under N(0, 1) in d = 1 has eigenvalues 2^-(k+1).

    Rasmussen & Williams (2006) sec. 4.3.1 with l^2 = 1/2, data variance 1:
    a = 1/4, b = 1, c = 3/4, A = 2, B = 1/2, lambda_k = sqrt(2a/A) B^k = 2^-(k+1).
    """
    evals, coef = kernel_spectrum(Stripe(1), ExpPower(1.0, 2.0), 2000, 0, device="cpu")
    exact = 0.5 ** (np.arange(5) + 1)
    np.testing.assert_allclose(evals[:5].numpy(), exact, rtol=0.1)
    assert evals[30:].max() < 1e-8
    assert float((coef**2).sum()) == pytest.approx(1.0, abs=1e-10)


def test_spec_record():
    spec = SpectrumSpec(DepletedStripe(2, 0.5), Laplace(3.0), n=100)
    rec = run(spec, 1)
    assert rec["kind"] == "spectrum" and rec["n"] == 100
    assert len(rec["eigenvalues"]) == len(rec["coefficients"]) == 100
    assert all(isinstance(v, float) for v in rec["eigenvalues"])
    json.dumps(rec, allow_nan=False)
    evals, coef = kernel_spectrum(spec.data, spec.kernel, 100, 1, device="cpu")
    assert rec["eigenvalues"] == evals.tolist() and rec["coefficients"] == coef.tolist()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: kernel_spectrum(Stripe(1), Laplace(), 0, 0, device="cpu"), "n="),
        (lambda: kernel_spectrum(Stripe(1), Laplace(), 10, -1, device="cpu"), "seed="),
        (lambda: kernel_spectrum("stripe", Laplace(), 10, 0, device="cpu"), "data must"),
        (lambda: SpectrumSpec(Stripe(1), "laplace", 10), "kernel must"),
        (lambda: SpectrumSpec(Stripe(1), Laplace(), 0), "n="),
    ],
)
def test_bad_input(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("n", [1, 2, 3, 60, 257])
def test_projected_spectrum_matches_a_full_eigendecomposition(n):
    """Eigenvalues and |v_k . y| without eigenvectors (dsytrd + dstemr) against numpy's eigh with vectors."""
    from scalingcheck.simulate.learners.spectrum import projected_spectrum

    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, n + 3))
    a = x @ x.T / (n + 3) + np.diag(rng.uniform(0, 1e-6, n))  # positive definite, eigenvalues over many scales
    y = rng.choice([-1.0, 1.0], n)
    evals_ref, vecs = np.linalg.eigh(a)
    evals, proj = projected_spectrum(a.copy(), y)
    np.testing.assert_allclose(evals, evals_ref, rtol=0, atol=1e-12 * evals_ref.max())
    # eigenvalues are simple here: each projection is defined up to its sign
    np.testing.assert_allclose(np.abs(proj), np.abs(vecs.T @ y), rtol=0, atol=1e-9 * np.sqrt(n))
    assert np.sum(proj**2) == pytest.approx(n)  # |y|^2, whatever the basis
    with pytest.raises(ValueError, match="matrix must be"):
        projected_spectrum(a[:, :-1] if n > 1 else np.zeros((1, 2)), y)


@pytest.mark.parametrize("size", [1, 3, 255, 256, 257, 600])
def test_symmetrised_is_the_whole_matrix_expression_bit_for_bit(size):
    gen = torch.Generator().manual_seed(size)
    gram = torch.rand(size, size, generator=gen, dtype=torch.float64)  # not symmetric: both triangles matter
    expected = 0.5 * (gram + gram.T) / size
    assert torch.equal(symmetrised(gram.clone(), size), expected)
    with pytest.raises(ValueError, match="square"):
        symmetrised(torch.zeros(size, size + 1, dtype=torch.float64), size)
