"""Cylinder model: Gaussian inputs, label set by the norm of d_par coordinates.

Paccolat, Petrini, Geiger, Tyloo, Wyart, J. Stat. Mech. 2021, arXiv:2007.11471.

x ~ N(0, I_d); with x_par = (x_1, ..., x_{d_par}), y = +1 iff
``||x_par||^2 > d_par - 2/3`` (close to the median of a chi^2 law with d_par
degrees of freedom, so the classes are nearly balanced), else -1. The
d - d_par remaining directions are uninformative.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..runs.checks import check_int, check_size
from .base import DataModel

__all__ = ["Cylinder"]


@dataclass(frozen=True)
class Cylinder(DataModel):
    """Cylinder model: input dimension ``d``, ``d_par`` informative coordinates, 2 <= d_par <= d.

    ``threshold`` (= d_par - 2/3) is the squared radius separating the classes.
    """

    kind: ClassVar[str] = "cylinder"

    d: int
    d_par: int

    def __post_init__(self) -> None:
        d = check_size(self.d, "d", 1)
        object.__setattr__(self, "d", d)
        object.__setattr__(self, "d_par", check_int(self.d_par, "d_par", 2, d))

    @property
    def threshold(self) -> float:
        """Squared radius d_par - 2/3: label +1 outside it."""
        return self.d_par - 2.0 / 3.0

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, self.d))

    def label(self, x: torch.Tensor) -> torch.Tensor:
        """+1. where ``||x[:, :d_par]||^2 > d_par - 2/3``, else -1. (result [n], x's dtype)."""
        x = self._check_x(x)
        r2 = x[:, : self.d_par].pow(2).sum(dim=1)
        return (r2 > self.threshold).to(x.dtype) * 2 - 1
