"""The idealised pooling network of arXiv:2210.01506: constant filters, ReLU, no training (docs/science.md section 4).

Tomasini, Petrini, Cagnetta, Wyart, "How deep convolutional neural networks
lose spatial information with training", MLST 2023. Each of the L layers
averages F neighbouring pixels with stride s, adds a bias b and applies a ReLU:

    h_k[i] = relu( b + (s / F) * sum_{j < F} hpad_{k-1}[s i + j] ),

``hpad`` the previous layer zero-padded with ``(F - 1) // 2`` pixels on each
side (h_0 = the input, N pixels, one channel). The factor s / F keeps the
total mass of a one-pixel input when s = F and averages when s = 1. There
are no parameters: ``init`` returns ``{}``.

The measurement of the paper's authors: probes are single active pixels at
every position (:func:`probes`, the identity matrix), the diffeomorphism
shifts them by one pixel (:func:`shift`, periodic), and the noise is
Gaussian, matched in norm to that shift probe by probe
(:func:`..observables.perturbations.matched_noise`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F_

from ..runs.checks import (MAX_DEPTH, check_dtype, check_float, check_int, check_memory, check_seed, check_size, require,
                           show)
from ..runs.device import resolve_device
from .base import Network, Params

__all__ = ["IdealPoolingNet", "probes", "shift"]


def probes(N: int, *, dtype: torch.dtype = torch.float64, device: str | torch.device | None = None) -> torch.Tensor:
    """Single active pixels (value 1) at every position: the identity matrix as inputs ``[N, 1, N]``
    (device None: CUDA when present, else CPU)."""
    N = check_size(N, "N", 1)
    dtype = check_dtype(dtype)
    check_memory(N * N * torch.empty(0, dtype=dtype).element_size(), f"N={show(N)} probes of N pixels")
    return torch.eye(N, dtype=check_dtype(dtype), device=resolve_device(device)).unsqueeze(1)


def shift(x: torch.Tensor, step: int = 1) -> torch.Tensor:
    """`x` shifted by `step` pixels along its last axis, periodically (``torch.roll``): pixel i moves to i + step."""
    step = check_int(step, "step")
    return torch.roll(x, step, dims=-1)


@dataclass(frozen=True)
class IdealPoolingNet(Network):
    """Constant-filter ReLU CNN: `L` layers of filter size `F`, stride `stride`, bias `bias` on N pixels.

    Parameters
    ----------
    N : input length (>= 1); inputs are ``[batch, 1, N]``.
    F : filter size (>= 1).
    stride : the stride s, 1 <= s <= F (s = F: pooling without overlap; s = 1: overlapping averages).
    L : number of layers (>= 1); the filter must fit in the input of every layer.
    bias : the bias b added before every ReLU (default 0).

    No parameters (``init`` returns ``{}``, pass ``params={}``). Features: layer k is
    ``[batch, 1, n_k]`` (:attr:`lengths`); the output (``apply``) is the last layer flattened,
    ``[batch, n_L]``.
    """

    kind: ClassVar[str] = "ideal_pooling_net"
    width: ClassVar[int] = 1

    N: int
    F: int
    stride: int
    L: int
    bias: float = 0.0

    def __post_init__(self) -> None:
        check_size(self.N, "N", 1)
        check_size(self.F, "F", 1)
        check_int(self.stride, "stride", 1)
        require(self.stride <= self.F, f"stride={self.stride} must be <= F={self.F} (the filter size)")
        check_size(self.L, "L", 1, MAX_DEPTH)
        check_float(self.bias, "bias")
        n = self.N
        for k in range(1, self.L + 1):
            require(self.F <= n, f"F={self.F} larger than the input of layer {k} (length {n}, N={self.N}, "
                                 f"stride={self.stride}): reduce L or F, or increase N")
            n = self._out_length(n)

    @property
    def padding(self) -> int:
        """Zero padding on each side, (F - 1) // 2."""
        return (self.F - 1) // 2

    def _out_length(self, n: int) -> int:
        return (n + 2 * self.padding - self.F) // self.stride + 1

    @property
    def lengths(self) -> tuple[int, ...]:
        """Lengths n_0 = N, n_1, ..., n_L of the input and of every layer."""
        out = [self.N]
        for _ in range(self.L):
            out.append(self._out_length(out[-1]))
        return tuple(out)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.N)

    @property
    def input_description(self) -> str:
        return f"1, N={self.N}"

    @property
    def n_out(self) -> int:
        return self.lengths[-1]

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def init(self, seed: int, device: str | torch.device | None = None, dtype: torch.dtype = torch.float32) -> Params:
        """No parameters: ``{}`` (the arguments are validated for uniformity with other networks)."""
        check_seed(seed)
        resolve_device(device)
        check_dtype(dtype)
        return {}

    def ensemble_size(self, params: Params) -> int | None:
        """The net has no parameters: `params` must be ``{}``; always one model (``None``)."""
        if not isinstance(params, dict) or params:
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"IdealPoolingNet has no parameters: pass params={{}}, got {got}")
        return None

    def layer(self, h: torch.Tensor) -> torch.Tensor:
        """One layer on ``[..., n]``: ``relu(b + (s / F) * sum of F padded neighbours)``, ``[..., n_out]``."""
        pad = self.padding
        hp = F_.pad(h, (pad, pad)) if pad else h
        window_sum = hp.unfold(-1, self.F, self.stride).sum(-1)
        return torch.relu(self.bias + (self.stride / self.F) * window_sum)

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = x[..., 0, :]
        layers = []
        for _ in range(self.L):
            h = self.layer(h)
            layers.append(h)
        if features:
            return [a.unsqueeze(-2) for a in layers]
        return h
