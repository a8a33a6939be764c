"""Sparse Random Hierarchy Model (SRHM): the RHM with uninformative "empty" symbols.

Tomasini, Wyart, "How deep networks learn sparse and hierarchical data: the
Sparse Random Hierarchy Model", ICML 2024, arXiv:2404.10727 (the sparsity of
type (a) of that paper). The informative skeleton is the
:class:`~simulate.data.rhm.RandomHierarchyModel` with the same parameters and
rules (:attr:`SparseRandomHierarchyModel.dense`).

Each production places each of its ``s`` informative symbols at one of
``s0 + 1`` positions of its own sub-patch; the ``s0`` other positions hold the
empty symbol ``v`` (vocabulary ``v + 1``). A patch therefore has ``s*(s0+1)``
positions, and an empty symbol produces a patch of empty symbols one level
down, so the input has ``input_dim = (s*(s0+1))**L`` tokens, ``s**L`` of them
informative. ``s0 = 0`` is the RHM (the empty symbol never occurs).

Convention: the positions are random choices of each sample, like the
synonym choices. A member of the dataset is ``(class, choices, positions)``:
``choices`` [n_nodes] in [m] as in the RHM, and ``positions`` [n_nodes, s]
in [s0+1], ``positions[j, i]`` being the position of child ``i`` of internal
node ``j`` inside its sub-patch (nodes in the breadth-first order of the
RHM). Hence ``p_max = n_c * m**n_nodes * (s0+1)**(s*n_nodes)``; the
mixed-radix index has digits (class, choices, positions row by row), class
most significant.

Levels are indexed by depth as in the RHM (level 0 = class, level L = input);
:meth:`SparseRandomHierarchyModel.tree` gives, for level ``l``, the sparse
sequence of length ``(s*(s0+1))**l`` (level 0: the class).

The model shares with the RHM its rules and lookup tables (:mod:`.rhm_rules`),
its seeding (:mod:`.rhm_seeding`) and the machinery of dataset indices, splits,
one-hot inputs, ``sample`` and ``decode``
(:class:`~.rhm_indexing.IndexedHierarchy`); this module holds what is its own:
the positions, the sparse generation and parsing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from ..runs.checks import check_int, check_seed
from .rhm import RandomHierarchyModel
from .rhm_indexing import IndexedHierarchy, as_long, check_range
from .rhm_rules import check_rhm_parameters, check_rhm_size, lookup
from .rhm_seeding import TAG_POSITIONS, positions_rng, seed_rng

__all__ = ["SparseRandomHierarchyModel"]


@dataclass(frozen=True)
class SparseRandomHierarchyModel(IndexedHierarchy):
    """Sparse RHM (arXiv:2404.10727): RHM parameters plus ``s0 >= 0`` empty positions per sub-patch.

    Tokens take values in ``[v + 1]``; ``v`` (:attr:`empty`) is the empty symbol.
    """

    kind: ClassVar[str] = "sparse_rhm"

    n_c: int
    v: int
    m: int
    s: int
    L: int
    s0: int
    rules_seed: int = 0

    def __post_init__(self) -> None:
        names = ("n_c", "v", "m", "s", "L", "rules_seed")
        values = check_rhm_parameters(*(getattr(self, k) for k in names))
        for k, val in zip(names, values):
            object.__setattr__(self, k, val)
        object.__setattr__(self, "s0", check_int(self.s0, "s0", 0))
        check_rhm_size(self.n_c, self.m, self.s, self.L, self.s0)

    # -- sizes
    @property
    def dense(self) -> RandomHierarchyModel:
        """The informative skeleton: the RHM with the same parameters and rules."""
        return RandomHierarchyModel(self.n_c, self.v, self.m, self.s, self.L, self.rules_seed)

    @property
    def empty(self) -> int:
        """The empty symbol, ``v``."""
        return self.v

    @property
    def patch(self) -> int:
        """Positions per patch, ``s*(s0+1)``."""
        return self.s * (self.s0 + 1)

    @property
    def input_dim(self) -> int:
        """Number of input tokens, ``(s*(s0+1))**L``."""
        return self.patch**self.L

    @property
    def n_channels(self) -> int:  # type: ignore[override]
        """One-hot channels: ``v + 1`` (the last one is the empty symbol)."""
        return self.v + 1

    def _radices(self) -> list[int]:
        return [self.n_c] + [self.m] * self.n_nodes + [self.s0 + 1] * (self.s * self.n_nodes)

    def _n_digits(self) -> int:
        return 1 + self.n_nodes * (1 + self.s)

    # -- members <-> indices
    def check_members(self, classes: Any, choices: Any, positions: Any) -> tuple[torch.Tensor, ...]:
        classes, choices = self.dense.check_members(classes, choices)
        positions = as_long(positions, "positions", classes.device)
        if positions.shape != (classes.shape[0], self.n_nodes, self.s):
            raise ValueError(f"positions must be [n, n_nodes={self.n_nodes}, s={self.s}], got {tuple(positions.shape)}")
        check_range(positions, self.s0 + 1, "positions")
        return classes, choices, positions

    def choices_from_indices(
        self, idx: Any, *, device: str | torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Dataset indices [n] -> ``(classes [n], choices [n, n_nodes], positions [n, n_nodes, s])``."""
        t = self._digits_of(idx, device)
        k = 1 + self.n_nodes
        return t[:, 0].contiguous(), t[:, 1:k].contiguous(), t[:, k:].reshape(-1, self.n_nodes, self.s).contiguous()

    def indices_from_choices(self, classes: Any, choices: Any, positions: Any) -> np.ndarray:
        """Inverse of :meth:`choices_from_indices`: numpy int64 indices (object past int64)."""
        classes, choices, positions = self.check_members(classes, choices, positions)
        return self._index_of(classes[:, None], choices, positions.reshape(classes.shape[0], -1))

    # -- generation
    def _generate(self, classes: torch.Tensor, choices: torch.Tensor, positions: torch.Tensor, keep: bool) -> list[torch.Tensor]:
        dense = self.dense
        tab = dense.tables(classes.device)
        n, s, m, B = classes.shape[0], self.s, self.m, self.patch
        offsets = torch.arange(s, device=classes.device) * (self.s0 + 1)
        sym = classes[:, None]
        where = torch.zeros(n, 1, dtype=torch.int64, device=classes.device)  # sparse position of each node
        out = [sym]
        for depth in range(self.L):
            start = (s**depth - 1) // (s - 1)
            h = choices[:, start : start + s**depth]
            sym = tab.flat[depth].index_select(0, (sym * m + h).reshape(-1)).view(n, s ** (depth + 1))
            pos = positions[:, start : start + s**depth, :]
            where = (where[:, :, None] * B + offsets + pos).reshape(n, s ** (depth + 1))
            if keep or depth == self.L - 1:
                seq = torch.full((n, B ** (depth + 1)), self.empty, dtype=torch.int64, device=classes.device)
                out.append(seq.scatter_(1, where, sym))
        return out

    def tree(self, classes: Any, choices: Any, positions: Any) -> list[torch.Tensor]:
        """Sparse sequences at every level: L+1 tensors, level l of shape [n, (s*(s0+1))**l].

        Level 0 is the class; levels >= 1 hold symbols in [v] or the empty symbol v.
        """
        return self._generate(*self.check_members(classes, choices, positions), keep=True)

    def tokens(self, classes: Any, choices: Any, positions: Any) -> torch.Tensor:
        """Input tokens int64 [n, (s*(s0+1))**L] with values in [v+1] (v = empty)."""
        return self._generate(*self.check_members(classes, choices, positions), keep=False)[-1]

    def tokens_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> torch.Tensor:
        """Input tokens of the members with dataset indices `idx`."""
        return self._generate(*self.choices_from_indices(idx, device=device), keep=False)[-1]

    def sample_choices(
        self, n: int, seed: int, *, stream: int = 0, device: str | torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """`n` iid uniform members: ``(classes, choices, positions)``; nested in `n`.

        Classes and choices are those of ``self.dense.sample_choices`` with the same arguments.
        """
        self._check_request(check_int(n, "n", 0), "n", device)
        classes, choices = self.dense.sample_choices(n, seed, stream=stream, device=device)
        rng = positions_rng(seed, stream)
        pos = rng.integers(0, self.s0 + 1, size=(n, self.n_nodes, self.s), dtype=np.int64)
        return classes, choices, torch.from_numpy(pos).to(classes.device)

    def _member_tokens(self, classes: torch.Tensor, choices: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        return self._generate(classes, choices, positions, keep=False)[-1]

    # -- going up
    def remove_empty(self, tokens: Any) -> torch.Tensor:
        """The informative tokens [n, s**L] of each row, in order (ValueError unless each row has s**L)."""
        t = self._check_tokens(tokens)
        informative = t != self.empty
        counts = informative.sum(1)
        if t.shape[0] and not bool((counts == self.s**self.L).all()):
            raise ValueError(f"every row must hold exactly s**L={self.s**self.L} non-empty tokens")
        return t[informative].view(t.shape[0], self.s**self.L)

    def parse(self, tokens: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Invert the rules and the placements: tokens -> ``(classes, choices, positions)``.

        Checks the whole structure (every empty block, one informative symbol
        per sub-patch of a non-empty block, every tuple in the rules); rows
        that fail get class -1 and choices and positions -1.
        """
        t = self._check_tokens(tokens)
        E, s, m, B, q = self.empty, self.s, self.m, self.patch, self.s0 + 1
        t = torch.where((t >= 0) & (t <= E), t, -1)
        tab = self.dense.tables(t.device)
        n = t.shape[0]
        choices = torch.full((n, self.n_nodes), -1, dtype=torch.int64, device=t.device)
        positions = torch.full((n, self.n_nodes, s), -1, dtype=torch.int64, device=t.device)
        ok = torch.ones(n, dtype=torch.bool, device=t.device)
        cur = t
        for depth in range(self.L - 1, -1, -1):
            blocks = cur.view(n, B**depth, s, q)
            informative = blocks != E
            count = informative.sum(-1)  # [n, K, s]
            empty_block = (count == 0).all(-1)
            child = torch.where(informative, blocks, 0).sum(-1)  # the informative symbol where count == 1
            pos = informative.to(torch.int8).argmax(-1)
            found, value = lookup(tab, depth, child)
            found &= (count == 1).all(-1)
            # informative blocks, in order, are the nodes of this level
            nonempty = ~empty_block
            ok &= nonempty.sum(1) == s**depth
            order = torch.argsort(empty_block.to(torch.int8), dim=1, stable=True)[:, : s**depth]
            sl = slice((s**depth - 1) // (s - 1), (s**depth - 1) // (s - 1) + s**depth)
            node_found = found.gather(1, order)
            choices[:, sl] = torch.where(node_found, value.gather(1, order) % m, -1)
            positions[:, sl, :] = pos.gather(1, order[:, :, None].expand(-1, -1, s)).to(torch.int64)
            cur = torch.where(found, value // m, torch.where(empty_block, E, -1))
        classes = torch.where(ok & (cur[:, 0] >= 0) & (cur[:, 0] < self.n_c), cur[:, 0], -1)
        bad = classes < 0
        choices[bad] = -1
        positions[bad] = -1
        return classes, choices, positions

    # -- re-draws
    def resample_synonyms(self, choices: Any, level: int, seed: int) -> torch.Tensor:
        """Redraw the synonym choices of the nodes of levels >= `level` (as the RHM's); positions untouched."""
        return self.dense.resample_synonyms(choices, level, seed)

    def resample_positions(self, positions: Any, level: int, seed: int) -> torch.Tensor:
        """Redraw the positions of the children of every node of levels >= `level`; keep the others.

        ``positions`` [n, n_nodes, s]; ``0 <= level <= L-1``. The sparse
        sequences of levels 0..level are unchanged; the informative symbols
        (the dense tree) are unchanged at every level.
        """
        positions = as_long(positions, "positions")
        if positions.ndim != 3 or positions.shape[1:] != (self.n_nodes, self.s):
            raise ValueError(f"positions must be [n, n_nodes={self.n_nodes}, s={self.s}], got {tuple(positions.shape)}")
        level = check_int(level, "level", 0, self.L - 1)
        seed = check_seed(seed)
        start = self.dense.level_slice(level).start
        rng = seed_rng(seed, TAG_POSITIONS)
        new = rng.integers(0, self.s0 + 1, size=(positions.shape[0], self.n_nodes - start, self.s), dtype=np.int64)
        out = positions.clone()
        out[:, start:] = torch.from_numpy(new).to(positions.device)
        return out
