"""The paper the pooling study reproduces, with the stability study's per-layer claims on Fashion-MNIST, and the
results it states (``scalingcheck reproduce 2210.01506``).

Each stated result is quoted verbatim from THEORY.md (the package's brief), as it summarises the paper,
with its section there. THEORY.md states the paper's result qualitatively; the depth laws the claims test
(D_k ~ F^-k, G_k ~ k^(1/2), ...) are the authors' plotted lines [code] and closed forms [derived], not a
result the paper states, and the page says so. See :mod:`scalingcheck.compare.reproduce`.
"""
from ...reproduce import Paper, Stated, register_paper

_SECTION = "§4 How deep CNNs lose spatial information (pooling), Claim [paper]"
_LAWS = Stated("the sensitivity to diffeomorphisms and to noise scales with depth because of spatial pooling, with "
               "laws that depend on the strides", _SECTION)
_NOISE = Stated("the sensitivity to noise grows because noise rectified by ReLU piles up during pooling", _SECTION)
_AFTER_TRAINING = Stated("Sensitivity decreases with depth after (and not before) training.", _SECTION)

POOLING = register_paper(Paper(
    arxiv="2210.01506",
    title="How deep convolutional neural networks lose spatial information with training",
    authors=("Umberto M. Tomasini", "Leonardo Petrini", "Francesco Cagnetta", "Matthieu Wyart"),
    year=2023,
    venue="Mach. Learn.: Sci. Technol.",
    studies=("pooling", "stability"),
    stated={
        "pooling_ideal_D_*": (_LAWS,),
        "pooling_ideal_G_*": (_LAWS, _NOISE),
        "pooling_trained_D_*": (_AFTER_TRAINING,),
        "pooling_trained_G_*": (_NOISE,),
        # the per-layer claims of the stability study's Fashion-MNIST nets (D_k and G_k against depth)
        "stability_fmnist_d_falls_with_depth_*": (_AFTER_TRAINING,),
        "stability_fmnist_g_grows_with_depth_*": (_NOISE,),
    },
))
