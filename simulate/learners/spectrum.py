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

import numpy as np
import torch
from scipy.linalg import eigh_tridiagonal, lapack

from ..data.base import DataModel
from ..runs.checks import check_instance, check_int, check_seed
from ..runs.device import resolve_device
from .kernels import Kernel

__all__ = ["kernel_spectrum", "projected_spectrum", "symmetrised"]

SYMMETRISE_BLOCK = 256
"""Side of the square blocks :func:`symmetrised` works on (two 512 KiB float64 blocks stay in cache)."""


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
    n : number of samples (integer >= 1); the cost is one n x n symmetric eigenproblem in float64 (on the
        CPU without the eigenvectors, :func:`projected_spectrum`).
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
    gram = symmetrised(kernel(x).to(torch.float64), n)
    if gram.device.type == "cpu":
        evals, proj = projected_spectrum(gram.numpy(), y.numpy())
        evals, proj = torch.from_numpy(evals), torch.from_numpy(proj)
    else:  # a GPU's eigh is fast (6.6 s at n = 8192 on an H100), and the vectors stay on the device
        evals, evecs = torch.linalg.eigh(gram)
        proj = evecs.T @ y
    # c_k = (1/n) sum_i y_i sqrt(n) v_k[i] = v_k . y / sqrt(n)
    return evals.flip(0).clamp_min(0.0), (proj.flip(0) / n**0.5).abs()


def symmetrised(gram: torch.Tensor, n: int) -> torch.Tensor:
    """``0.5 * (gram + gram.T) / n``, bit for bit, computed in place in `gram` (returned).

    Block (I, J) and block (J, I) are read and written together, so each block pair is in cache once;
    the whole-matrix expression reads ``gram.T`` column by column and writes two temporaries
    (at n = 8192 on one thread: 0.45 s against 3.7 s).
    """
    size = gram.shape[0]
    if gram.ndim != 2 or gram.shape[1] != size:
        raise ValueError(f"gram must be a square matrix, got shape {list(gram.shape)}")
    for i0 in range(0, size, SYMMETRISE_BLOCK):
        for j0 in range(i0, size, SYMMETRISE_BLOCK):
            upper = gram[i0:i0 + SYMMETRISE_BLOCK, j0:j0 + SYMMETRISE_BLOCK]
            lower = gram[j0:j0 + SYMMETRISE_BLOCK, i0:i0 + SYMMETRISE_BLOCK].T
            mean = (upper + lower).mul_(0.5).div_(n)  # the same operations, in the same order, on each entry
            upper.copy_(mean)
            lower.copy_(mean)
    return gram


def projected_spectrum(matrix: np.ndarray, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (ascending) of a symmetric float64 matrix and the projections ``v_k . vector`` of a vector on
    its unit eigenvectors, without forming the eigenvectors.

    Householder reduction ``Q^T A Q = T`` (LAPACK ``dsytrd``), ``z = Q^T vector`` by the stored reflectors,
    then the eigenpairs ``T = S diag(eta) S^T`` of the tridiagonal by MRRR (``dstemr``, O(n^2)), and
    ``v_k . vector = s_k . z``. A full ``eigh`` spends most of its time forming and back-transforming the
    n eigenvectors; here they are never needed (``benchmarks/spectrum.py``). `matrix` must be symmetric;
    it is overwritten (one triangle holds the reflectors afterwards).
    """
    n = matrix.shape[0]
    if matrix.ndim != 2 or matrix.shape[1] != n or vector.shape != (n,):
        raise ValueError(f"matrix must be [n, n] and vector [n], got {list(matrix.shape)} and {list(vector.shape)}")
    if matrix.flags.c_contiguous:  # LAPACK reads columns: the transpose of a symmetric matrix is itself, uncopied
        matrix = matrix.T
    if n == 1:
        return matrix[0].copy(), vector.copy()
    lwork = int(lapack.dsytrd_lwork(n, lower=1)[0])
    reduced, diag, off, tau, info = lapack.dsytrd(matrix, lower=1, lwork=lwork, overwrite_a=1)
    if info != 0:  # pragma: no cover - dsytrd fails only on bad arguments
        raise RuntimeError(f"LAPACK dsytrd failed (info={info})")
    z = np.array(vector, dtype=np.float64)
    for i in range(n - 1):  # Q^T = H(n-1) ... H(1), H(i) = I - tau_i u u^T, u = (0, .., 0, 1, reduced[i+2:, i])
        if tau[i] != 0.0:
            tail = z[i + 1:]
            u = reduced[i + 1:, i].copy()
            u[0] = 1.0
            tail -= (tau[i] * (u @ tail)) * u
    evals, vecs = eigh_tridiagonal(diag, off, lapack_driver="stemr")
    return evals, vecs.T @ z
