"""Scale-detection tasks: two active pixels, labelled by how far apart they are (arXiv:2210.01506).

Tomasini, Petrini, Cagnetta, Wyart, "How deep convolutional neural networks
lose spatial information with training", MLST 2023 (docs/science.md section 4).

An input is an image that is zero except at two distinct active pixels of
equal positive value (``value``; default sqrt(number of pixels / 2), as in
the authors' scripts, so that |x|^2 = number of pixels):

* :class:`ScaleDetection1D`, d pixels, inputs ``[P, 1, d]`` (one channel).
  Task 2 (the authors' scripts): label +1 iff the two pixels lie in the same
  block of ``xi`` pixels (``r1 // xi == r2 // xi``), else -1. Task 1: +1 iff
  the periodic distance ``min(|r1 - r2|, d - |r1 - r2|) < xi - gap``, -1 iff
  it is ``>= xi + gap``; pairs in between are discarded.
* :class:`ScaleDetection2D`, d x d pixels, inputs ``[P, 1, d, d]``: +1 iff
  the (non-periodic) Euclidean distance of the two pixels is ``< xi - gap``,
  -1 iff ``>= xi + gap`` (d = 28, xi = 14, gap = 2 in the authors' runs).

Every unordered pair of pixels is enumerated (:meth:`pairs`); positions are
pixel indices (flat ``row * d + col`` in 2D), ``r1 < r2``.
:meth:`split` balances the classes by truncating the larger one (which of its
members are kept is drawn from the seed) and returns disjoint training and
test sets. :meth:`sample` draws iid points of the same balanced law (the
``sample`` of every data model, :class:`.base.Samples`; ``input_shape`` is
``(1, *image_shape)``).
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..runs.checks import (check_choice, check_dtype, check_finite, check_float, check_int, check_memory, check_seed,
                           check_size, require, show)
from ..runs.device import resolve_device

__all__ = ["ScaleDetection1D", "ScaleDetection2D", "TASKS"]

TASKS = (1, 2)


class _PairTask:
    """Shared machinery of the scale-detection tasks: enumeration, class balance, split, images.

    Subclasses define ``n_pixels``, ``image_shape``, ``value`` and ``_region(r1, r2)``
    (+1, -1, or 0 for a discarded pair; int64 position tensors in, int64 out).
    """

    kind: ClassVar[str] = "pair_task"
    value: float | None

    @property
    def n_pixels(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def image_shape(self) -> tuple[int, ...]:  # pragma: no cover - interface
        raise NotImplementedError

    def _region(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def _check_value(self) -> None:
        if self.value is not None:
            check_float(self.value, "value", 0.0, low_open=True)

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one input: ``(1, *image_shape)`` (one channel)."""
        return (1, *self.image_shape)

    @property
    def amplitude(self) -> float:
        """Value of the active pixels: `value`, or sqrt(n_pixels / 2) when it is None."""
        return float(self.value) if self.value is not None else math.sqrt(self.n_pixels / 2)

    def region(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
        """The labelling rule on pixel positions: +1, -1, or 0 where the pair is discarded (int64)."""
        r1, r2 = torch.as_tensor(r1, dtype=torch.int64), torch.as_tensor(r2, dtype=torch.int64)
        return self._region(r1, r2)

    def pairs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Every valid unordered pair: positions ``[n, 2]`` (int64, r1 < r2, lexicographic) and labels ``[n]``
        (float64, -1 or +1), on the CPU."""
        n = self.n_pixels
        # triu_indices [2, P] and its transpose, the labels and the kept copies: about 64 bytes a pair
        check_memory(64 * (n * (n - 1) // 2), f"the {show(n * (n - 1) // 2)} pairs of pixels of {self!r}")
        pos = torch.triu_indices(n, n, offset=1).T.contiguous()
        lab = self._region(pos[:, 0], pos[:, 1])
        keep = lab != 0
        return pos[keep], lab[keep].to(torch.float64)

    def class_sizes(self) -> tuple[int, int]:
        """(number of +1 pairs, number of -1 pairs) before balancing."""
        _, lab = self.pairs()
        return int((lab > 0).sum()), int((lab < 0).sum())

    def n_balanced(self) -> int:
        """Pairs available after balancing: twice the size of the smaller class."""
        return 2 * min(self.class_sizes())

    def split_positions(self, n_train: int, n_test: int, seed: int) -> tuple[tuple[torch.Tensor, torch.Tensor],
                                                                             tuple[torch.Tensor, torch.Tensor]]:
        """Disjoint balanced training and test pairs: ``((pos_train [n_train, 2], y_train), (pos_test, y_test))``.

        Each class is permuted with ``torch.Generator().manual_seed(seed)`` (the +1 class first)
        and truncated to the size of the smaller class; the two permutations are interleaved
        (+1, -1, +1, -1, ...); the test set is the first `n_test` of that sequence and the
        training set the next `n_train`. Both are balanced up to one point, the test set does
        not depend on `n_train`, and training sets of one ``(seed, n_test)`` are nested in `n_train`.
        """
        n_train = check_int(n_train, "n_train", 0)
        n_test = check_int(n_test, "n_test", 0)
        seed = check_seed(seed)
        pos, lab = self.pairs()
        plus, minus = pos[lab > 0], pos[lab < 0]
        n_min = min(len(plus), len(minus))
        require(
            n_train + n_test <= 2 * n_min,
            f"n_train + n_test = {n_train} + {n_test} = {n_train + n_test} exceeds the {2 * n_min} balanced pairs "
            f"of {self!r} ({len(plus)} pairs labelled +1, {len(minus)} labelled -1)",
        )
        gen = torch.Generator(device="cpu").manual_seed(seed)
        perm_plus = torch.randperm(len(plus), generator=gen)[:n_min]
        perm_minus = torch.randperm(len(minus), generator=gen)[:n_min]
        order = torch.stack([plus[perm_plus], minus[perm_minus]], dim=1).reshape(2 * n_min, 2)
        labels = torch.tensor([1.0, -1.0], dtype=torch.float64).repeat(n_min)
        test = (order[:n_test], labels[:n_test])
        train = (order[n_test:n_test + n_train], labels[n_test:n_test + n_train])
        return train, test

    def images(self, positions: torch.Tensor, *, device: str | torch.device | None = None,
               dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """Inputs ``[n, 1, *image_shape]`` with the pixels `positions` [n, 2] set to :attr:`amplitude`."""
        dtype = check_dtype(dtype)
        dev = resolve_device(device)
        positions = torch.as_tensor(positions, dtype=torch.int64)
        if positions.ndim != 2 or positions.shape[1] != 2:
            raise ValueError(f"positions must have shape [n, 2], got {list(positions.shape)}")
        if positions.numel() and (int(positions.min()) < 0 or int(positions.max()) >= self.n_pixels):
            raise ValueError(f"positions must lie in [0, {self.n_pixels})")
        check_memory(2 * positions.shape[0] * self.n_pixels * torch.empty(0, dtype=dtype).element_size(),
                     f"positions: {positions.shape[0]} images of {self.n_pixels} pixels", dev)
        require(self.amplitude <= torch.finfo(dtype).max,
                f"value={self.value!r} exceeds the range of dtype={dtype} (at most {torch.finfo(dtype).max:.4g})")
        x = torch.zeros(positions.shape[0], self.n_pixels, dtype=dtype)
        x.scatter_(1, positions, self.amplitude)
        return x.reshape(positions.shape[0], 1, *self.image_shape).to(dev)

    def positions(self, x: torch.Tensor) -> torch.Tensor:
        """The two active pixels of each input ``[n, 1, *image_shape]``: positions [n, 2] (int64, r1 < r2, x's device).

        Raises ``ValueError`` unless every input has exactly two nonzero pixels.
        """
        want = [1, *self.image_shape]
        if not isinstance(x, torch.Tensor) or x.ndim != 2 + len(self.image_shape) or list(x.shape[1:]) != want:
            got = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must have shape [n, {', '.join(map(str, want))}], got {got}")
        check_finite(x, "x")
        active = x.reshape(x.shape[0], -1) != 0
        counts = active.sum(1)
        if bool((counts != 2).any()):
            bad = int((counts != 2).nonzero()[0, 0])
            raise ValueError(f"every input must have exactly two active (nonzero) pixels; input {bad} has "
                             f"{int(counts[bad])}")
        return active.nonzero()[:, 1].reshape(x.shape[0], 2)

    def label(self, x: torch.Tensor) -> torch.Tensor:
        """Labels of inputs ``[n, 1, *image_shape]`` by the task's rule: +1., -1., or 0. for a pair in the gap
        (x's dtype and device)."""
        pos = self.positions(x)
        return self._region(pos[:, 0], pos[:, 1]).to(x.dtype)

    def sample(
        self,
        n: int,
        seed: int,
        *,
        stream: int = 0,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`n` iid labelled points of the balanced task, with replacement (:meth:`split` draws distinct ones).

        Each point's label is +1 or -1 with probability 1/2 and its pair is uniform among the pairs of
        that label (:meth:`pairs`): the law of the points of :meth:`split`. The labels and the pairs
        come from the two children of ``np.random.SeedSequence([seed, stream])``, so that the same
        ``(seed, stream)`` gives the same points, other streams are independent, and the first `n`
        points of a larger draw are those of a smaller one.

        Returns ``x`` images [n, 1, *image_shape] (:meth:`images`) and ``y`` labels [n] in {-1., +1.}
        (equal to ``label(x)``), both of `dtype` on `device`.
        """
        n = check_int(n, "n", 0)
        seed = check_seed(seed)
        stream = check_int(stream, "stream", 0)
        dtype = check_dtype(dtype)
        dev = resolve_device(device)
        pos, lab = self.pairs()
        plus, minus = pos[lab > 0], pos[lab < 0]
        r_label, r_pair = (np.random.default_rng(c) for c in np.random.SeedSequence([seed, stream]).spawn(2))
        is_plus = torch.from_numpy(r_label.random(n) < 0.5)
        u = torch.from_numpy(r_pair.random(n))
        pick_plus = (u * len(plus)).long().clamp_(max=len(plus) - 1)
        pick_minus = (u * len(minus)).long().clamp_(max=len(minus) - 1)
        chosen = torch.where(is_plus[:, None], plus[pick_plus], minus[pick_minus])
        y = torch.where(is_plus, 1.0, -1.0).to(device=dev, dtype=dtype)
        return self.images(chosen, device=dev, dtype=dtype), y

    def split(
        self,
        n_train: int,
        n_test: int,
        seed: int,
        *,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
        """Disjoint balanced training and test sets ``((x_train, y_train), (x_test, y_test))``.

        Parameters
        ----------
        n_train, n_test : sizes (integers >= 0); ``n_train + n_test`` may not exceed
            :meth:`n_balanced` (twice the smaller class).
        seed : non-negative integer; which pairs are drawn (:meth:`split_positions`).
        device : torch device; ``None``: CUDA when present, else CPU.
        dtype : floating dtype of inputs and labels.

        Returns
        -------
        x : inputs ``[n, 1, *image_shape]``; y : labels ``[n]`` in {-1., +1.}.
        """
        dev = resolve_device(device)
        dtype = check_dtype(dtype)
        return tuple(  # type: ignore[return-value]
            (self.images(pos, device=dev, dtype=dtype), lab.to(device=dev, dtype=dtype))
            for pos, lab in self.split_positions(n_train, n_test, seed)
        )


@dataclass(frozen=True)
class ScaleDetection1D(_PairTask):
    """One-dimensional scale detection: d pixels, two active ones, scale `xi`.

    Parameters
    ----------
    d : number of pixels (>= 2).
    xi : the scale. Task 2: a power of 2 (>= 2) dividing d with d >= 2 xi (so that both labels
        occur): blocks ``[j xi, (j + 1) xi)``. Task 1: an integer >= 2.
    task : 2 (same block, the authors' scripts) or 1 (periodic distance with a gap).
    gap : task 1 only (leave 0 for task 2): pairs with ``xi - gap <= distance < xi + gap`` are
        discarded. Must leave both labels populated (``xi - gap > 1`` and ``xi + gap <= d // 2``).
    value : value of the active pixels (> 0); None: sqrt(d / 2).
    """

    kind: ClassVar[str] = "scale_detection_1d"

    d: int
    xi: int
    task: int = 2
    gap: float = 0.0
    value: float | None = None

    def __post_init__(self) -> None:
        check_size(self.d, "d", 2)
        check_choice(self.task, "task", TASKS)
        check_float(self.gap, "gap", 0.0)
        self._check_value()
        if self.task == 2:
            xi = self.xi
            ok = isinstance(xi, numbers.Integral) and not isinstance(xi, bool) and xi >= 2 and xi & (xi - 1) == 0
            require(ok and self.d % xi == 0 and self.d >= 2 * xi,
                    f"xi={xi!r} must be a power of 2 (2, 4, 8, ...) dividing d={self.d} with d >= 2*xi (task 2)")
            require(self.gap == 0, f"gap={self.gap!r}: the gap is used by task 1 only; leave gap=0 for task 2")
        else:
            check_int(self.xi, "xi", 2)
            require(self.xi - self.gap > 1 and self.xi + self.gap <= self.d // 2,
                    f"xi={self.xi}, gap={self.gap}, d={self.d}: task 1 needs xi - gap > 1 (some pairs labelled +1) "
                    f"and xi + gap <= d // 2 = {self.d // 2} (some pairs labelled -1)")

    @property
    def n_pixels(self) -> int:
        return self.d

    @property
    def image_shape(self) -> tuple[int, ...]:
        return (self.d,)

    def block(self, r: torch.Tensor | int) -> torch.Tensor | int:
        """Block index ``r // xi`` of pixel positions (task 2: the label is +1 iff both pixels share it)."""
        return r // self.xi

    def distance(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
        """Periodic distance ``min(|r1 - r2|, d - |r1 - r2|)`` (task 1)."""
        a = (torch.as_tensor(r1) - torch.as_tensor(r2)).abs() % self.d
        return torch.minimum(a, self.d - a)

    def _region(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
        if self.task == 2:
            same = self.block(r1) == self.block(r2)
            return torch.where(same, 1, -1).to(torch.int64)
        dist = self.distance(r1, r2).to(torch.float64)
        plus = dist < self.xi - self.gap
        minus = dist >= self.xi + self.gap
        return plus.to(torch.int64) - minus.to(torch.int64)


@dataclass(frozen=True)
class ScaleDetection2D(_PairTask):
    """Two-dimensional scale detection: a d x d image, two active pixels, Euclidean distance against `xi`.

    Parameters
    ----------
    d : side of the image (>= 2); pixels are indexed ``row * d + col``.
    xi : the scale (> 0).
    gap : >= 0; +1 iff distance < xi - gap, -1 iff distance >= xi + gap, pairs in between discarded.
        Both labels must occur: ``xi - gap > 1`` and ``xi + gap <= sqrt(2) (d - 1)``.
    value : value of the active pixels (> 0); None: sqrt(d * d / 2).

    The distance is not periodic (the authors' 2D runs use d = 28, xi = 14, gap = 2).
    """

    kind: ClassVar[str] = "scale_detection_2d"

    d: int
    xi: float
    gap: float = 0.0
    value: float | None = None

    def __post_init__(self) -> None:
        check_size(self.d, "d", 2, 46340)  # d * d pixels at most 2**31 - 1
        check_float(self.xi, "xi", 0.0, low_open=True)
        check_float(self.gap, "gap", 0.0)
        self._check_value()
        require(self.xi - self.gap > 1 and self.xi + self.gap <= math.sqrt(2) * (self.d - 1),
                f"xi={self.xi}, gap={self.gap}, d={self.d}: need xi - gap > 1 (some pairs labelled +1) and "
                f"xi + gap <= sqrt(2) (d - 1) (some pairs labelled -1)")

    @property
    def n_pixels(self) -> int:
        return self.d * self.d

    @property
    def image_shape(self) -> tuple[int, ...]:
        return (self.d, self.d)

    def coordinates(self, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(row, col) of flat pixel indices."""
        r = torch.as_tensor(r, dtype=torch.int64)
        return r // self.d, r % self.d

    def squared_distance(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
        (y1, x1), (y2, x2) = self.coordinates(r1), self.coordinates(r2)
        return (y1 - y2).pow(2) + (x1 - x2).pow(2)

    def _region(self, r1: torch.Tensor, r2: torch.Tensor) -> torch.Tensor:
        dist = self.squared_distance(r1, r2).to(torch.float64).sqrt()
        plus = dist < self.xi - self.gap
        minus = dist >= self.xi + self.gap
        return plus.to(torch.int64) - minus.to(torch.int64)
