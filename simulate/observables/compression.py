"""Geometric compression of a one-hidden-layer network's first layer (Paccolat et al., arXiv:2007.11471).

In the feature regime the first-layer weights shrink along the input
directions the label does not depend on; the compression ratio lambda
compares their norm along the informative and the uninformative directions.
"""
from __future__ import annotations

import torch

from ..runs.checks import check_int

__all__ = ["compression_ratio"]


def compression_ratio(w: torch.Tensor, d_par: int) -> torch.Tensor:
    """lambda = (|w_par| / sqrt(d_par)) / (|w_perp| / sqrt(d - d_par)) of first-layer weights [..., h, d].

    Frobenius norms of the weights restricted to the informative coordinates
    (the first `d_par`) and to the uninformative ones, each per direction
    (arXiv:2007.11471). Returns a tensor of the leading shape.
    """
    if not isinstance(w, torch.Tensor) or w.ndim < 2 or not w.is_floating_point():
        got = list(w.shape) if isinstance(w, torch.Tensor) else type(w).__name__
        raise ValueError(f"w must be a floating tensor [..., h, d], got {got}")
    d = w.shape[-1]
    check_int(d_par, "d_par")
    if not 1 <= d_par < d:
        raise ValueError(f"d_par={d_par} must satisfy 1 <= d_par < d={d} (lambda needs uninformative directions)")
    par = w[..., :d_par].pow(2).sum(dim=(-1, -2)) / d_par
    perp = w[..., d_par:].pow(2).sum(dim=(-1, -2)) / (d - d_par)
    return torch.sqrt(par / perp)
