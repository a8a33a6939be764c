"""Kernel ridge regression against scikit-learn, interpolation, and the KRR run spec."""
from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest
import torch
from sklearn.kernel_ridge import KernelRidge

import scalingcheck.simulate.learners.krr as krr_module
from scalingcheck.simulate.data import Cylinder, DepletedStripe, Stripe
from scalingcheck.simulate.learners.kernels import ExpPower, Laplace, ReluNTK
from scalingcheck.simulate.experiments.kernel_methods import KernelRegressionSpec
from scalingcheck.simulate.learners.krr import krr_coefficients, krr_fit_predict
from scalingcheck.simulate.runs.spec import canonical_json, run


@pytest.mark.parametrize("ridge", [1e-4, 0.1, 10.0])
@pytest.mark.parametrize("kernel", [Laplace(1.0), ExpPower(2.0, 1.5), ReluNTK()])
def test_matches_sklearn_kernel_ridge(ridge, kernel):
    x, y = DepletedStripe(3, 1.0).sample(150, 0, device="cpu")
    xt, _ = DepletedStripe(3, 1.0).sample(40, 0, stream=1, device="cpu")
    K, Kt = kernel(x), kernel(xt, x)
    ours = krr_fit_predict(K, y, Kt, ridge)
    # scikit-learn's alpha is added to K as is: alpha = our ridge (no 1/P).
    ref = KernelRidge(alpha=ridge, kernel="precomputed").fit(K.numpy(), y.numpy()).predict(Kt.numpy())
    assert ours.dtype == torch.float64 and ours.shape == (40,)
    np.testing.assert_allclose(ours.numpy(), ref, rtol=1e-7, atol=1e-9)


def test_ridgeless_interpolates_training_labels():
    x, y = Stripe(2).sample(300, 1, device="cpu")
    K = Laplace(1.0)(x)
    pred = krr_fit_predict(K, y, K, 0.0)
    np.testing.assert_allclose(pred.numpy(), y.numpy(), atol=1e-8)


def test_float32_inputs_are_solved_in_float64():
    x, y = Stripe(2).sample(100, 1, device="cpu", dtype=torch.float32)
    K = Laplace(1.0)(x)
    coef = krr_coefficients(K, y, 0.0)
    assert coef.dtype == torch.float64
    np.testing.assert_allclose((K.double() @ coef).numpy(), y.numpy(), atol=1e-8)


def test_cholesky_failure_falls_back_to_lu_with_a_warning():
    K = torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=torch.float64)  # invertible, not positive definite
    y = torch.tensor([1.0, -1.0], dtype=torch.float64)
    with pytest.warns(RuntimeWarning, match="Cholesky"):
        coef = krr_coefficients(K, y, 0.0)
    np.testing.assert_allclose(coef.numpy(), np.linalg.solve(K.numpy(), y.numpy()), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        krr_coefficients(torch.eye(2, dtype=torch.float64), y, 0.0)  # no warning on the Cholesky path


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda K, y: krr_coefficients(K, y, -1e-3), "ridge="),
        (lambda K, y: krr_coefficients(K, y, float("nan")), "ridge="),
        (lambda K, y: krr_coefficients(K[:, :3], y, 0.1), "k_train"),
        (lambda K, y: krr_coefficients(K, y[:3], 0.1), "y must"),
        (lambda K, y: krr_fit_predict(K, y, K[:, :3], 0.1), "k_test"),
    ],
)
def test_bad_input(call, name):
    K, y = torch.eye(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)
    with pytest.raises(ValueError, match=name):
        call(K, y)


# ------------------------------------------------------------------ the spec
SPEC = KernelRegressionSpec(DepletedStripe(2, 1.0), Laplace(2.0), p=200, ridge=1e-3, n_test=500)


def test_spec_record_keys_and_determinism():
    rec = run(SPEC, 3)
    assert {"p", "ridge", "mse", "sign_error", "kind", "seed", "key", "seconds"} <= set(rec)
    assert rec["kind"] == "krr" and rec["p"] == 200 and rec["ridge"] == 1e-3 and rec["seed"] == 3
    assert 0 <= rec["sign_error"] <= 1 and rec["mse"] > 0
    json.dumps(rec, allow_nan=False)
    again = run(SPEC, 3)
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in rec.items() if k != "seconds"}
    other = run(SPEC, 4)
    assert other["mse"] != rec["mse"] and other["key"] != rec["key"]


def test_spec_canonical_json_is_stable():
    expected = (
        '{"data":{"chi":1.0,"d":2,"kind":"depleted_stripe"},"device":null,'
        '"kernel":{"kind":"laplace","sigma":2.0},"kind":"krr","n_test":500,"p":200,"ridge":0.001}'
    )
    assert canonical_json(SPEC) == expected
    same = KernelRegressionSpec(DepletedStripe(2, 1), Laplace(2), p=np.int64(200), ridge=0.001, n_test=500)
    assert canonical_json(same) == expected and same == SPEC and hash(same) == hash(SPEC)
    assert same.key(0) == SPEC.key(0)
    assert SPEC.replace(p=400).key(0) != SPEC.key(0)


def test_spec_matches_direct_computation_with_chunking(monkeypatch):
    """The chunked test kernel gives the same numbers as one full k_test matrix."""
    monkeypatch.setattr(krr_module, "_CHUNK_ELEMENTS", 200 * 37)  # 37 test points per chunk
    spec = KernelRegressionSpec(Cylinder(3, 2), ReluNTK(), p=200, ridge=0.0, n_test=500)
    rec = run(spec, 0)
    x, y = spec.data.sample(200, 0, stream=0, device="cpu")
    xt, yt = spec.data.sample(500, 0, stream=1, device="cpu")
    pred = KernelRidge(alpha=1e-14, kernel="precomputed").fit(ReluNTK()(x).numpy(), y.numpy()) \
        .predict(ReluNTK()(xt, x).numpy())
    assert rec["mse"] == pytest.approx(np.mean((pred - yt.numpy()) ** 2), rel=1e-5)
    assert rec["sign_error"] == pytest.approx(np.mean(np.sign(pred) != yt.numpy()), abs=1 / 500 + 1e-12)


def test_error_decreases_with_p():
    """Sanity: on the stripe, ridgeless Laplace KRR learns (a smoke test, not a rate)."""
    small = run(KernelRegressionSpec(Stripe(2), Laplace(1.0), p=32, n_test=2000), 0)
    large = run(KernelRegressionSpec(Stripe(2), Laplace(1.0), p=1024, n_test=2000), 0)
    assert large["mse"] < small["mse"] and large["sign_error"] < small["sign_error"]


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"p": 0}, "p="),
        ({"p": 2.5}, "p="),
        ({"ridge": -1.0}, "ridge="),
        ({"n_test": 0}, "n_test="),
        ({"device": 3}, "device="),
        ({"device": "nonsense"}, "device="),
        ({"data": "stripe"}, "data must"),
        ({"kernel": None}, "kernel must"),
    ],
)
def test_spec_validation(changes, name):
    with pytest.raises(ValueError, match=name):
        dataclasses.replace(SPEC, **changes)
