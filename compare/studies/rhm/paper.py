"""The papers the RHM study reproduces, and the results they state (``scalingcheck reproduce 2307.02129``).

Each stated result is quoted verbatim from THEORY.md (the package's brief), as it summarises the paper,
with its section there; a claim the brief does not summarise a result for is "not stated" on the page.
No number here is the paper's unless it is inside a quote. See :mod:`scalingcheck.compare.reproduce`.
"""
from ...reproduce import Paper, Stated, register_paper

_SECTION = "§3 Random Hierarchy Model (RHM), Predictions"
_P_STAR = Stated("Sample complexity of deep CNNs: P* = C n_c m^L with an O(1) prefactor C to fit [paper].", _SECTION)
_CORRELATIONS = Stated(
    "Correlations: the class-conditional frequency of a symbol at an input position deviates from uniform by a "
    "relative amount ~ sqrt(v/m^L); sampling noise with P data ~ sqrt(v n_c / P); they cross at P_c = n_c m^L ~ P* "
    "[paper].", _SECTION)

RHM = register_paper(Paper(
    arxiv="2307.02129",
    title="How Deep Neural Networks Learn Compositional Data: The Random Hierarchy Model",
    authors=("Francesco Cagnetta", "Leonardo Petrini", "Umberto M. Tomasini", "Alessandro Favero", "Matthieu Wyart"),
    year=2024,
    venue="Phys. Rev. X",
    studies=("rhm",),
    stated={
        "rhm_p_star_m_L2": (_P_STAR,),
        "rhm_p_star_m_L3": (_P_STAR,),
        "rhm_p_star_n_c_L3": (_P_STAR,),
        "rhm_sensitivity_at_p_star_L3": (
            Stated("Drops from ~1 to ~0 around P* for all layers above l [paper].",
                   f"{_SECTION}, synonymic sensitivity S_{{k,l}}"),),
        "rhm_fcn_p_star_m_L3": (Stated("Shallow FCN: P* proportional to P_max, exponential in d [paper].", _SECTION),),
        "rhm_correlations_m_L2": (_CORRELATIONS,),
        "rhm_correlations_m_L3": (_CORRELATIONS,),
        "rhm_correlations_n_c_L2": (_CORRELATIONS,),
        "rhm_correlations_n_c_L2_v32": (_CORRELATIONS,),
    },
))

SPARSE_RHM = register_paper(Paper(
    arxiv="2404.10727",
    title="How Deep Networks Learn Sparse and Hierarchical Data: the Sparse Random Hierarchy Model",
    authors=("Umberto M. Tomasini", "Matthieu Wyart"),
    year=2024,
    venue="ICML",
    studies=("rhm",),
    stated={
        "sparse_rhm_lcn_p_star_s0_L2": (
            Stated("Predictions: P*_LCN ~ (s0+1)^L n_c m^L, P*_CNN ~ (s0+1)^2 n_c m^L (the square is empirical) "
                   "[paper].", "§3 Random Hierarchy Model (RHM), Sparse RHM"),),
    },
))
