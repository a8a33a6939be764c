"""Depleted stripe: density ~ |x_1|^chi exp(-|x|^2/2), label sign(x_1).

Tomasini, Sclocchi, Wyart, "Failure and success of the spectral bias
prediction for Laplace kernel ridge regression: the case of low-dimensional
data", ICML 2022, arXiv:2202.03348.

chi >= 0 depletes the points near the decision boundary x_1 = 0 (chi = 0 is
the standard Gaussian). Sampled exactly, without rejection: |x_1| = sqrt(2 G)
with G ~ Gamma((chi + 1)/2, 1) (so |x_1| follows a chi law with chi + 1
degrees of freedom), a uniformly random sign, and x_2, ..., x_d ~ N(0, 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..runs.checks import check_float, check_size
from .base import DataModel

__all__ = ["DepletedStripe"]


@dataclass(frozen=True)
class DepletedStripe(DataModel):
    """Depleted stripe in dimension ``d`` (integer >= 1) with depletion exponent ``chi`` >= 0.

    Label: +1. iff x_1 >= 0 (x_1 = 0 has probability zero), else -1.
    """

    kind: ClassVar[str] = "depleted_stripe"
    n_substreams: ClassVar[int] = 3  # |x_1|, sign of x_1, the other coordinates

    d: int
    chi: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "d", check_size(self.d, "d", 1))
        object.__setattr__(self, "chi", check_float(self.chi, "chi", 0.0))

    def _draw(self, n: int, rng: list[np.random.Generator]) -> np.ndarray:
        g_rng, sign_rng, rest_rng = rng
        radius = np.sqrt(2.0 * g_rng.gamma(shape=(self.chi + 1.0) / 2.0, scale=1.0, size=n))
        sign = np.where(sign_rng.random(n) < 0.5, -1.0, 1.0)
        x = np.empty((n, self.d))
        x[:, 0] = sign * radius
        x[:, 1:] = rest_rng.standard_normal((n, self.d - 1))
        return x

    def label(self, x: torch.Tensor) -> torch.Tensor:
        """sign(x_1) as +1./-1. (x_1 >= 0 -> +1.); result [n] in x's dtype."""
        x = self._check_x(x)
        return (x[:, 0] >= 0).to(x.dtype) * 2 - 1
