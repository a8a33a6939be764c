"""The paper the stability study reproduces, and the results it states (``scalingcheck reproduce 2105.02468``).

Each stated result is quoted verbatim from THEORY.md (the package's brief), as it summarises the paper,
with its section there. The claims on max-entropy diffeomorphisms (``diffeo_*``) test the authors' code
[code], not a stated result: the page says "not stated" for them. Keys are claim names or shell-style
patterns (the image claims are named after the networks of each scale). See
:mod:`scalingcheck.compare.reproduce`.
"""
from ...reproduce import Paper, Stated, register_paper

_SECTION = "§5 Relative stability toward diffeomorphisms, Predictions [paper]"
_ORDER_ONE_THEN_FALLS = Stated(
    "R_f is of order 1 at initialisation and decreases by several decades during training for state-of-the-art "
    "architectures", _SECTION)
_SQRT = Stated("for CIFAR10 and 15 architectures eps_t ~ 0.2 sqrt(R_f)", _SECTION)
_D_ALONE = Stated("stability to diffeomorphisms alone (D_f) does not correlate strongly with performance", _SECTION)

STABILITY = register_paper(Paper(
    arxiv="2105.02468",
    title="Relative stability toward diffeomorphisms indicates performance in deep nets",
    authors=("Leonardo Petrini", "Alessandro Favero", "Mario Geiger", "Matthieu Wyart"),
    year=2021,
    venue="NeurIPS",
    studies=("stability",),
    stated={
        "stability_r_init_*": (_ORDER_ONE_THEN_FALLS,),
        "stability_r_falls_*": (_ORDER_ONE_THEN_FALLS,),
        "stability_error_vs_sqrt_r": (_SQRT,),
        "stability_fmnist_r_init_*": (_ORDER_ONE_THEN_FALLS,),
        "stability_fmnist_r_falls_*": (_ORDER_ONE_THEN_FALLS,),
        "stability_fmnist_error_vs_sqrt_r": (_SQRT,),
        "stability_fmnist_r_beats_d": (_D_ALONE,),
    },
))
