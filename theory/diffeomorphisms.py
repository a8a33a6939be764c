"""Relative stability toward diffeomorphisms (docs/science.md section 5).

Source: Petrini, Favero, Geiger, Wyart, "Relative stability toward
diffeomorphisms indicates performance in deep nets", NeurIPS 2021,
arXiv:2105.02468.

Max-entropy diffeomorphisms of an n x n image: each displacement component is
tau(u, v) = sum_{i,j>=1} C_ij sin(i pi u) sin(j pi v) with C_ij ~ N(0, T/(i^2+j^2))
over the modes i^2 + j^2 <= c^2. The temperature bounds and the typical
displacement are those of the authors' code [code]; they assume a cutoff c > 1
(ln c > 0) and replace the sum over modes by an integral (large c).
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance

PAPER = "2105.02468"
SECTION = "5. Diffeomorphisms"

n = sp.Symbol("n", integer=True, positive=True)
T = sp.Symbol("T", positive=True)
c = sp.Symbol("c", positive=True)
R_f = sp.Symbol("R_f", nonnegative=True)

_CUTOFF = sp.Gt(c, 1)
_MODES = "sum over modes i^2 + j^2 <= c^2 approximated by an integral (large c)"

diffeo_delta = Prediction(
    name="diffeo_delta",
    quantity="typical displacement delta (in pixels) of a max-entropy diffeomorphism of an n x n image",
    expr=n / 2 * sp.sqrt(sp.pi * T * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES, "T_min <= T <= T_max"),
    section=SECTION,
    symbol="delta",
    symbol_latex=r"\delta",
)

diffeo_t_min = Prediction(
    name="diffeo_t_min",
    quantity="temperature T_min at which the typical displacement is half a pixel",
    expr=1 / (sp.pi * n**2 * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES,),
    section=SECTION,
    symbol="T_min",
    symbol_latex=r"T_{\min}",
)

diffeo_t_max = Prediction(
    name="diffeo_t_max",
    quantity="largest temperature T_max for which the transformation is still a diffeomorphism",
    expr=4 / (sp.pi**3 * c**2 * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES,),
    section=SECTION,
    symbol="T_max",
    symbol_latex=r"T_{\max}",
)

error_vs_relative_stability = Prediction(
    name="error_vs_relative_stability",
    quantity="test error eps of a trained network as a function of its relative stability R_f = D_f/G_f",
    expr=sp.Rational(1, 5) * sp.sqrt(R_f),
    citation=PAPER,
    provenance=Provenance.PAPER,
    validity=(
        "empirical relation across trained architectures on CIFAR10 (approximate, prefactor 0.2 fitted)",
        "noise norm matched per image to |tau x - x|",
        "needs real images",
    ),
    notes="R_f ~ 1 at initialisation.",
    section=SECTION,
    symbol="eps",
    symbol_latex=r"\epsilon",
)

PREDICTIONS = (diffeo_delta, diffeo_t_min, diffeo_t_max, error_vs_relative_stability)
