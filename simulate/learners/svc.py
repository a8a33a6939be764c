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

from ..runs.checks import check_finite, check_float

__all__ = ["fit_svc"]


def fit_svc(k_train: torch.Tensor, y: torch.Tensor, C: float) -> SVC:
    """Fit ``SVC(kernel="precomputed", C=C)`` on the Gram matrix [p, p] and labels [p] in {-1, +1}.

    The training set must contain both classes (scikit-learn's requirement).
    """
    C = check_float(C, "C", 0.0, low_open=True)
    if not isinstance(k_train, torch.Tensor) or k_train.ndim != 2 or k_train.shape[0] != k_train.shape[1]:
        raise ValueError(f"k_train must be a square tensor [p, p], got {getattr(k_train, 'shape', type(k_train))}")
    if not isinstance(y, torch.Tensor) or y.shape != (k_train.shape[0],):
        raise ValueError(f"y must be a tensor [p={k_train.shape[0]}], got {getattr(y, 'shape', type(y))}")
    check_finite(k_train, "k_train")
    check_finite(y, "y")
    if not bool(((y == 1) | (y == -1)).all()):
        raise ValueError("y must hold labels -1 and +1")
    gram = np.ascontiguousarray(k_train.detach().to("cpu", torch.float64).numpy())
    labels = y.detach().to("cpu").numpy().astype(np.int64)
    return SVC(kernel="precomputed", C=C).fit(gram, labels)
