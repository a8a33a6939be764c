"""Kernel support-vector classification (SVC) and its run spec.

Learning curves of kernel SVC on the stripe and cylinder models: Paccolat,
Spigler, Wyart, arXiv:2006.09754, and Paccolat, Petrini, Geiger, Tyloo,
Wyart, arXiv:2007.11471 (beta = (d - 1 + xi)/(3d - 3 + xi) for a kernel with
cusp exponent xi). The SVM is scikit-learn's ``SVC(kernel="precomputed")``
(libsvm) on the float64 Gram matrix; a large ``C`` approaches the hard margin.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.svm import SVC

from .data.base import DataModel
from .device import resolve_device
from .kernels import Kernel
from .krr import check_learning_spec, predict_in_chunks
from .spec import Spec

__all__ = ["KernelSVCSpec", "fit_svc"]


def fit_svc(k_train: torch.Tensor, y: torch.Tensor, C: float) -> SVC:
    """Fit ``SVC(kernel="precomputed", C=C)`` on the Gram matrix [p, p] and labels [p] in {-1, +1}.

    The training set must contain both classes (scikit-learn's requirement).
    """
    gram = np.ascontiguousarray(k_train.detach().to("cpu", torch.float64).numpy())
    labels = y.detach().to("cpu").numpy().astype(np.int64)
    return SVC(kernel="precomputed", C=C).fit(gram, labels)


@dataclass(frozen=True)
class KernelSVCSpec(Spec):
    """One kernel-SVC learning-curve point.

    Fields: ``data`` (a data model), ``kernel``, ``p`` (training points, >= 1),
    ``n_test`` (>= 1), ``C`` (> 0, default 1e6: close to hard margin),
    ``device`` ('cpu' or 'cuda', where the kernels are computed).

    Training set ``data.sample(p, seed, stream=0)``, test set
    ``data.sample(n_test, seed, stream=1)`` (the same streams as
    :class:`simulate.krr.KernelRegressionSpec`). Returns::

        {"p": p, "test_error": fraction of misclassified test points,
         "n_support": number of support vectors}

    If the training set holds a single class (possible at tiny p) no SVM is
    fitted: the classifier predicts that class everywhere, ``test_error`` is
    the test fraction of the other class and ``n_support`` is 0.
    """

    kind: ClassVar[str] = "svc"
    version: ClassVar[int] = 1

    data: DataModel
    kernel: Kernel
    p: int
    n_test: int = 10000
    C: float = 1e6
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_learning_spec(self.data, self.kernel, self.p, self.n_test, self.device)
        object.__setattr__(self, "p", int(self.p))
        object.__setattr__(self, "n_test", int(self.n_test))
        C = self.C
        if isinstance(C, bool) or not isinstance(C, (int, float)) or not math.isfinite(C) or C <= 0:
            raise ValueError(f"C={C!r} must be a finite number > 0")
        object.__setattr__(self, "C", float(C))

    def cost(self) -> float:
        return float(self.p) ** 2 + float(self.p) * self.n_test

    def _run(self, seed: int) -> dict[str, Any]:
        dev = resolve_device(self.device)
        x, y = self.data.sample(self.p, seed, stream=0, device=dev, dtype=torch.float64)
        xt, yt = self.data.sample(self.n_test, seed, stream=1, device=dev, dtype=torch.float64)
        classes = torch.unique(y)
        if classes.numel() == 1:
            return {"p": self.p, "test_error": float((yt != classes[0]).double().mean()), "n_support": 0}
        svc = fit_svc(self.kernel(x), y, self.C)
        # Decision function from the support vectors only: sum_j dual_j K(x, x_sv_j) + b,
        # the same as svc.decision_function (> 0 -> classes_[1] = +1).
        support = torch.as_tensor(svc.support_, device=dev)
        coef = torch.as_tensor(svc.dual_coef_[0], device=dev, dtype=torch.float64)
        decision = predict_in_chunks(self.kernel, xt, x[support], coef) + float(svc.intercept_[0])
        pred = torch.where(decision > 0, 1.0, -1.0).to(yt.dtype)
        return {"p": self.p, "test_error": float((pred != yt).double().mean()), "n_support": int(svc.n_support_.sum())}
