"""Perturbations of inputs, for :func:`.sensitivity.sensitivity`: each maps a batch to perturbed inputs.

* :class:`SynonymResampling`: on the Random Hierarchy Model (arXiv:2307.02129),
  the same tree above level l (counted from the input) and the synonyms of
  level l and below re-drawn.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data.rhm import RandomHierarchyModel
from ..runs.checks import check_int, check_seed

__all__ = ["SynonymResampling"]


@dataclass(frozen=True)
class SynonymResampling:
    """P_l x of the RHM: re-draw the productions of levels 1..`level` counted from the input.

    ``level = 1`` re-draws the productions that generate the input tokens, ``level = L``
    every production below the class (:meth:`RandomHierarchyModel.resample_synonyms`
    counts depth from the root: depth = L - level). Inputs are one-hot [batch, v, s**L];
    the output has their dtype.
    """

    rhm: RandomHierarchyModel
    level: int

    def __post_init__(self) -> None:
        check_int(self.level, "level", 1, self.rhm.L)

    def __call__(self, x: torch.Tensor, seed: int) -> torch.Tensor:
        seed = check_seed(seed)
        classes, choices = self.rhm.parse(x)
        if bool((classes < 0).any()):
            raise ValueError("x holds inputs the grammar does not generate; synonyms cannot be re-drawn")
        moved = self.rhm.resample_synonyms(choices, self.rhm.L - self.level, seed)
        return self.rhm.one_hot(self.rhm.tokens(classes, moved), dtype=x.dtype)
