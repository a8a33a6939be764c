"""Perturbations of inputs, for :func:`.sensitivity.sensitivity`: each maps a batch to perturbed inputs.

* :class:`SynonymResampling`: on the Random Hierarchy Model (arXiv:2307.02129),
  the same tree above level l (counted from the input) and the synonyms of
  level l and below re-drawn.
* :func:`matched_noise`: Gaussian noise matched in norm to a deformation's change
  (the G_k of the pooling and relative-stability papers).
* :class:`BlockShift`: on the scale-detection tasks (arXiv:2210.01506), each
  active pixel moves by one pixel in a random direction unless the move would
  change the label (the D_k of the pooling paper).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from ..data.rhm import RandomHierarchyModel
from ..data.scale_detection import ScaleDetection1D, ScaleDetection2D
from ..runs.checks import check_bool, check_finite, check_instance, check_int, check_seed

__all__ = ["SynonymResampling", "matched_noise", "BlockShift"]


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
        check_instance(self.rhm, "rhm", RandomHierarchyModel, "a RandomHierarchyModel")
        check_int(self.level, "level", 1, self.rhm.L)

    def __call__(self, x: torch.Tensor, seed: int) -> torch.Tensor:
        seed = check_seed(seed)
        classes, choices = self.rhm.parse(x)
        if bool((classes < 0).any()):
            raise ValueError("x holds inputs the grammar does not generate; synonyms cannot be re-drawn")
        moved = self.rhm.resample_synonyms(choices, self.rhm.L - self.level, seed)
        return self.rhm.one_hot(self.rhm.tokens(classes, moved), dtype=x.dtype)


def matched_noise(
    x: torch.Tensor,
    x_moved: torch.Tensor,
    seed: int,
    *,
    per_sample: bool = True,
    rectify: bool = False,
) -> torch.Tensor:
    """``x + eta``: Gaussian noise eta matched in norm to the change ``x_moved - x``.

    The noise half of the pooling and relative-stability sensitivities
    (arXiv:2210.01506, arXiv:2105.02468): G_k compares a layer's response to
    eta with its response to the deformation ``x -> x_moved``.

    Parameters
    ----------
    x, x_moved : a batch [batch, ...] and its deformed version (same shape).
    seed : seed of the noise (drawn on the CPU in float64 from a ``torch.Generator``,
        then moved to the device and dtype of `x`, so a seed gives the same noise everywhere).
    per_sample : True (default): each sample's eta is rescaled so that
        ``|eta_i| = |x_moved_i - x_i|`` exactly (the identity deformation then gives eta = 0).
        False: one sigma for the whole batch, ``eta ~ N(0, sigma^2)`` entry-wise with
        ``sigma^2 = mean_i |x_moved_i - x_i|^2 / (entries per sample)`` (the authors'
        1D training scripts).
    rectify : replace eta by ``relu(eta)`` after matching (the authors' 1D training
        scripts); off by default. A rectified eta has about half the matched norm.
    """
    seed = check_seed(seed)
    check_bool(per_sample, "per_sample")
    check_bool(rectify, "rectify")
    if not isinstance(x, torch.Tensor) or not isinstance(x_moved, torch.Tensor) or not x.is_floating_point():
        raise ValueError("x and x_moved must be floating tensors")
    if x.shape != x_moved.shape:
        raise ValueError(f"x_moved must have the shape of x {list(x.shape)}, got {list(x_moved.shape)}")
    if x.ndim < 2 or x.shape[0] < 1:
        raise ValueError(f"x must be a batch [batch, ...] with at least one sample, got shape {list(x.shape)}")
    check_finite(x, "x")
    check_finite(x_moved, "x_moved")
    gen = torch.Generator(device="cpu").manual_seed(seed)
    g = torch.randn(x.shape, generator=gen, dtype=torch.float64)
    change = (x_moved - x).detach().to(device="cpu", dtype=torch.float64).flatten(1).norm(dim=1)  # [batch]
    flat = g.flatten(1)
    if per_sample:
        norms = flat.norm(dim=1)
        eta = flat * torch.where(norms > 0, change / norms, torch.zeros_like(norms))[:, None]
    else:
        sigma = (change.pow(2).mean() / flat.shape[1]).sqrt()
        eta = flat * sigma
    if rectify:
        eta = torch.relu(eta)
    return x + eta.reshape(x.shape).to(device=x.device, dtype=x.dtype)


@dataclass(frozen=True)
class BlockShift:
    """The diffeomorphism of the scale-detection tasks: each active pixel moves by one pixel, label kept.

    Callable ``(x, seed) -> x_moved`` on inputs of `task` (``[n, 1, d]`` or ``[n, 1, d, d]``, exactly two
    active pixels each). The two pixels move one after the other; each draws a random move from
    ``torch.Generator().manual_seed(seed)`` (1D: +-1; 2D: one pixel up, down, left or right), and the
    move is undone when it would

    * 1D task 2: leave the image or leave the pixel's block of `xi` pixels (so the label never
      changes, as in the authors' code);
    * 1D task 1: take the periodic distance out of its label's region (< xi - gap or >= xi + gap;
      moves are periodic, as the distance is);
    * 2D: leave the image or take the Euclidean distance out of its label's region;
    * any task: put the pixel on the other active pixel (the image would lose a pixel).

    The moved pixels keep their values; every other pixel stays zero. A pixel moves by at most
    one pixel (often it cannot move and stays: near a block edge, or close to the label's edge).
    """

    task: ScaleDetection1D | ScaleDetection2D

    def __post_init__(self) -> None:
        check_instance(self.task, "task", (ScaleDetection1D, ScaleDetection2D),
                       "a ScaleDetection1D or ScaleDetection2D")

    def _allowed(self, old: torch.Tensor, new: torch.Tensor, other: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
        task = self.task
        ok = new != other
        if isinstance(task, ScaleDetection1D) and task.task == 2:
            return ok & (task.block(new) == task.block(old))
        return ok & (task.region(torch.minimum(new, other), torch.maximum(new, other)) == region)

    def _candidates(self, pos: torch.Tensor, moves: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(new positions, inside the image) of the moves (1D: 0/1 for -1/+1; 2D: 0..3 for up/down/left/right)."""
        task = self.task
        if isinstance(task, ScaleDetection1D):
            new = pos + 2 * moves - 1
            if task.task == 1:
                return new % task.d, torch.ones_like(new, dtype=torch.bool)
            return new, (new >= 0) & (new < task.d)
        row, col = task.coordinates(pos)
        drow = torch.tensor([-1, 1, 0, 0], device=pos.device)[moves]
        dcol = torch.tensor([0, 0, -1, 1], device=pos.device)[moves]
        row, col = row + drow, col + dcol
        inside = (row >= 0) & (row < task.d) & (col >= 0) & (col < task.d)
        return row * task.d + col, inside

    def __call__(self, x: torch.Tensor, seed: int) -> torch.Tensor:
        seed = check_seed(seed)
        task = self.task
        pos = task.positions(x)  # [n, 2], validates the shape and the two active pixels
        n = pos.shape[0]
        flat = x.reshape(n, -1)
        values = flat.gather(1, pos)
        region = task.region(pos[:, 0], pos[:, 1])
        gen = torch.Generator(device="cpu").manual_seed(seed)
        moves = torch.randint(0, 2 if isinstance(task, ScaleDetection1D) else 4, (n, 2), generator=gen).to(pos.device)
        pos = pos.clone()
        for j in (0, 1):
            old, other = pos[:, j], pos[:, 1 - j]
            new, inside = self._candidates(old, moves[:, j])
            ok = inside & self._allowed(old, torch.where(inside, new, old), other, region)
            pos[:, j] = torch.where(ok, new, old)
        moved = torch.zeros_like(flat)
        moved.scatter_(1, pos, values)
        return moved.reshape(x.shape)
