"""One-hidden-layer ReLU network on real inputs, mean-field readout (docs/science.md section 1).

    f(x) = (1/h) sum_i beta_i relu(w_i . x / sqrt(d) + b_i),

with every parameter standard normal at initialisation (Paccolat et al.,
arXiv:2007.11471). Inputs are ``[..., batch, d]`` real vectors (the stripe
and cylinder models), the output is ``[..., batch]``. Like the networks of
:mod:`simulate.networks.base`, the spec holds no tensors, parameters are a
``dict`` (``w`` [h, d], ``b`` [h], ``beta`` [h]) and leading axes of the
parameters evaluate E models at once (stacked parameters, inputs [E, batch, d]).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..runs.checks import check_size
from .base import Network, Params, readout_matvec

__all__ = ["TwoLayerReLU"]


@dataclass(frozen=True)
class TwoLayerReLU(Network):
    """``f(x) = beta . relu(w x / sqrt(d) + b) / width`` for inputs [..., batch, d]; `width` hidden units.

    Scalar output [..., batch]; features: the hidden layer [..., batch, width]. ``readout="standard"``
    divides by sqrt(width) instead (the NTK scaling of the analytic :class:`ReluNTK` kernel).
    """

    kind: ClassVar[str] = "two_layer_relu"
    scalar: ClassVar[bool] = True
    d: int
    width: int
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        check_size(self.d, "d", 1)
        check_size(self.width, "width", 1)
        self._check_readout()

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.d,)

    @property
    def input_description(self) -> str:
        return f"d={self.d}"

    @property
    def n_out(self) -> int:
        return 1

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"w": (self.width, self.d), "b": (self.width,), "beta": (self.width,)}

    def pre_activations(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """``w x / sqrt(d) + b``, [..., batch, width]."""
        return torch.matmul(x, params["w"].transpose(-1, -2)) / math.sqrt(self.d) + params["b"].unsqueeze(-2)

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = torch.relu(self.pre_activations(params, x))
        if features:
            return [h]
        out = readout_matvec(h, params["beta"])
        return out / self.width if self.readout == "mean_field" else out / math.sqrt(self.width)
