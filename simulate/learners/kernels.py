"""Kernels for kernel regression and classification.

Each kernel is a frozen dataclass with a class-level ``kind``, a
``__call__(x, y) -> Tensor [n, m]`` computed in ``x``'s dtype and on its
device, and a ``cusp_exponent`` property xi: K(0) - K(z) ~ |z|^xi at small
distance z, the exponent that sets the learning-curve exponents of kernel
methods on the stripe model (Paccolat, Spigler, Wyart, arXiv:2006.09754) and
of Laplace kernel regression (Tomasini, Sclocchi, Wyart, arXiv:2202.03348).

* :class:`Laplace`: exp(-|x - y| / sigma), xi = 1;
* :class:`ExpPower`: exp(-(|x - y| / sigma)^xi), 0 < xi <= 2;
* :class:`ReluNTK`: the neural tangent kernel at initialisation of a
  one-hidden-layer ReLU network (Jacot, Gabriel, Hongler, arXiv:1806.07572;
  arc-cosine kernels of Cho & Saul 2009), xi = 1.

Distances use |x|^2 + |y|^2 - 2 x.y clamped at 0 before the square root;
when ``y`` is ``x`` (the same tensor, or omitted) the diagonal is set to
exactly zero distance.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..runs.checks import check_finite, check_float

__all__ = ["Kernel", "Laplace", "ExpPower", "ReluNTK", "pairwise_distances"]

_WHOLE_ELEMENTS = 2**23  # ReluNTK: matrices up to this size (64 MB in float64) are computed whole...
_BLOCK_ELEMENTS = 2**16  # ... larger ones by blocks of rows of about this many entries (512 kB)


def _check_inputs(x: Any, y: Any) -> tuple[torch.Tensor, torch.Tensor, bool]:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"x must be a torch.Tensor [n, d], got {type(x).__name__}")
    same = y is None or y is x
    if y is None:
        y = x
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"y must be a torch.Tensor [m, d], got {type(y).__name__}")
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must have shapes [n, d] and [m, d] with the same d, got {tuple(x.shape)} and {tuple(y.shape)}")
    if not x.dtype.is_floating_point:
        raise ValueError(f"x must have a floating dtype, got {x.dtype}")
    check_finite(x, "x")
    y = y.to(device=x.device, dtype=x.dtype)
    if not same:
        check_finite(y, "y")
    return x, y, same


def _distances(x: torch.Tensor, y: torch.Tensor, same: bool) -> torch.Tensor:
    # Differences, not the |x|^2 + |y|^2 - 2 x.y expansion: the expansion leaves an
    # absolute error ~1e-8 on the distance of nearby points (the square root of the
    # round-off), enough to make a ridgeless Laplace Gram matrix lose positive
    # definiteness at p = 4096 in d = 1. cdist's direct mode is also faster here.
    dist = torch.cdist(x, y, compute_mode="donot_use_mm_for_euclid_dist")
    if same:
        dist.fill_diagonal_(0.0)
    return dist


def pairwise_distances(x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """Euclidean distances [n, m] between the rows of `x` [n, d] and `y` [m, d] (y=None: y = x).

    Computed in x's dtype and device from coordinate differences (exact for
    nearby points); the diagonal is exactly 0 when ``y`` is ``x``.
    """
    x, y, same = _check_inputs(x, y)
    return _distances(x, y, same)


class Kernel:
    """Base of all kernels (mix into a frozen dataclass): ``kernel(x, y) -> [n, m]``."""

    kind: ClassVar[str] = "kernel"

    @property
    def cusp_exponent(self) -> float:  # pragma: no cover - interface
        """xi: K(0) - K(z) ~ |z|^xi at small z (2 for a smooth kernel)."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Laplace(Kernel):
    """Laplace kernel exp(-|x - y| / sigma); bandwidth ``sigma`` > 0. Cusp exponent xi = 1."""

    kind: ClassVar[str] = "laplace"

    sigma: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", 0.0, low_open=True))

    @property
    def cusp_exponent(self) -> float:
        """xi = 1."""
        return 1.0

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Kernel matrix [n, m] between `x` [n, d] and `y` [m, d] (y=None: y = x)."""
        x, y, same = _check_inputs(x, y)
        return _distances(x, y, same).div_(-self.sigma).exp_()


@dataclass(frozen=True)
class ExpPower(Kernel):
    """Exponential-power kernel exp(-(|x - y| / sigma)^xi), sigma > 0, 0 < xi <= 2.

    xi = 1 is the Laplace kernel, xi = 2 the Gaussian kernel; the cusp exponent is xi.
    """

    kind: ClassVar[str] = "exp_power"

    sigma: float = 1.0
    xi: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", check_float(self.sigma, "sigma", 0.0, low_open=True))
        object.__setattr__(self, "xi", check_float(self.xi, "xi", 0.0, 2.0, low_open=True))

    @property
    def cusp_exponent(self) -> float:
        """xi."""
        return self.xi

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Kernel matrix [n, m] between `x` [n, d] and `y` [m, d] (y=None: y = x)."""
        x, y, same = _check_inputs(x, y)
        r = _distances(x, y, same).div_(self.sigma)
        return r.pow_(self.xi).neg_().exp_()


@dataclass(frozen=True)
class ReluNTK(Kernel):
    """Analytic NTK at initialisation of a one-hidden-layer ReLU network.

    Network: f(x) = (1/sqrt(h)) sum_i beta_i relu(w_i . x / sqrt(d) + b_i),
    w_i ~ N(0, I_d), b_i ~ N(0, 1), beta_i ~ N(0, 1), all parameters trained.
    As h -> infinity its tangent kernel sum_theta df(x)/dtheta df(y)/dtheta
    tends to (Jacot et al., arXiv:1806.07572; arc-cosine kernels of Cho & Saul)

        Theta(x, y) = sqrt(q_x q_y)/(2 pi) [sin t + (pi - t) cos t] + c (pi - t)/(2 pi),

    with q_x = |x|^2/d + 1, c = x.y/d + 1 and cos t = c / sqrt(q_x q_y). The
    first term comes from the readout weights beta, the second from (w, b).
    Cusp exponent xi = 1 (Theta is linear in the angle t near x = y).
    """

    kind: ClassVar[str] = "relu_ntk"

    @property
    def cusp_exponent(self) -> float:
        """xi = 1."""
        return 1.0

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Kernel matrix [n, m] between `x` [n, d] and `y` [m, d] (y=None: y = x)."""
        x, y, same = _check_inputs(x, y)
        d = x.shape[1]
        qx = (x * x).sum(1) / d + 1.0
        qy = (y * y).sum(1) / d + 1.0
        out = x @ y.T  # one product (a product by blocks of rows may round differently at some shapes)
        # The kernel then takes a dozen elementwise passes over [n, m]: a large matrix goes through them by
        # blocks of rows that stay in cache, in place, instead of a dozen temporaries of the matrix's size.
        # Each entry goes through the same floating-point operations as in the formula above, so the values
        # do not depend on the blocks.
        rows = out.shape[0] if out.numel() <= _WHOLE_ELEMENTS else max(1, _BLOCK_ELEMENTS // max(1, out.shape[1]))
        for start in range(0, out.shape[0], rows):
            c = out[start : start + rows]
            c.div_(d).add_(1.0)  # c = x.y/d + 1
            norm = (qx[start : start + rows, None] * qy[None, :]).sqrt_()
            cos = (c / norm).clamp_(-1.0, 1.0)
            if same:
                cos.diagonal(offset=start).fill_(1.0)
            rest = torch.arccos(cos).neg_().add_(math.pi)  # pi - t
            sin = (cos * cos).neg_().add_(1.0).clamp_min_(0.0).sqrt_()  # sin t
            sin.add_(cos.mul_(rest))  # sin t + (pi - t) cos t
            norm.mul_(sin).div_(2 * math.pi)
            c.mul_(rest).div_(2 * math.pi).add_(norm)
        return out
