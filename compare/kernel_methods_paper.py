"""The paper the kernel-methods study reproduces for kernel ridge regression, and the results it states
(``scalingcheck reproduce 2202.03348``).

This is the paper file of the study ``kernel_methods``. That study is one module
(``compare/studies/kernel_methods.py``), and a module beside it in ``compare/studies/`` would be taken for a study
of its own by the registry, so its paper file is here, found by the name ``<study>_paper`` (see
:func:`scalingcheck.compare.reproduce.papers`); once the study is a folder it becomes
``compare/studies/kernel_methods/paper.py``. Its SVC claims belong to arXiv:2007.11471
(``compare/studies/feature_lazy/paper.py``).

Each stated result is quoted verbatim from THEORY.md (the package's brief), as it summarises the paper,
with its section there. The ridgeless exponents the KRR claims test (beta_true, beta_SB) are [derived] in
THEORY.md, not results the paper states with a number: the page quotes what the paper states about them
(qualitatively) and says so.
"""
from .reproduce import Paper, Stated, register_paper

_SECTION = "§2 Kernel ridge regression: when the spectral-bias prediction fails, Predictions"
_CROSSOVER = Stated("Crossover ridge lambda* ~ P^{-1/(d+chi)}: for lambda >> lambda* the spectral-bias (replica / "
                    "eigenlearning) description holds, for lambda << lambda* it does not [paper].", _SECTION)
_SB = Stated("Spectral-bias ridgeless prediction beta_SB = (1+chi)(d+1) / (d(d+1+chi)) [derived]; equals beta_true at "
             "chi = 0, and the two agree only as d -> infinity [paper states this qualitatively].", _SECTION)

SPECTRAL_BIAS = register_paper(Paper(
    arxiv="2202.03348",
    title="Failure and success of the spectral bias prediction for Kernel Ridge Regression: the case of "
          "low-dimensional data",
    authors=("Umberto M. Tomasini", "Antonio Sclocchi", "Matthieu Wyart"),
    year=2022,
    venue="ICML",
    studies=("kernel_methods",),
    stated={
        "krr_vs_sb_formula_*": (_SB,),
        "sb_vs_krr_*": (_CROSSOVER, _SB),
    },
))
