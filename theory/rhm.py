"""Random Hierarchy Model and its sparse variant (docs/science.md section 3).

Sources
-------
* Cagnetta, Petrini, Tomasini, Favero, Wyart, "How deep neural networks learn
  compositional data: the Random Hierarchy Model", Phys. Rev. X 2024,
  arXiv:2307.02129.
* Tomasini, Wyart, "How deep networks learn sparse and hierarchical data: the
  Sparse Random Hierarchy Model", ICML 2024, arXiv:2404.10727.

Parameters: n_c classes, vocabulary size v, m synonyms per symbol, patch size
s, depth L (input length s^L). The grammar needs m <= v^(s-1) and
n_c m <= v^s; these are checked on every evaluation that involves m.
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER = "2307.02129"
PAPER_SPARSE = "2404.10727"
SECTION = "3. Random Hierarchy Model"

n_c, v, m, s, L = sp.symbols("n_c v m s L", integer=True, positive=True)
P = sp.Symbol("P", integer=True, positive=True)
s0 = sp.Symbol("s0", integer=True, nonnegative=True)

RHM_CONDITIONS = (sp.Le(m, v ** (s - 1)), sp.Le(n_c * m, v**s), sp.Ge(s, 2))

_P_STAR = "P* = smallest P with test error <= 0.1 * (1 - 1/n_c) (threshold configurable)"

rhm_input_dim = Prediction(
    name="rhm_input_dim",
    quantity="input length d (number of input positions) of the RHM",
    expr=s**L,
    citation=PAPER,
    provenance=Provenance.PAPER,
    conditions=(sp.Ge(s, 2),),
    section=SECTION,
    symbol="d",
    symbol_latex="d",
)

rhm_p_max = Prediction(
    name="rhm_p_max",
    quantity="number P_max of distinct inputs the RHM can generate (all equally likely)",
    expr=n_c * m ** ((s**L - 1) / (s - 1)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=RHM_CONDITIONS,
    validity=("productions drawn without replacement (unambiguous grammar)",),
    section=SECTION,
    symbol="P_max",
    symbol_latex=r"P_{\max}",
)

rhm_sample_complexity = Prediction(
    name="rhm_sample_complexity",
    quantity="sample complexity P* of a deep CNN on the RHM (prefactor C = O(1) to fit)",
    expr=n_c * m**L,
    citation=PAPER,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    validity=("deep CNN with L hidden layers of non-overlapping convolutions (filter = stride = s)", _P_STAR),
    section=SECTION,
    symbol="P*",
    symbol_latex=r"P^{*}",
)

rhm_correlation_crossing = Prediction(
    name="rhm_correlation_crossing",
    quantity=(
        "training-set size P_c at which the class-symbol correlation signal equals the "
        "sampling noise (measurable on generated data, no network)"
    ),
    expr=n_c * m**L,
    citation=PAPER,
    provenance=Provenance.PAPER,
    conditions=RHM_CONDITIONS,
    validity=("signal and noise taken with unit prefactors: sqrt(v/m^L) = sqrt(v n_c/P_c)",),
    notes="P_c ~ P* of deep CNNs (rhm_sample_complexity).",
    section=SECTION,
    symbol="P_c",
    symbol_latex=r"P_{c}",
)

rhm_signal = Prediction(
    name="rhm_signal",
    quantity=(
        "relative deviation from uniform of the class-conditional frequency of a symbol "
        "at an input position (correlation signal)"
    ),
    expr=sp.sqrt(v / m**L),
    citation=PAPER,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    validity=("typical (root-mean-square) value over symbols, positions and rules",),
    section=SECTION,
    symbol="signal",
    symbol_latex=r"\mathrm{signal}",
)

rhm_noise = Prediction(
    name="rhm_noise",
    quantity="sampling noise of the empirical class-conditional symbol frequency with P data",
    expr=sp.sqrt(v * n_c / P),
    citation=PAPER,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    section=SECTION,
    symbol="noise",
    symbol_latex=r"\mathrm{noise}",
)

rhm_shallow_sample_complexity = Prediction(
    name="rhm_shallow_sample_complexity",
    quantity="sample complexity P* of a shallow (two-layer) fully-connected net on the RHM",
    expr=n_c * m ** ((s**L - 1) / (s - 1)),
    citation=PAPER,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    validity=("shallow FCN: P* proportional to P_max, exponential in d = s^L", _P_STAR),
    section=SECTION,
    symbol="P*",
    symbol_latex=r"P^{*}",
)

sparse_rhm_p_star_lcn = Prediction(
    name="sparse_rhm_p_star_lcn",
    quantity="sample complexity P* of a locally connected net (no weight sharing) on the sparse RHM",
    expr=(s0 + 1) ** L * n_c * m**L,
    citation=PAPER_SPARSE,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    validity=(
        "sparse RHM: each informative symbol at one of s0 + 1 positions of its sub-patch, "
        "d = (s (s0 + 1))^L",
        _P_STAR,
    ),
    section=SECTION,
    symbol="P*_LCN",
    symbol_latex=r"P^{*}_{\mathrm{LCN}}",
)

sparse_rhm_p_star_cnn = Prediction(
    name="sparse_rhm_p_star_cnn",
    quantity="sample complexity P* of a CNN (weight sharing) on the sparse RHM",
    expr=(s0 + 1) ** 2 * n_c * m**L,
    citation=PAPER_SPARSE,
    provenance=Provenance.PAPER,
    relation=Relation.SCALES,
    conditions=RHM_CONDITIONS,
    validity=(
        "sparse RHM: each informative symbol at one of s0 + 1 positions of its sub-patch, "
        "d = (s (s0 + 1))^L",
        _P_STAR,
    ),
    notes="The exponent 2 of (s0 + 1) is empirical in the paper.",
    section=SECTION,
    symbol="P*_CNN",
    symbol_latex=r"P^{*}_{\mathrm{CNN}}",
)

PREDICTIONS = (
    rhm_input_dim,
    rhm_p_max,
    rhm_sample_complexity,
    rhm_correlation_crossing,
    rhm_signal,
    rhm_noise,
    rhm_shallow_sample_complexity,
    sparse_rhm_p_star_lcn,
    sparse_rhm_p_star_cnn,
)
