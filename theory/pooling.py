"""How deep CNNs lose spatial information: pooling and sensitivities (docs/science.md section 4).

Source: Tomasini, Petrini, Cagnetta, Wyart, "How deep convolutional neural
networks lose spatial information with training", Mach. Learn.: Sci. Technol.
2023, arXiv:2210.01506.

D_k and G_k are the sensitivities of layer k to diffeomorphisms and to noise of
matched energy (normalised by the distance between independent inputs). The
paper states that they scale with depth in a stride-dependent way; the
exponents below are [derived] from the mechanism (trained nets learn
average-pooling filters; ReLU rectifies the noise, whose mean piles up). They
should be checked first on idealised average-pooling ReLU nets, then on
trained nets.
"""
from __future__ import annotations

import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER = "2210.01506"
SECTION = "4. Pooling"

F = sp.Symbol("F", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)

_STRIDED = (
    "average-pooling filters of size F with stride F (idealised net, or trained net that learned them)",
    "scale-detection task: two active pixels, diffeo = shift by +-1 within the block",
)
_STRIDE1 = (
    "average-pooling filters with stride 1 (idealised net, or trained net that learned them)",
    "slow approach: fit at large k",
)

pooling_diffeo_strided = Prediction(
    name="pooling_diffeo_strided",
    quantity="relative sensitivity D_k to diffeomorphisms of layer k, stride = filter size F",
    expr=F ** (-k),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDED,
    section=SECTION,
    symbol="D_k",
    symbol_latex="D_k",
)

pooling_noise_strided = Prediction(
    name="pooling_noise_strided",
    quantity="relative sensitivity G_k to matched-energy noise of layer k, stride = filter size F",
    expr=F**k,
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDED,
    section=SECTION,
    symbol="G_k",
    symbol_latex="G_k",
)

pooling_diffeo_stride1 = Prediction(
    name="pooling_diffeo_stride1",
    quantity="relative sensitivity D_k to diffeomorphisms of layer k, stride 1",
    expr=1 / k,
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDE1,
    section=SECTION,
    symbol="D_k",
    symbol_latex="D_k",
)

pooling_noise_stride1 = Prediction(
    name="pooling_noise_stride1",
    quantity="relative sensitivity G_k to matched-energy noise of layer k, stride 1",
    expr=sp.sqrt(k),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDE1,
    section=SECTION,
    symbol="G_k",
    symbol_latex="G_k",
)

PREDICTIONS = (pooling_diffeo_strided, pooling_noise_strided, pooling_diffeo_stride1, pooling_noise_stride1)
