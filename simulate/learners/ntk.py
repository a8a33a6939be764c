"""Empirical neural tangent kernels (torch.func) and kernel-PCA projections of labels.

``empirical_ntk(net, params, x1, x2)`` is ``Theta(x, x') = sum_theta df(x)/dtheta df(x')/dtheta``
of a scalar-output network (:class:`simulate.networks.TwoLayerReLU`), from
per-sample Jacobians computed with ``torch.func.vmap(torch.func.jacrev(...))``
in chunks. Used frozen (at initialisation or at the end of training) as a
kernel for SVC (Paccolat et al., arXiv:2007.11471: the final NTK beats the
initial one).

``label_projection(gram, y, k)`` is the fraction of ``|y|^2`` carried by the
top-k eigenvectors of a Gram matrix (kernel PCA).
"""
from __future__ import annotations

import torch
from torch.func import jacrev, vmap

from ..networks.base import Network, Params

__all__ = ["jacobian", "empirical_ntk", "label_projection", "relative_change"]


def jacobian(net: Network, params: Params, x: torch.Tensor, chunk: int = 1024) -> torch.Tensor:
    """Per-sample gradients of the scalar output, flattened: [n, n_params] (parameter order of `params`)."""
    names = list(params)

    def single(p: dict[str, torch.Tensor], xi: torch.Tensor) -> torch.Tensor:
        return net.apply(p, xi.unsqueeze(0)).squeeze(0)

    per_sample = vmap(jacrev(single), in_dims=(None, 0))
    rows = []
    for start in range(0, x.shape[0], chunk):
        jac = per_sample(params, x[start:start + chunk])
        rows.append(torch.cat([jac[k].reshape(jac[k].shape[0], -1) for k in names], dim=1))
    return torch.cat(rows) if rows else x.new_zeros((0, sum(v.numel() for v in params.values())))


def empirical_ntk(net: Network, params: Params, x1: torch.Tensor, x2: torch.Tensor | None = None) -> torch.Tensor:
    """Gram matrix [n1, n2] of the empirical NTK of `net` at `params` (x2 = x1 when omitted)."""
    j1 = jacobian(net, params, x1)
    j2 = j1 if x2 is None else jacobian(net, params, x2)
    return j1 @ j2.T


def label_projection(gram: torch.Tensor, y: torch.Tensor, k: int) -> float:
    """Fraction of ``|y|^2`` on the top-`k` eigenvectors of the symmetric `gram` [n, n] (kernel PCA)."""
    n = gram.shape[0]
    if gram.ndim != 2 or gram.shape[1] != n or y.shape != (n,):
        raise ValueError(f"gram must be [n, n] and y [n], got {list(gram.shape)} and {list(y.shape)}")
    if not 1 <= k <= n:
        raise ValueError(f"k={k} must lie in 1..n={n}")
    _, vecs = torch.linalg.eigh(gram.to(torch.float64))
    top = vecs[:, -k:]
    yy = y.to(torch.float64)
    return float((top.T @ yy).pow(2).sum() / yy.pow(2).sum())


def relative_change(a: torch.Tensor, b: torch.Tensor) -> float:
    """``|b - a|_F / |a|_F``: how far a kernel moved from `a` to `b`."""
    return float(torch.linalg.norm(b - a) / torch.linalg.norm(a))
