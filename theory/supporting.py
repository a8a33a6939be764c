"""Supporting results (docs/science.md section 6, lower priority).

Sources
-------
* Geiger, Spigler, Jacot, Wyart, "Disentangling feature and lazy training in
  deep neural networks", J. Stat. Mech. 2020, arXiv:1906.08034 (lazy/feature
  crossover alpha* ~ h^-1/2 with NTK-scaled alpha; fluctuations of the learned
  function induced by the initialisation decay as h^-1/2).
* Spigler, Geiger, Wyart, "Asymptotic learning curves of kernel methods:
  empirical data versus teacher-student paradigm", J. Stat. Mech. 2020,
  arXiv:1905.10843 (teacher-student kernel regression exponent).
* Petrini, Cagnetta, Vanden-Eijnden, Wyart, "Learning sparse features can lead
  to overfitting in neural networks", NeurIPS 2022, arXiv:2206.12314 (the
  exponents are [open] here: no prediction is encoded).
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER_LAZY = "1906.08034"
PAPER_TEACHER = "1905.10843"
PAPER_SPARSE = "2206.12314"
SECTION = "6. Supporting results"

h = sp.Symbol("h", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
alpha_T = sp.Symbol("alpha_T", positive=True)
alpha_S = sp.Symbol("alpha_S", positive=True)

alpha_star = Prediction(
    name="alpha_star",
    quantity="scale alpha* of the output (NTK-scaled alpha) separating lazy and feature training, vs width h",
    expr=h ** sp.Rational(-1, 2),
    citation=PAPER_LAZY,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    validity=("alpha in the NTK scaling (last-layer weights alpha h^-1/2)", "large width h"),
    section=SECTION,
    symbol="alpha*",
    symbol_latex=r"\alpha^{*}",
)

init_fluctuations = Prediction(
    name="init_fluctuations",
    quantity="fluctuations delta F of the learned function induced by the initialisation, vs width h",
    expr=h ** sp.Rational(-1, 2),
    citation=PAPER_LAZY,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    validity=("both lazy and feature regimes", "large width h"),
    section=SECTION,
    symbol="delta F",
    symbol_latex=r"\delta F",
)

beta_teacher_student = Prediction(
    name="beta_teacher_student",
    quantity=(
        "learning-curve exponent beta of the mean-squared test error of teacher-student "
        "kernel regression (Fourier decays |w|^-alpha_T, |w|^-alpha_S), eps ~ P^-beta"
    ),
    expr=sp.Min(alpha_T - d, 2 * alpha_S) / d,
    citation=PAPER_TEACHER,
    provenance=Provenance.DERIVED,
    conditions=(sp.Gt(alpha_T, d),),
    validity=(
        "teacher: Gaussian random field with covariance of Fourier decay |w|^-alpha_T "
        "(alpha_T > d for a finite variance)",
        "student kernel with Fourier decay |w|^-alpha_S, ridgeless regression, data filling R^d or the sphere",
    ),
    notes="Recalled, not re-derived here ([derived; recalled] in docs/science.md).",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta",
)

beta_sparse_features = Prediction(
    name="beta_sparse_features",
    quantity=(
        "learning-curve exponent beta of feature vs lazy training for smooth targets on the "
        "sphere, eps ~ P^-beta (sparse features can overfit)"
    ),
    expr=None,
    citation=PAPER_SPARSE,
    provenance=Provenance.OPEN,
    validity=("data uniform on the sphere; feature regime can do worse than lazy for smooth targets",),
    notes="The exponents are not encoded here: the package makes no prediction.",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta",
)

PREDICTIONS = (alpha_star, init_fluctuations, beta_teacher_student, beta_sparse_features)
