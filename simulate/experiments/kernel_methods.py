"""Kernel-method experiments: one learning-curve point of KRR or SVC, and a Nystrom spectrum run.

Stripe and cylinder models with SVC (Paccolat, Spigler, Wyart, arXiv:2006.09754;
Paccolat et al., arXiv:2007.11471), the depleted stripe with KRR and its
spectral-bias prediction (Tomasini, Sclocchi, Wyart, arXiv:2202.03348). The
algorithms are in :mod:`..learners` (kernels, krr, svc, spectrum); these specs
draw the data, call them and return one record per run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..data.base import DataModel
from ..runs.checks import check_float, check_instance, check_int
from ..learners.kernels import Kernel
from ..learners.krr import krr_coefficients, predict_in_chunks
from ..learners.spectrum import kernel_spectrum
from ..learners.svc import fit_svc
from ..runs.device import check_device, spec_device
from ..runs.spec import Spec

__all__ = ["KernelRegressionSpec", "KernelSVCSpec", "SpectrumSpec"]


def check_learning_spec(data: Any, kernel: Any, p: Any, n_test: Any, device: Any) -> None:
    """Shared field checks of the kernel-method specs (KRR, SVC)."""
    check_instance(data, "data", DataModel, "a data model (Stripe, Cylinder, DepletedStripe, ...)")
    check_instance(kernel, "kernel", Kernel, "a kernel (Laplace, ExpPower, ReluNTK)")
    check_int(p, "p", 1)
    check_int(n_test, "n_test", 1)
    check_device(device)


@dataclass(frozen=True)
class KernelRegressionSpec(Spec):
    """One KRR learning-curve point (arXiv:2202.03348).

    Fields: ``data`` (a data model), ``kernel``, ``p`` (training points, >= 1),
    ``ridge`` (>= 0), ``n_test`` (>= 1), ``device`` ('cpu' or 'cuda').

    The run draws the training set ``data.sample(p, seed, stream=0)`` (nested
    in p) and the test set ``data.sample(n_test, seed, stream=1)``, fits KRR on
    the labels and returns::

        {"p": p, "ridge": ridge,
         "mse": mean over the test set of (f_P(x) - y)^2,
         "sign_error": fraction of test points with sign(f_P(x)) != y
                       (a prediction of exactly 0 counts as an error)}
    """

    kind: ClassVar[str] = "krr"
    version: ClassVar[int] = 1

    data: DataModel
    kernel: Kernel
    p: int
    ridge: float = 0.0
    n_test: int = 10000
    device: str | None = None

    def __post_init__(self) -> None:
        check_learning_spec(self.data, self.kernel, self.p, self.n_test, self.device)
        object.__setattr__(self, "p", int(self.p))
        object.__setattr__(self, "n_test", int(self.n_test))
        object.__setattr__(self, "ridge", check_float(self.ridge, "ridge", 0.0))

    def cost(self) -> float:
        return 1.3e-8 * (float(self.p) ** 3 / 1000 + float(self.p) * self.n_test)  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        dev = spec_device(self)
        x, y = self.data.sample(self.p, seed, stream=0, device=dev, dtype=torch.float64)
        xt, yt = self.data.sample(self.n_test, seed, stream=1, device=dev, dtype=torch.float64)
        coef = krr_coefficients(self.kernel(x), y, self.ridge)
        pred = predict_in_chunks(self.kernel, xt, x, coef)
        return {
            "p": self.p,
            "ridge": self.ridge,
            "mse": float(((pred - yt) ** 2).mean()),
            "sign_error": float((torch.sign(pred) != yt).double().mean()),
        }


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
    device: str | None = None

    def __post_init__(self) -> None:
        check_learning_spec(self.data, self.kernel, self.p, self.n_test, self.device)
        object.__setattr__(self, "p", int(self.p))
        object.__setattr__(self, "n_test", int(self.n_test))
        object.__setattr__(self, "C", check_float(self.C, "C", 0.0, low_open=True))

    def cost(self) -> float:
        return 7e-9 * (float(self.p) ** 2 + float(self.p) * self.n_test)  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        dev = spec_device(self)
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


@dataclass(frozen=True)
class SpectrumSpec(Spec):
    """Nystrom spectrum run: fields ``data``, ``kernel``, ``n`` (>= 1), ``device``.

    Returns ``{"n": n, "eigenvalues": [n floats, descending],
    "coefficients": [n floats]}`` from :func:`kernel_spectrum` with the run's seed.
    """

    kind: ClassVar[str] = "spectrum"
    version: ClassVar[int] = 1

    data: DataModel
    kernel: Kernel
    n: int
    device: str | None = None

    def __post_init__(self) -> None:
        check_instance(self.data, "data", DataModel, "a data model (Stripe, Cylinder, DepletedStripe, ...)")
        check_instance(self.kernel, "kernel", Kernel, "a kernel (Laplace, ExpPower, ReluNTK)")
        object.__setattr__(self, "n", check_int(self.n, "n", 1))
        check_device(self.device)

    def cost(self) -> float:
        return 2.8e-10 * float(self.n) ** 3  # seconds of one eigh, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        evals, coef = kernel_spectrum(self.data, self.kernel, self.n, seed, device=spec_device(self))
        return {"n": self.n, "eigenvalues": evals.cpu().tolist(), "coefficients": coef.cpu().tolist()}
