"""Kernel ridge regression on the depleted stripe: when spectral bias fails (docs/science.md section 2).

Source: Tomasini, Sclocchi, Wyart, "Failure and success of the spectral bias
prediction for Laplace kernel ridge regression: the case of low-dimensional
data", ICML 2022, arXiv:2202.03348.

Data: p(x) ~ |x_1|^chi exp(-|x|^2/2) in R^d, target sign(x_1); Laplace kernel,
predictor k(x)^T (K + lambda I)^{-1} y (no 1/P in front of the data term);
eps = mean squared test error. The numerical spectral-bias (eigenlearning)
curve lives in :mod:`theory.eigenlearning`.
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER = "2202.03348"
SECTION = "2. Kernel ridge regression"

d = sp.Symbol("d", integer=True, positive=True)
chi = sp.Symbol("chi", nonnegative=True)
P = sp.Symbol("P", integer=True, positive=True)
ridge = sp.Symbol("ridge", positive=True)

_DATA = "depleted stripe p(x) ~ |x_1|^chi exp(-|x|^2/2), target sign(x_1), Laplace kernel"

krr_crossover_ridge = Prediction(
    name="krr_crossover_ridge",
    quantity=(
        "crossover ridge lambda* separating the regime where the spectral-bias description "
        "holds (lambda >> lambda*) from the one where it fails (lambda << lambda*)"
    ),
    expr=P ** (-1 / (d + chi)),
    citation=PAPER,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    validity=(_DATA, "ridge convention: (K + lambda I), no 1/P in front of the data term"),
    section=SECTION,
    symbol="lambda*",
    symbol_latex=r"\lambda^{*}",
)

beta_krr_true = Prediction(
    name="beta_krr_true",
    quantity=(
        "learning-curve exponent beta of the mean-squared KRR test error without ridge, "
        "eps ~ P^-beta"
    ),
    expr=(1 + chi) / (d + chi),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    validity=(_DATA, "ridgeless or lambda << lambda*"),
    notes="In d = 1 this gives beta = 1 for every chi.",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{true}}",
)

beta_krr_sb = Prediction(
    name="beta_krr_sb",
    quantity=(
        "learning-curve exponent beta of the spectral-bias (replica / eigenlearning) "
        "prediction of the ridgeless KRR test error, eps ~ P^-beta"
    ),
    expr=(1 + chi) * (d + 1) / (d * (d + 1 + chi)),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    validity=(_DATA, "ridgeless spectral-bias prediction (what the theory predicts, not what KRR does)"),
    notes="Equals beta_krr_true at chi = 0; the two agree otherwise only as d -> infinity.",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{SB}}",
)

krr_error_fixed_ridge = Prediction(
    name="krr_error_fixed_ridge",
    quantity="mean-squared KRR test error eps at fixed ridge lambda, as a function of lambda/P",
    expr=(ridge / P) ** ((1 + chi) / (d + 1 + chi)),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=(_DATA, "fixed ridge lambda >> lambda* (spectral-bias regime)"),
    latex_names=((ridge, r"\lambda"),),
    section=SECTION,
    symbol="eps",
    symbol_latex=r"\epsilon",
)

PREDICTIONS = (krr_crossover_ridge, beta_krr_true, beta_krr_sb, krr_error_fixed_ridge)
