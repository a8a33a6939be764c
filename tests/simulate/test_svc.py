"""Kernel SVC run spec."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from scalingcheck.simulate.data import Cylinder, Stripe
from scalingcheck.simulate.learners.kernels import Laplace, ReluNTK
from scalingcheck.simulate.runs.spec import canonical_json, run
from scalingcheck.simulate.experiments.kernel_methods import KernelSVCSpec
from scalingcheck.simulate.learners.svc import fit_svc


def test_separable_toy_set_has_zero_training_error():
    gen = torch.Generator().manual_seed(0)
    x = torch.cat([torch.randn(30, 2, generator=gen, dtype=torch.float64) - 5,
                   torch.randn(30, 2, generator=gen, dtype=torch.float64) + 5])
    y = torch.cat([-torch.ones(30), torch.ones(30)]).double()
    K = Laplace(3.0)(x)
    svc = fit_svc(K, y, 1e6)
    assert np.all(svc.predict(K.numpy()) == y.numpy())
    assert 1 <= svc.n_support_.sum() < 60


def test_decision_from_support_vectors_matches_sklearn():
    """The spec's support-vector decision function equals svc.decision_function."""
    x, y = Stripe(2).sample(120, 0, device="cpu")
    xt, _ = Stripe(2).sample(50, 0, stream=1, device="cpu")
    k = Laplace(1.0)
    svc = fit_svc(k(x), y, 1e3)
    manual = k(xt, x[svc.support_]).numpy() @ svc.dual_coef_[0] + svc.intercept_[0]
    np.testing.assert_allclose(manual, svc.decision_function(k(xt, x).numpy()), rtol=1e-9, atol=1e-9)
    assert list(svc.classes_) == [-1, 1]


@pytest.mark.parametrize("kernel", [Laplace(1.0), ReluNTK()])
def test_spec_matches_sklearn_predict(kernel):
    spec = KernelSVCSpec(Cylinder(3, 2), kernel, p=150, n_test=400, C=1e4)
    rec = run(spec, 2)
    x, y = spec.data.sample(150, 2, stream=0, device="cpu")
    xt, yt = spec.data.sample(400, 2, stream=1, device="cpu")
    svc = fit_svc(kernel(x), y, 1e4)
    ref_error = np.mean(svc.predict(kernel(xt, x).numpy()) != yt.numpy())
    assert rec["test_error"] == pytest.approx(ref_error, abs=1 / 400 + 1e-12)
    assert rec["n_support"] == int(svc.n_support_.sum())


def test_record_keys_determinism_and_json():
    spec = KernelSVCSpec(Stripe(2), Laplace(1.0), p=256, n_test=2000)
    rec = run(spec, 0)
    assert {"p", "test_error", "n_support", "kind", "seed", "key", "seconds"} <= set(rec)
    assert rec["kind"] == "svc" and rec["p"] == 256 and isinstance(rec["n_support"], int)
    assert 0 <= rec["test_error"] < 0.2 and 0 < rec["n_support"] <= 256
    again = run(spec, 0)
    assert again["test_error"] == rec["test_error"] and again["n_support"] == rec["n_support"]
    assert canonical_json(spec) == (
        '{"C":1000000.0,"data":{"d":2,"kind":"stripe"},"device":null,'
        '"kernel":{"kind":"laplace","sigma":1.0},"kind":"svc","n_test":2000,"p":256}'
    )


def test_single_class_training_set_predicts_that_class():
    spec = KernelSVCSpec(Stripe(2), Laplace(1.0), p=1, n_test=1000)
    rec = run(spec, 0)
    _, y = spec.data.sample(1, 0, stream=0, device="cpu")
    _, yt = spec.data.sample(1000, 0, stream=1, device="cpu")
    assert rec["n_support"] == 0
    assert rec["test_error"] == pytest.approx(float((yt != y[0]).double().mean()))


@pytest.mark.parametrize("changes, name", [({"C": 0.0}, "C="), ({"C": float("inf")}, "C="), ({"p": -3}, "p=")])
def test_spec_validation(changes, name):
    spec = KernelSVCSpec(Stripe(2), Laplace(1.0), p=10)
    with pytest.raises(ValueError, match=name):
        dataclasses.replace(spec, **changes)
