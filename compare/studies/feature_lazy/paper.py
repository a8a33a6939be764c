"""The paper the feature-vs-lazy study reproduces, with the kernel-methods study's SVC claims, and the results it
states (``scalingcheck reproduce 2007.11471``).

Each stated result is quoted verbatim from THEORY.md (the package's brief), as it summarises the paper,
with its section there. The paper spans two studies: the networks here, and the lazy-regime kernel (SVC
with the Laplace kernel and the ReLU NTK) in ``kernel_methods``. See :mod:`scalingcheck.compare.reproduce`.
"""
from ...reproduce import Paper, Stated, register_paper

_SECTION = "§1 Geometric compression: feature vs lazy learning on invariant data, Predictions"
_LAZY = Stated("beta_lazy = d/(3d-2) [paper] (SVC with a kernel of singularity xi = 1, e.g. Laplace or the ReLU NTK).",
               _SECTION)
_FEATURE = Stated("beta_feature = (2d-1)/(3d-2) for d_par = 1 [paper]; = (d + d_perp/2)/(3d-2) for d_par > 1 [paper].",
                  _SECTION)
_NTK = Stated("The NTK frozen at the end of training, used as a kernel (SVC/KRR), beats the NTK at initialisation; its "
              "top eigenvectors project more on the labels (kernel PCA) [paper].", _SECTION)

GEOMETRIC_COMPRESSION = register_paper(Paper(
    arxiv="2007.11471",
    title="Geometric compression of invariant manifolds in neural nets",
    authors=("Jonas Paccolat", "Leonardo Petrini", "Mario Geiger", "Kevin Tyloo", "Matthieu Wyart"),
    year=2021,
    venue="J. Stat. Mech.",
    studies=("feature_lazy", "kernel_methods"),
    stated={
        "net_feature_stripe_*": (_FEATURE,),
        "net_feature_cylinder_*": (_FEATURE,),
        "net_lazy_stripe_*": (_LAZY,),
        "svc_laplace_stripe_*": (_LAZY,),
        "svc_ntk_stripe_*": (_LAZY,),
        "compression_stripe_*": (
            Stated("Compression: first-layer weights shrink along uninformative directions; the ratio lambda = "
                   "|w_par| / |w_perp| (norms of the first-layer weight matrix restricted to informative vs "
                   "uninformative input coordinates, per direction) grows as lambda ~ sqrt(p) [paper].", _SECTION),),
        "final_ntk_beats_initial_*": (_NTK,),
        "final_ntk_pca_on_labels_*": (_NTK,),
    },
))
