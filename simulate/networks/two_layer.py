"""One-hidden-layer ReLU network on real inputs, mean-field readout (THEORY.md section 1).

    f(x) = (1/h) sum_i beta_i relu(w_i . x / sqrt(d) + b_i),

with every parameter standard normal at initialisation (Paccolat et al.,
arXiv:2007.11471). Inputs are ``[..., batch, d]`` real vectors (the stripe
and cylinder models), the output is ``[..., batch]``. Like the networks of
:mod:`simulate.networks.base`, the spec holds no tensors, parameters are a
``dict`` (``w`` [h, d], ``b`` [h], ``beta`` [h]) and leading axes of the
parameters evaluate E models at once (:meth:`TwoLayerReLU.apply_ensemble`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from .base import Network, Params, check_int

__all__ = ["TwoLayerReLU", "compression_ratio"]


@dataclass(frozen=True)
class TwoLayerReLU(Network):
    """``f(x) = beta . relu(w x / sqrt(d) + b) / width`` for inputs [..., batch, d]; `width` hidden units."""

    kind: ClassVar[str] = "two_layer_relu"
    d: int
    width: int

    def __post_init__(self) -> None:
        check_int(self.d, "d", 1)
        check_int(self.width, "width", 1)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {"w": (self.width, self.d), "b": (self.width,), "beta": (self.width,)}

    def _check_x(self, x: Any, lead: tuple[int, ...]) -> None:
        want = "[" + "".join(f"{n}, " for n in lead) + f"batch, d={self.d}]"
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise ValueError(f"x must be a floating tensor {want}, got {type(x).__name__}")
        if x.ndim != len(lead) + 2 or tuple(x.shape[: len(lead)]) != lead or x.shape[-1] != self.d:
            raise ValueError(f"x must have shape {want}, got {list(x.shape)}")

    def pre_activations(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """``w x / sqrt(d) + b``, [..., batch, width]."""
        return torch.matmul(x, params["w"].transpose(-1, -2)) / math.sqrt(self.d) + params["b"].unsqueeze(-2)

    def _forward(self, params: Params, x: torch.Tensor, hidden: bool = False) -> Any:
        h = torch.relu(self.pre_activations(params, x))
        if hidden:
            return [h]
        return torch.matmul(h, params["beta"].unsqueeze(-1)).squeeze(-1) / self.width

    def apply(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Output [batch] of one model for inputs `x` [batch, d] (pure function)."""
        self._check_x(x, ())
        return self._forward(params, x)


def compression_ratio(w: torch.Tensor, d_par: int) -> torch.Tensor:
    """lambda = (|w_par| / sqrt(d_par)) / (|w_perp| / sqrt(d - d_par)) of first-layer weights [..., h, d].

    Frobenius norms of the weights restricted to the informative coordinates
    (the first `d_par`) and to the uninformative ones, each per direction
    (THEORY.md section 1). Returns a tensor of the leading shape.
    """
    d = w.shape[-1]
    if not 1 <= d_par < d:
        raise ValueError(f"d_par={d_par} must satisfy 1 <= d_par < d={d} (lambda needs uninformative directions)")
    par = w[..., :d_par].pow(2).sum(dim=(-1, -2)) / d_par
    perp = w[..., d_par:].pow(2).sum(dim=(-1, -2)) / (d - d_par)
    return torch.sqrt(par / perp)
