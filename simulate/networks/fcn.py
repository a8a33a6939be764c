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

from ..runs.checks import check_size
from .base import Params, SequenceClassifier, layer_shapes

__all__ = ["ShallowFCN"]


@dataclass(frozen=True)
class ShallowFCN(SequenceClassifier):
    """Two-layer fully connected net on inputs [batch, v, d] with `width` hidden units (default 64); v, n_c
    and d may be left None (:meth:`for_data` takes them from an RHM).

    Parameters: ``w1`` [H, v * d], ``b1`` [H] when `bias`, ``beta`` [H, n_c].
    Features: the hidden layer, [batch, H].
    """

    kind: ClassVar[str] = "shallow_fcn"
    shape_fields: ClassVar[tuple[str, ...]] = ("v", "n_c", "d")
    v: int | None = None
    n_c: int | None = None
    d: int | None = None
    width: int = 64
    bias: bool = False
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        if self.d is not None:
            check_size(self.d, "d", 1)
        self._check_sequence_fields()

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From an RHM: its channels, classes and input length."""
        return {**super()._data_fields(data), "d": data.input_dim}

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return layer_shapes([(self.width, self.v * self.d)], [(self.width,)] if self.bias else None,
                            (self.width, self.n_c))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        w = params["w1"]
        pre = torch.matmul(x.flatten(-2), w.transpose(-1, -2)) / math.sqrt(w.shape[-1])  # [..., batch, H]
        if self.bias:
            pre = pre + params["b1"].unsqueeze(-2)
        h = torch.relu(pre)
        if features:
            return [h]
        return self._readout_positions(h.unsqueeze(-2), params["beta"])
