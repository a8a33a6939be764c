"""Geometric compression: feature vs lazy learning on invariant data (docs/science.md section 1).

Sources
-------
* Paccolat, Petrini, Geiger, Tyloo, Wyart, "Geometric compression of invariant
  manifolds in neural networks", J. Stat. Mech. 2021, arXiv:2007.11471
  (lazy and feature exponents, compression ratio lambda ~ sqrt(p)).
* Paccolat, Spigler, Wyart, "How isotropic kernels perform on simple
  invariants", 2021, arXiv:2006.09754 (SVC exponent for a kernel of cusp
  exponent xi, and the gain from compressing uninformative directions).

Data: x ~ N(0, I_d); the stripe model has d_par = 1 informative direction, the
cylinder model d_par >= 2; d_perp = d - d_par directions are uninformative.
The consistency of the feature exponent with the compression mechanism is
checked symbolically in :mod:`theory.consistency`.
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER_FEATURE = "2007.11471"
PAPER_KERNEL = "2006.09754"
SECTION = "1. Geometric compression"

d = sp.Symbol("d", integer=True, positive=True)
d_par = sp.Symbol("d_par", integer=True, positive=True)
d_perp = sp.Symbol("d_perp", integer=True, nonnegative=True)
xi = sp.Symbol("xi", positive=True)
p = sp.Symbol("p", integer=True, positive=True)
lam = sp.Symbol("lam", positive=True)

_LAM_LATEX = ((lam, r"\lambda"),)

beta_lazy = Prediction(
    name="beta_lazy",
    quantity=(
        "learning-curve exponent beta of the test error in the lazy regime (NTK at "
        "initialisation, SVC with a kernel of cusp xi = 1), eps ~ P^-beta"
    ),
    expr=d / (3 * d - 2),
    citation=PAPER_FEATURE,
    provenance=Provenance.PAPER,
    validity=(
        "lazy regime (alpha large): the network behaves as its NTK at initialisation",
        "kernel with cusp exponent xi = 1 (Laplace kernel or ReLU NTK), large bandwidth",
        "invariant data x ~ N(0, I_d): stripe or cylinder model",
    ),
    notes="Equals beta_svc at xi = 1.",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{lazy}}",
)

beta_feature_stripe = Prediction(
    name="beta_feature_stripe",
    quantity=(
        "learning-curve exponent beta of the test error in the feature regime "
        "(alpha -> 0) on the stripe model (d_par = 1), eps ~ P^-beta"
    ),
    expr=(2 * d - 1) / (3 * d - 2),
    citation=PAPER_FEATURE,
    provenance=Provenance.PAPER,
    conditions=(sp.Ge(d, 2),),
    validity=(
        "feature regime (alpha -> 0), one-hidden-layer ReLU network trained to zero hinge loss",
        "stripe model: one informative direction, d - 1 uninformative ones",
    ),
    notes="Consistent with beta_svc(xi=1) plus the compression gain with lambda ~ sqrt(p) (theory.consistency).",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{feature}}",
)

beta_feature_cylinder = Prediction(
    name="beta_feature_cylinder",
    quantity=(
        "learning-curve exponent beta of the test error in the feature regime "
        "(alpha -> 0) on the cylinder model (d_par >= 2), eps ~ P^-beta"
    ),
    expr=(d + d_perp / 2) / (3 * d - 2),
    citation=PAPER_FEATURE,
    provenance=Provenance.PAPER,
    conditions=(sp.Ge(d_par, 2), sp.Lt(d_par, d)),
    substitutions=((d_perp, d - d_par),),
    validity=(
        "feature regime (alpha -> 0), one-hidden-layer ReLU network trained to zero hinge loss",
        "cylinder model: label depends on |x_par|, d_perp = d - d_par uninformative directions",
    ),
    notes="Does not reduce to beta_feature_stripe at d_par = 1; the paper states it for d_par > 1 only.",
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{feature}}",
)

compression_ratio = Prediction(
    name="compression_ratio",
    quantity=(
        "compression ratio lambda = |w_par| / |w_perp| of the first-layer weights at the end "
        "of training in the feature regime (norms per input direction), as a function of p"
    ),
    expr=sp.sqrt(p),
    citation=PAPER_FEATURE,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    validity=(
        "feature regime (alpha -> 0)",
        "needs uninformative directions (d_par < d)",
        "norms of the first-layer weight matrix restricted to the informative vs the "
        "uninformative input coordinates, per direction",
    ),
    section=SECTION,
    symbol="lambda",
    symbol_latex=r"\lambda",
)

compression_gain = Prediction(
    name="compression_gain",
    quantity=(
        "factor eps(lambda)/eps(1) by which compressing the d - 1 uninformative directions "
        "of the stripe model by lambda (parameter lam) reduces the SVC test error"
    ),
    expr=lam ** (-2 * (d - 1) / (3 * d - 3 + xi)),
    citation=PAPER_KERNEL,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=(sp.Ge(d, 2), sp.Lt(xi, 2)),
    validity=(
        "SVC on the stripe model (d_par = 1)",
        "large bandwidth: kernel K(0) - K(z) ~ z^xi with 0 < xi < 2",
    ),
    latex_names=_LAM_LATEX,
    section=SECTION,
    symbol="eps(lambda)/eps(1)",
    symbol_latex=r"\epsilon(\lambda)/\epsilon(1)",
)

beta_svc = Prediction(
    name="beta_svc",
    quantity=(
        "learning-curve exponent beta of the SVC test error on the stripe model for an "
        "isotropic kernel with cusp K(0) - K(z) ~ z^xi, eps ~ P^-beta"
    ),
    expr=(d - 1 + xi) / (3 * d - 3 + xi),
    citation=PAPER_KERNEL,
    provenance=Provenance.PAPER,
    conditions=(sp.Lt(xi, 2),),
    validity=(
        "large bandwidth (sigma much larger than the typical distance between points)",
        "stripe model (d_par = 1)",
        "0 < xi < 2: cusp exponent of the kernel (xi = 1: Laplace, ReLU NTK)",
    ),
    section=SECTION,
    symbol="beta",
    symbol_latex=r"\beta_{\mathrm{SVC}}",
)

PREDICTIONS = (
    beta_lazy,
    beta_feature_stripe,
    beta_feature_cylinder,
    compression_ratio,
    compression_gain,
    beta_svc,
)
