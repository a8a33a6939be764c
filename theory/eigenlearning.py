"""Numerical spectral-bias (eigenlearning / replica) prediction of kernel ridge regression.

docs/science.md section 2; Tomasini, Sclocchi, Wyart, ICML 2022, arXiv:2202.03348,
who compare this prediction with actual Laplace KRR. The equations are those of
the replica theory of KRR (Bordelon, Canatar, Pehlevan 2020, arXiv:2002.02561;
Canatar, Bordelon, Pehlevan 2021, arXiv:2006.13198) in the form of the
eigenlearning framework (Simon et al., arXiv:2110.03922).

Given kernel eigenvalues eta_k (under the data measure) and target coefficients
c_k in the eigenbasis, with P training points and ridge lambda (convention
K + lambda I, no 1/P):

    kappa > 0 solves   P = sum_k eta_k / (eta_k + kappa) + lambda / kappa,
    gamma = (1/P) sum_k (eta_k / (eta_k + kappa))^2,
    eps   = 1/(1 - gamma) * sum_k (kappa / (eta_k + kappa))^2 c_k^2.

The root is found in log kappa (the left side is monotone decreasing in kappa)
with every ratio computed as a logistic function of log eta_k - log kappa, so
spectra spanning hundreds of decades are handled. 1 - gamma is evaluated as
(sum_k t_k (1 - t_k) + lambda/kappa) / P with t_k = eta_k/(eta_k + kappa), which
equals 1 - gamma at the root and has no cancellation.

Eigenvalues that are negative only by round-off (>= -1e-10 * max |eta|, as a
numerical eigendecomposition produces) are treated as zero; zero eigenvalues
are modes that cannot be learned (their c_k^2 stays in the error).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

_ROUNDOFF = 1e-10  # relative size of negative eigenvalues treated as round-off zeros


def _eigenvalues(eigenvalues) -> np.ndarray:
    eta = np.asarray(eigenvalues, dtype=float)
    if eta.ndim != 1:
        raise ValueError(f"eigenvalues must be a 1-D array, got shape {eta.shape}")
    if eta.size == 0:
        raise ValueError("eigenvalues is empty")
    if not np.all(np.isfinite(eta)):
        bad = int(np.flatnonzero(~np.isfinite(eta))[0])
        raise ValueError(f"eigenvalues must be finite, got {eta[bad]} at index {bad}")
    scale = float(np.max(np.abs(eta)))
    if np.any(eta < -_ROUNDOFF * scale):
        bad = int(np.argmin(eta))
        raise ValueError(
            f"eigenvalues must be >= 0, got {eta[bad]:.3g} at index {bad} "
            f"(a kernel is positive semi-definite; negatives below {_ROUNDOFF:g} * max|eigenvalue| "
            "are treated as round-off zeros)"
        )
    return np.where(eta < 0, 0.0, eta)


def _check_p(p) -> float:
    try:
        value = float(p)
    except (TypeError, ValueError):
        raise ValueError(f"p must be a number, got {p!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"p (number of training points) must be finite and > 0, got {value:g}")
    return value


def _check_ridge(ridge) -> float:
    try:
        value = float(ridge)
    except (TypeError, ValueError):
        raise ValueError(f"ridge must be a number, got {ridge!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"ridge must be finite and >= 0, got {value:g}")
    return value


def _log_kappa(log_eta: np.ndarray, p: float, ridge: float) -> float:
    """log kappa solving p = sum expit(log_eta - log kappa) + ridge/kappa (log_eta: positive modes)."""
    log_ridge = math.log(ridge) if ridge > 0 else -math.inf

    n_modes = log_eta.size

    def excess(log_k: float) -> float:
        # sum_k t_k - p, with t_k = eta_k/(eta_k + kappa). When most t_k are close to 1
        # (p close to the number of modes), use the equal form (N - p) - sum_k (1 - t_k)
        # with 1 - t_k computed directly, which does not cancel.
        t_sum = float(np.sum(expit(log_eta - log_k)))
        if t_sum > 0.5 * n_modes:
            value = (n_modes - p) - float(np.sum(expit(log_k - log_eta)))
        else:
            value = t_sum - p
        if ridge > 0:
            value += math.exp(log_ridge - log_k)
        return value

    # upper end: sum eta/(eta+k) + ridge/k <= (sum eta + ridge)/k, so k = 2 (sum eta + ridge)/p gives excess < 0
    top = float(np.max(log_eta)) if log_eta.size else log_ridge
    log_sum = top + math.log(float(np.sum(np.exp(log_eta - top))) + (math.exp(log_ridge - top) if ridge > 0 else 0.0))
    hi = log_sum + math.log(2.0 / p)
    # lower end: ridge/k = 2p when ridge > 0; else step down from the smallest eigenvalue
    if ridge > 0:
        lo = log_ridge - math.log(2.0 * p)
        if log_eta.size:
            lo = min(lo, float(np.min(log_eta)))
        for _ in range(200):  # excess(lo) >= p > 0 analytically; the loop guards against round-off
            if excess(lo) > 0:
                break
            lo -= 10.0
        else:  # pragma: no cover
            raise RuntimeError("failed to bracket kappa")
    else:
        lo = float(np.min(log_eta)) - 5.0
        steps = 0
        while excess(lo) <= 0:
            lo -= 10.0
            steps += 1
            if steps > 200:  # kappa below 1e-870 of the smallest eigenvalue: p is N up to round-off
                raise ValueError(
                    f"p={p} is too close to the number of positive eigenvalues ({log_eta.size}) "
                    "to solve for kappa without a ridge"
                )
    if excess(hi) >= 0:  # pragma: no cover - guaranteed by the bound above
        raise RuntimeError("failed to bracket kappa")
    return brentq(excess, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps, maxiter=500)


def solve_kappa(eigenvalues, p: float, ridge: float = 0.0) -> float:
    """Effective regulariser kappa > 0 of the eigenlearning equations.

    Solves ``p = sum_k eta_k/(eta_k + kappa) + ridge/kappa``.

    Parameters
    ----------
    eigenvalues:
        Kernel eigenvalues eta_k >= 0 (1-D; any order).
    p:
        Number of training points, > 0 (need not be an integer).
    ridge:
        Ridge lambda >= 0 (convention K + lambda I).

    Raises
    ------
    ValueError
        On NaN/infinite or negative eigenvalues, non-positive ``p``, negative
        ``ridge``, or ``ridge == 0`` with ``p`` >= the number of positive
        eigenvalues (then the ridgeless equation has no solution kappa > 0).
    """
    eta = _eigenvalues(eigenvalues)
    p = _check_p(p)
    ridge = _check_ridge(ridge)
    positive = eta[eta > 0]
    if ridge == 0 and p >= positive.size:
        raise ValueError(
            f"with ridge=0, p must be < the number of positive eigenvalues ({positive.size}), got p={p:g}; "
            "give more eigenvalues or a positive ridge"
        )
    return math.exp(_log_kappa(np.log(positive), p, ridge))


def _error_at(eta: np.ndarray, c2: np.ndarray, p: float, ridge: float) -> float:
    positive = eta > 0
    log_eta = np.log(eta[positive])
    if ridge == 0 and p >= log_eta.size:
        raise ValueError(
            f"with ridge=0, p must be < the number of positive eigenvalues ({log_eta.size}), got p={p:g}; "
            "give more eigenvalues or a positive ridge"
        )
    log_k = _log_kappa(log_eta, p, ridge)
    t = expit(log_eta - log_k)  # eta/(eta+kappa)
    u = expit(log_k - log_eta)  # kappa/(eta+kappa) = 1 - t, without cancellation
    one_minus_gamma = (float(np.sum(t * u)) + (math.exp(math.log(ridge) - log_k) if ridge > 0 else 0.0)) / p
    learnable = float(np.sum(u * u * c2[positive]))
    unlearnable = float(np.sum(c2[~positive]))  # eta = 0: kappa/(eta+kappa) = 1
    return (learnable + unlearnable) / one_minus_gamma


def _coefficients(coefficients, n: int) -> np.ndarray:
    c = np.asarray(coefficients, dtype=float)
    if c.shape != (n,):
        raise ValueError(f"coefficients must have the shape of eigenvalues ({n},), got {c.shape}")
    if not np.all(np.isfinite(c)):
        bad = int(np.flatnonzero(~np.isfinite(c))[0])
        raise ValueError(f"coefficients must be finite, got {c[bad]} at index {bad}")
    return c * c


def predicted_error(eigenvalues, coefficients, p: float, ridge: float = 0.0) -> float:
    """Eigenlearning test error ``1/(1-gamma) sum_k (kappa/(eta_k+kappa))^2 c_k^2``.

    ``coefficients`` are the target's coefficients c_k in the kernel eigenbasis
    (same length as ``eigenvalues``); the error is the mean squared error.
    See :func:`solve_kappa` for the parameters and errors.
    """
    eta = _eigenvalues(eigenvalues)
    c2 = _coefficients(coefficients, eta.size)
    return _error_at(eta, c2, _check_p(p), _check_ridge(ridge))


def learning_curve(eigenvalues, coefficients, ps, ridge: float = 0.0) -> np.ndarray:
    """:func:`predicted_error` at every training-set size in ``ps`` (array of the same shape)."""
    eta = _eigenvalues(eigenvalues)
    c2 = _coefficients(coefficients, eta.size)
    ridge = _check_ridge(ridge)
    ps_arr = np.asarray(ps, dtype=float)
    out = np.empty(ps_arr.shape, dtype=float)
    for idx, p in np.ndenumerate(ps_arr):
        out[idx] = _error_at(eta, c2, _check_p(p), ridge)
    return out


__all__ = ["solve_kappa", "predicted_error", "learning_curve"]
