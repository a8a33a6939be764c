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
from typing import Any, Callable, ClassVar

import torch

from ..runs.checks import check_size
from .base import Network, Params, readout_matvec

__all__ = ["TwoLayerReLU"]


@dataclass(frozen=True)
class TwoLayerReLU(Network):
    """``f(x) = beta . relu(w x / sqrt(d) + b) / width`` for inputs [..., batch, d]; `width` hidden units.

    `d` may be left None (:meth:`for_data` takes it from the data); `width` defaults to 64.
    Scalar output [..., batch]; features: the hidden layer [..., batch, width]. ``readout="standard"``
    divides by sqrt(width) instead (the NTK scaling of the analytic :class:`ReluNTK` kernel).
    """

    kind: ClassVar[str] = "two_layer_relu"
    scalar: ClassVar[bool] = True
    shape_fields: ClassVar[tuple[str, ...]] = ("d",)
    d: int | None = None
    width: int = 64
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        if self.d is not None:
            check_size(self.d, "d", 1)
        check_size(self.width, "width", 1)
        self._check_readout()

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From a data model of vectors [d]: its dimension."""
        return {"d": data.d}

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
        """``w x / sqrt(d) + b``, [..., batch, width].

        The division and the bias work in place on the product (the same numbers, autograd's gradient too):
        one [batch, width] buffer instead of three, which matters to the memory-bound gradient flow.
        """
        return torch.matmul(x, params["w"].transpose(-1, -2)).div_(math.sqrt(self.d)).add_(params["b"].unsqueeze(-2))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = torch.relu(self.pre_activations(params, x))
        if features:
            return [h]
        return self._readout(h, params["beta"])

    def _readout(self, h: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        out = readout_matvec(h, beta)
        return out / self.width if self.readout == "mean_field" else out / math.sqrt(self.width)

    def _output_and_vjp(self, params: Params, x: torch.Tensor) -> tuple[torch.Tensor, Callable[[torch.Tensor], Params]]:
        """:meth:`Network.output_and_vjp` by the explicit backward pass (no autograd graph).

        With ``z = w x / sqrt(d) + b``, ``h = relu(z)`` and ``f = beta . h / H``
        (``/ sqrt(H)`` for the standard readout), the gradient of ``sum_mu g_mu f(x_mu)`` is
        ``beta: h^T g / H``, ``b: sum_mu G_mu``, ``w: G^T x / sqrt(d)`` with
        ``G = (g beta^T / H) * 1[z > 0]``. The gradient flow of
        :mod:`..learners.gradient_flow` spends most of its time here: this pass
        touches the [batch, H] activations about half as often as autograd does.
        """
        h = self.pre_activations(params, x).relu_()  # in place: one [batch, H] buffer, which stays in cache
        out = self._readout(h, params["beta"])
        root, scale = math.sqrt(self.d), (self.width if self.readout == "mean_field" else math.sqrt(self.width))

        def vjp(g: torch.Tensor) -> Params:
            # The operations and their order are autograd's for _forward, so that the gradient is the same to
            # the last bit (tests/simulate/test_feature_lazy.py): a flow's records do not depend on which computed it.
            g = g / scale
            # g beta^T [..., batch, H]: each entry is one product, so the broadcast product has the bits of
            # autograd's matmul with an inner dimension of 1, at about half its cost
            gz = g.unsqueeze(-1) * params["beta"].unsqueeze(-2)
            # zero where relu is off (relu's backward), then the bias gradient, then / sqrt(d), in place
            torch.ops.aten.threshold_backward.grad_input(gz, h, 0.0, grad_input=gz)
            grad_b = gz.sum(dim=-2)
            return {
                "w": torch.matmul(x.transpose(-1, -2), gz.div_(root)).transpose(-1, -2),
                "b": grad_b,
                "beta": readout_matvec(h.transpose(-1, -2), g),
            }

        return out, vjp
