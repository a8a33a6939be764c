"""Trainable 1D CNN of the pooling study (arXiv:2210.01506; docs/science.md section 4, "Trained 1D CNN").

L convolutional blocks of width H on inputs [batch, 1, d] (one channel). Block
k maps [C_{k-1}, n_{k-1}] to [H, n_k]:

    h_k[h, i] = sqrt(F) * relu( sum_{c, j} w_k[h, c, j] hpad_{k-1}[c, s i + j] / sqrt(C_{k-1} F) + b_k[h] ),

with ``hpad`` the previous layer padded circularly with F - 1 pixels
(``(F - 1) // 2`` on each side for odd F; ``F/2 - 1`` on the left and ``F/2``
on the right for even F, as in the authors' code), filter size F, stride s,
so that ``n_k = ceil(n_{k-1} / s)``. The readout averages the last layer over
its positions (global average pooling) and is mean-field:

    f(x) = b_out + beta . mean_i h_L[:, i] / H

(``readout="standard"`` divides by sqrt(H) instead). Every parameter is
standard normal at initialisation. The forward pass is written with matmuls
over the trailing axes, so stacked parameters [E, ...] with inputs
[E, batch, 1, d] evaluate E models at once (:func:`..learners.training.train_ensemble`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..runs.checks import MAX_DEPTH, check_int, check_size, require
from .base import Network, Params, readout_matvec

__all__ = ["ConvNet1D"]


@dataclass(frozen=True)
class ConvNet1D(Network):
    """1D CNN with circular padding, filter `F`, stride `stride`, `L` blocks of `width` channels, GAP, scalar output.

    Parameters
    ----------
    d : input length (>= 1); inputs ``[batch, 1, d]``; None: from the data (:meth:`for_data`).
    F : filter size (>= 1; default 2).
    stride : the stride s of every block, 1 <= s <= F (the authors stride every block with s = F = 2).
    L : number of blocks (>= 1; default 5); every block's input must hold at least F positions.
    width : channels H of every block (>= 1; default 32).
    readout : ``"mean_field"`` (default, 1/H) or ``"standard"`` (1/sqrt(H)).

    Parameters: ``w1`` [H, 1, F], ``w2..wL`` [H, H, F] (conv1d layout), ``b1..bL`` [H], ``beta`` [H],
    ``b_out`` [1]. Features: block k, ``[batch, H, n_k]`` (:attr:`lengths`). Weight decay on ``("w",)``
    touches the convolution weights only.
    """

    kind: ClassVar[str] = "conv_net_1d"
    scalar: ClassVar[bool] = True
    shape_fields: ClassVar[tuple[str, ...]] = ("d",)

    d: int | None = None
    F: int = 2
    stride: int = 2
    L: int = 5
    width: int = 32
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        check_size(self.F, "F", 1)
        check_int(self.stride, "stride", 1)
        require(self.stride <= self.F, f"stride={self.stride} must be <= F={self.F} (the filter size)")
        check_size(self.L, "L", 1, MAX_DEPTH)
        check_size(self.width, "width", 1)
        self._check_readout()
        if self.d is None:  # the data gives it (for_data): the block lengths are checked then
            return
        check_size(self.d, "d", 1)
        n = self.d
        for k in range(1, self.L + 1):
            require(self.F <= n, f"F={self.F} larger than the input of block {k} (length {n}, d={self.d}, "
                                 f"stride={self.stride}): the strided blocks ran out of positions; reduce L or "
                                 f"increase d")
            n = -(-n // self.stride)

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From 1D data (scale detection): its length d."""
        return {"d": data.d}

    @property
    def padding(self) -> tuple[int, int]:
        """Circular padding (left, right), F - 1 pixels in all."""
        left = (self.F - 1) // 2 if self.F % 2 else self.F // 2 - 1
        return left, self.F - 1 - left

    @property
    def lengths(self) -> tuple[int, ...]:
        """Lengths n_0 = d, n_1, ..., n_L of the input and of every block."""
        out = [self.d]
        for _ in range(self.L):
            out.append(-(-out[-1] // self.stride))
        return tuple(out)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (1, self.d)

    @property
    def input_description(self) -> str:
        return f"1, d={self.d}"

    @property
    def n_out(self) -> int:
        return 1

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {}
        for k in range(1, self.L + 1):
            shapes[f"w{k}"] = (self.width, 1 if k == 1 else self.width, self.F)
            shapes[f"b{k}"] = (self.width,)
        shapes["beta"] = (self.width,)
        shapes["b_out"] = (1,)
        return shapes

    def _block(self, h: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """One block on channels-last activations [..., batch, n, C] -> [..., batch, n_out, H]."""
        left, right = self.padding
        n = h.shape[-2]
        hp = torch.cat([h[..., n - left:, :], h, h[..., :right, :]], dim=-2) if left or right else h
        win = hp.unfold(-2, self.F, self.stride)  # [..., batch, n_out, C, F]
        *lead, batch, n_out, c, f = win.shape
        rows = win.reshape(*lead, batch * n_out, c * f)  # index c * F + j, as w.reshape(H, C * F)
        filt = w.reshape(*w.shape[:-2], c * f).transpose(-1, -2)  # [..., C * F, H]
        pre = torch.matmul(rows, filt) / math.sqrt(c * f)
        pre = pre.reshape(*lead, batch, n_out, self.width) + b[..., None, None, :]
        return math.sqrt(self.F) * torch.relu(pre)

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = x.transpose(-1, -2)  # channels last: [..., batch, d, 1]
        layers = []
        for k in range(1, self.L + 1):
            h = self._block(h, params[f"w{k}"], params[f"b{k}"])
            layers.append(h)
        if features:
            return [a.transpose(-1, -2) for a in layers]
        pooled = h.mean(dim=-2)  # [..., batch, H]
        out = readout_matvec(pooled, params["beta"])
        out = out / self.width if self.readout == "mean_field" else out / math.sqrt(self.width)
        return out + params["b_out"]
