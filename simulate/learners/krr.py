"""Kernel ridge regression (KRR) and its run spec.

Predictor (Tomasini, Sclocchi, Wyart, ICML 2022, arXiv:2202.03348):

    f_P(x) = k(x)^T (K + lambda I)^{-1} y,

with K the [P, P] Gram matrix of the training points, k(x) the kernel between
x and the training points, and the ridge lambda >= 0 added to K directly (no
1/P in front of the data term). lambda = 0 is ridgeless interpolation.
Solves are done in float64 with a Cholesky factorisation; when it fails
(a numerically singular K at tiny ridge) an LU solve is used instead and a
warning says so. Non-finite inputs are refused, and a system that the LU
solve cannot solve either (a singular K + ridge I) raises
:class:`KRRSolveError` (a ``ValueError``) instead of returning NaN.
"""
from __future__ import annotations

import warnings

import torch

from ..runs.checks import check_finite, check_float
from .kernels import Kernel

__all__ = ["krr_coefficients", "krr_fit_predict", "predict_in_chunks", "KRRSolveError"]


class KRRSolveError(ValueError):
    """K + ridge I cannot be solved: it is singular (not positive definite, and LU fails or gives non-finite values)."""

_CHUNK_ELEMENTS = 1 << 23  # ~64 MB of float64 per test-kernel chunk


def krr_coefficients(k_train: torch.Tensor, y: torch.Tensor, ridge: float) -> torch.Tensor:
    """Dual coefficients a = (K + ridge I)^{-1} y, in float64 on K's device.

    Parameters
    ----------
    k_train : Gram matrix [p, p] (symmetric positive semi-definite).
    y : targets [p].
    ridge : ridge lambda >= 0 (no 1/p factor).

    Cholesky (``torch.linalg.cholesky_ex``) is tried first; if it fails, an
    LU solve (``torch.linalg.solve``) is used and a ``RuntimeWarning`` issued;
    if that fails too or gives non-finite coefficients, :class:`KRRSolveError`.
    Non-finite `k_train` or `y` raise ``ValueError``.
    """
    ridge = check_float(ridge, "ridge", 0.0)
    if not isinstance(k_train, torch.Tensor) or k_train.ndim != 2 or k_train.shape[0] != k_train.shape[1]:
        raise ValueError(f"k_train must be a square tensor [p, p], got {getattr(k_train, 'shape', type(k_train))}")
    p = k_train.shape[0]
    y = torch.as_tensor(y)
    if y.shape != (p,):
        raise ValueError(f"y must have shape [p={p}], got {tuple(y.shape)}")
    check_finite(k_train, "k_train")
    check_finite(y, "y")
    a = k_train.to(torch.float64)
    a = a + ridge * torch.eye(p, dtype=torch.float64, device=a.device) if ridge > 0 else a.clone()
    rhs = y.to(device=a.device, dtype=torch.float64)[:, None]
    factor, info = torch.linalg.cholesky_ex(a)
    if int(info) == 0:
        return torch.cholesky_solve(rhs, factor)[:, 0]
    warnings.warn(
        f"Cholesky factorisation of K + ridge I failed (p={p}, ridge={ridge:g}; leading minor {int(info)} "
        "not positive); falling back to torch.linalg.solve (LU)",
        RuntimeWarning,
        stacklevel=2,
    )
    try:
        coef = torch.linalg.solve(a, rhs)[:, 0]
    except RuntimeError as exc:  # torch.linalg.LinAlgError: exactly singular
        raise KRRSolveError(f"K + ridge I is singular (p={p}, ridge={ridge:g}): neither Cholesky nor LU can solve "
                            "it; use a ridge > 0") from exc
    if not bool(torch.isfinite(coef).all()):
        raise KRRSolveError(f"K + ridge I is numerically singular (p={p}, ridge={ridge:g}): the LU solve gives "
                            "non-finite coefficients; use a larger ridge")
    return coef


def krr_fit_predict(k_train: torch.Tensor, y: torch.Tensor, k_test: torch.Tensor, ridge: float) -> torch.Tensor:
    """KRR predictions k_test @ (k_train + ridge I)^{-1} y, float64 [n].

    Parameters
    ----------
    k_train : Gram matrix of the training points [p, p].
    y : training targets [p].
    k_test : kernel between test and training points [n, p].
    ridge : lambda >= 0, added to K as is (no 1/p); 0 interpolates.
    """
    coef = krr_coefficients(k_train, y, ridge)
    if not isinstance(k_test, torch.Tensor) or k_test.ndim != 2 or k_test.shape[1] != coef.shape[0]:
        raise ValueError(f"k_test must be a tensor [n, p={coef.shape[0]}], got {getattr(k_test, 'shape', type(k_test))}")
    check_finite(k_test, "k_test")
    return k_test.to(device=coef.device, dtype=torch.float64) @ coef


def predict_in_chunks(kernel: Kernel, x_test: torch.Tensor, x_train: torch.Tensor, coef: torch.Tensor) -> torch.Tensor:
    """sum_j kernel(x_test, x_train)[:, j] coef[j], computed on chunks of test points.

    Keeps memory at about 64 MB of test kernel at a time. Returns [n] in
    float64 (`x_test` and `x_train` are cast to float64 on coef's device).
    """
    x_test = x_test.to(device=coef.device, dtype=torch.float64)
    x_train = x_train.to(device=coef.device, dtype=torch.float64)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, x_train.shape[0]))
    out = [kernel(x_test[i : i + chunk], x_train) @ coef for i in range(0, x_test.shape[0], chunk)]
    return torch.cat(out) if out else torch.zeros(0, dtype=torch.float64, device=coef.device)
