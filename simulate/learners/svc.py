"""Kernel support-vector classification (SVC) and its run spec.

Learning curves of kernel SVC on the stripe and cylinder models: Paccolat,
Spigler, Wyart, arXiv:2006.09754, and Paccolat, Petrini, Geiger, Tyloo,
Wyart, arXiv:2007.11471 (beta = (d - 1 + xi)/(3d - 3 + xi) for a kernel with
cusp exponent xi). The SVM is scikit-learn's ``SVC(kernel="precomputed")``
(libsvm) on the float64 Gram matrix; a large ``C`` approaches the hard margin.
"""
from __future__ import annotations


import numpy as np
import torch
from sklearn.svm import SVC


__all__ = ["fit_svc"]


def fit_svc(k_train: torch.Tensor, y: torch.Tensor, C: float) -> SVC:
    """Fit ``SVC(kernel="precomputed", C=C)`` on the Gram matrix [p, p] and labels [p] in {-1, +1}.

    The training set must contain both classes (scikit-learn's requirement).
    """
    gram = np.ascontiguousarray(k_train.detach().to("cpu", torch.float64).numpy())
    labels = y.detach().to("cpu").numpy().astype(np.int64)
    return SVC(kernel="precomputed", C=C).fit(gram, labels)
