"""Claims about a user's model, checked by scalingcheck in CI.

Run them with ``scalingcheck run examples/nearest_neighbour/claims.py --suite quick``.
Everything here goes through scalingcheck's public API:

* a `Spec` wrapping the user's own training code (`nn_model.py`), with a field
  holding the hash of that code, so that editing the model changes every run's
  key and a cached store computes the runs again;
* a `Prediction` of the user's own (a sympy formula with its provenance);
* a `Study` with two scales and two claims: an estimator, a target and a
  tolerance whose reason is stated before any run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

import nn_model
from scalingcheck import (
    Claim, ClosedForm, PowerLawFit, Prediction, Provenance, Scale, Spec, Study, Sweep, Tolerance,
    register_prediction, register_study, source_hash,
)

d = sp.Symbol("d", integer=True, positive=True)

NN_MSE_EXPONENT = register_prediction(Prediction(
    name="nn_mse_exponent",
    quantity=("learning-curve exponent beta of the mean squared test error of 1-nearest-neighbour regression "
              "of a smooth function, x uniform on [0,1]^d: mse ~ P^-beta"),
    expr=2 / d,
    citation="Gyorfi et al., A Distribution-Free Theory of Nonparametric Regression (2002), ch. 6",
    provenance=Provenance.DERIVED,
    validity=("noiseless labels, Lipschitz target, density bounded away from 0", "P large: the nearest "
              "neighbour lies at distance ~ P^(-1/d), so the squared error is ~ P^(-2/d)"),
    symbol="beta",
))


@dataclass(frozen=True)
class NearestNeighbourSpec(Spec):
    """One learning-curve point of the user's model: test MSE at p training points in dimension d."""

    kind = "example_nearest_neighbour"
    d: int = 1
    p: int = 64
    n_test: int = 2048
    model: str = field(default_factory=lambda: source_hash(nn_model))
    """Hash of the model's source: editing nn_model.py changes every key, so cached runs are not reused."""

    def _run(self, seed: int) -> dict:
        return {"p": self.p, "d": self.d, "test_error": nn_model.test_mse(self.p, self.d, self.n_test, seed)}

    def cost(self) -> float:
        return 1e-9 * self.p * self.n_test * self.d  # seconds: a brute-force search over p points per test point


@dataclass(frozen=True, kw_only=True)
class NNScale(Scale):
    ps: tuple[int, ...]
    seeds: int
    n_test: int


class NearestNeighbourStudy(Study):
    name = "nearest_neighbour"
    title = "1-nearest-neighbour regression of a smooth function (a user's model)"
    papers = ()
    scales = {
        "toy": NNScale(ps=(32, 64, 128, 256), seeds=4, n_test=512, n_boot=200),
        "quick": NNScale(ps=(64, 128, 256, 512, 1024, 2048, 4096), seeds=8, n_test=2048),
    }

    def build(self, sizes: NNScale) -> list[Claim]:
        tolerance = Tolerance(
            0.15, "the cube's boundary and the curvature of the target add O(P^(-1/d)) relative corrections "
                  "at these P; fixed before any run", max_interval=0.6)
        claims = []
        for dim in (1, 2):
            claims.append(Claim(
                name=f"nn_mse_exponent_d{dim}",
                statement=f"nearest-neighbour test MSE in d={dim} decays as P^-beta, beta = 2/d",
                predicted=ClosedForm.of("nn_mse_exponent", d=dim),
                sweep=Sweep.over(NearestNeighbourSpec(d=dim, n_test=sizes.n_test), seeds=range(sizes.seeds),
                                 p=list(sizes.ps)),
                estimator=PowerLawFit(x="p", y="test_error", window=(sizes.ps[0], sizes.ps[-1]),
                                      n_boot=sizes.n_boot),
                tolerance=tolerance,
            ))
        return claims


register_study(NearestNeighbourStudy())
