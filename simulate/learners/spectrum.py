"""Nystrom estimate of a kernel's Mercer spectrum under a data measure.

Used for the spectral-bias (replica / eigenlearning) prediction of KRR
learning curves: Bordelon, Canatar, Pehlevan, arXiv:2002.02561; Canatar,
Bordelon, Pehlevan, arXiv:2006.13198; Tomasini, Sclocchi, Wyart,
arXiv:2202.03348 (which compares that prediction with actual KRR).

With n samples x_i of the data measure, the eigenpairs of K/n (K_ij =
K(x_i, x_j)) estimate the Mercer eigenvalues eta_k, and sqrt(n) times the unit
eigenvectors estimate the eigenfunctions phi_k at the samples, normalised so
that (1/n) sum_i phi_k(x_i)^2 = 1. The target coefficients are
c_k = (1/n) sum_i y_i phi_k(x_i), hence sum_k c_k^2 = mean(y^2) = 1 for
labels +-1, and sum_k eta_k = mean_i K(x_i, x_i).
"""
from __future__ import annotations


import torch

from ..data.base import DataModel
from ..runs.checks import check_instance, check_int, check_seed
from ..runs.device import resolve_device
from .kernels import Kernel

__all__ = ["kernel_spectrum"]


def kernel_spectrum(
    data: DataModel,
    kernel: Kernel,
    n: int,
    seed: int,
    device: str | torch.device | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Nystrom eigenvalues and target coefficients of `kernel` under `data`.

    Parameters
    ----------
    data : data model; n points are drawn with ``data.sample(n, seed, stream=0)``.
    kernel : kernel.
    n : number of samples (integer >= 1); the cost is one n x n eigh in float64.
    seed : non-negative integer.
    device : torch device (None -> `simulate.device.default_device()`).

    Returns
    -------
    eigenvalues : float64 [n], descending, eigenvalues of K/n with tiny
        negative round-off values clipped to 0.
    coefficients : float64 [n], c_k = (1/n) sum_i y_i phi_k(x_i) with the
        eigenfunctions normalised to (1/n) sum_i phi_k(x_i)^2 = 1; the sign of
        each eigenvector is chosen so that c_k >= 0.
    """
    check_instance(data, "data", DataModel, "a data model (Stripe, Cylinder, DepletedStripe, ...)")
    check_instance(kernel, "kernel", Kernel, "a kernel (Laplace, ExpPower, ReluNTK)")
    n = check_int(n, "n", 1)
    seed = check_seed(seed)
    dev = resolve_device(device)
    x, y = data.sample(n, seed, stream=0, device=dev, dtype=torch.float64)
    gram = kernel(x).to(torch.float64)
    gram = 0.5 * (gram + gram.T) / n
    evals, evecs = torch.linalg.eigh(gram)
    evals, evecs = evals.flip(0).clamp_min(0.0), evecs.flip(1)
    # c_k = (1/n) sum_i y_i sqrt(n) v_k[i] = v_k . y / sqrt(n)
    coef = (evecs.T @ y) / n**0.5
    return evals, coef.abs()
