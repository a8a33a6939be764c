"""Stripe model: Gaussian inputs, label set by one coordinate falling in an interval.

Paccolat, Petrini, Geiger, Tyloo, Wyart, "Geometric compression of invariant
manifolds in neural nets", J. Stat. Mech. 2021, arXiv:2007.11471; kernel
results in Paccolat, Spigler, Wyart, arXiv:2006.09754.

x ~ N(0, I_d); y = +1 iff ``LOW < x_1 < HIGH`` else -1, with the thresholds
of the authors' code, which make the classes balanced
(Phi(1.18549) - Phi(-0.3) = 0.5000). The d - 1 other directions are
uninformative.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..runs.checks import check_size
from .base import DataModel

__all__ = ["Stripe"]


@dataclass(frozen=True)
class Stripe(DataModel):
    """Stripe model in dimension ``d`` (integer >= 1).

    Label +1 iff ``-0.3 < x_1 < 1.18549`` (``Stripe.LOW``, ``Stripe.HIGH``).
    """

    kind: ClassVar[str] = "stripe"
    LOW: ClassVar[float] = -0.3
    HIGH: ClassVar[float] = 1.18549

    d: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "d", check_size(self.d, "d", 1))

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, self.d))

    def label(self, x: torch.Tensor) -> torch.Tensor:
        """+1. where ``LOW < x_1 < HIGH``, else -1. (x: [n, d]; result [n], x's dtype)."""
        x = self._check_x(x)
        x1 = x[:, 0]
        inside = (x1 > self.LOW) & (x1 < self.HIGH)
        return inside.to(x.dtype) * 2 - 1
