"""Shallow fully connected network: one hidden ReLU layer on the flattened input, mean-field readout.

    f(x) = beta^T relu( w1 vec(x) / sqrt(v d)  (+ b1) ) / H,

with vec(x) the [v * d] flattening of the one-hot input (channel-major, as
``x.flatten(-2)``). The shallow contrast of the Random Hierarchy Model
(arXiv:2307.02129): its sample complexity grows with P_max, exponentially in d.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..runs.checks import check_bool, check_int
from .base import Network, Params

__all__ = ["ShallowFCN"]


@dataclass(frozen=True)
class ShallowFCN(Network):
    """Two-layer fully connected net on inputs [batch, v, d] with `width` hidden units.

    Parameters: ``w1`` [H, v * d], ``b1`` [H] when `bias`, ``beta`` [H, n_c].
    Features: the hidden layer, [batch, H].
    """

    kind: ClassVar[str] = "shallow_fcn"
    v: int
    n_c: int
    d: int
    width: int
    bias: bool = False
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        check_int(self.v, "v", 1)
        check_int(self.n_c, "n_c", 2)
        check_int(self.d, "d", 1)
        check_int(self.width, "width", 1)
        check_bool(self.bias, "bias")
        self._check_readout()

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.v, self.d)

    @property
    def input_description(self) -> str:
        return f"v={self.v}, d={self.d}"

    @property
    def n_out(self) -> int:
        return self.n_c

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        shapes: dict[str, tuple[int, ...]] = {"w1": (self.width, self.v * self.d)}
        if self.bias:
            shapes["b1"] = (self.width,)
        shapes["beta"] = (self.width, self.n_c)
        return shapes

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        w = params["w1"]
        pre = torch.matmul(x.flatten(-2), w.transpose(-1, -2)) / math.sqrt(w.shape[-1])  # [..., batch, H]
        if self.bias:
            pre = pre + params["b1"].unsqueeze(-2)
        h = torch.relu(pre)
        if features:
            return [h]
        return self._readout_positions(h.unsqueeze(-2), params["beta"])
