"""Random Hierarchy Model (RHM): a generator of hierarchical, compositional data.

Cagnetta, Petrini, Tomasini, Favero, Wyart, "How deep neural networks learn
compositional data: the Random Hierarchy Model", Phys. Rev. X 14, 031001
(2024), arXiv:2307.02129.

Parameters: ``n_c`` classes, vocabulary of ``v`` symbols, ``m`` synonyms per
symbol, patch size ``s``, depth ``L``. Requires ``m <= v**(s-1)`` and
``n_c*m <= v**s``.

Rules (a pure function of ``rules_seed``; the levels are drawn independently)

* top level: ``n_c*m`` distinct s-tuples of symbols in ``[v]``, drawn without
  replacement; class ``c`` owns the m tuples ``rules.top[c]`` ([n_c, m, s]);
* each of the ``L-1`` lower levels: ``v*m`` distinct s-tuples drawn without
  replacement; symbol ``a`` owns ``rules.lower[k][a]`` ([v, m, s]).

Distinct tuples give every tuple one parent, so the grammar is unambiguous and
every input decodes to exactly one class (:meth:`RandomHierarchyModel.decode`).

Level convention (used throughout this module)
----------------------------------------------
The tree is indexed by *depth* from the root:

* level 0 holds one symbol, the class (in ``[n_c]``);
* level ``l`` holds ``s**l`` symbols in ``[v]``; level ``L`` is the input
  (``s**L`` tokens);
* the internal nodes are the symbols of levels ``0 .. L-1``; each picks one of
  its ``m`` productions (its *choice*, in ``[m]``), which yields the ``s``
  symbols below it. There are ``n_nodes = (s**L - 1)/(s - 1)`` of them,
  stored in breadth-first order: node ``j`` of level ``l`` is column
  ``(s**l - 1)/(s - 1) + j`` of a ``choices`` array, and its children are the
  symbols ``s*j .. s*j + s-1`` of level ``l+1``.

:meth:`RandomHierarchyModel.resample_synonyms` with ``level=l`` keeps the
choices of the nodes of levels ``< l`` and redraws those of levels ``>= l``:
the symbols of levels ``0..l`` are unchanged, those of levels ``l+1..L`` may
change. This is ``P_l x`` of docs/science.md ("same tree above level l, synonym
choices at level l and below re-drawn"), with l counted from the root. To
use a convention that counts levels from the input upwards (``ell = 1`` for
the productions that generate the input tokens), pass ``level = L - ell``.

The dataset
-----------
A member of the dataset is a class and one choice per internal node, so the
dataset has ``p_max = n_c * m**n_nodes`` equally likely members. Member
``(c, h_0, .., h_{n_nodes-1})`` has the mixed-radix index
``((c*m + h_0)*m + h_1)*m + ...`` in ``[0, p_max)``; distinct indices give
distinct inputs (the grammar is unambiguous). Indices are numpy ``int64``
arrays when ``p_max < 2**63``, else numpy object arrays of Python ints.

Modules
-------
This module holds the model, :class:`RandomHierarchyModel`, and the helpers of
one run (:func:`grammar_seed`, :func:`rhm_for_run`); the sparse variant is
:mod:`.sparse_rhm`. What the two models share lives in rooms of its own, whose
names stay importable from here:

* :mod:`.rhm_seeding`: the tags and seed sequences of every random draw;
* :mod:`.rhm_rules`: parameter checks, production rules, lookup tables;
* :mod:`.rhm_indexing`: mixed-radix digits, distinct draws, and
  :class:`~.rhm_indexing.IndexedHierarchy` (indices, splits, one-hot inputs,
  ``sample``, ``decode``), the base of both models;
* :mod:`.rhm_blocks`: composed production tables for fast generation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from ..runs.checks import check_int, check_seed
from ..runs.device import resolve_device
from . import rhm_blocks
from .rhm_indexing import _INT64_MAX, IndexedHierarchy, as_long, check_range
from .rhm_rules import (LookupTables, RHMRules, _rules, check_rhm_parameters, check_rhm_size, composed_blocks, lookup,
                        lookup_tables)
from .rhm_seeding import TAG_RESAMPLE, sample_rngs, seed_rng

__all__ = ["RandomHierarchyModel", "RHMRules"]


# ---------------------------------------------------------------------- model


@dataclass(frozen=True)
class RandomHierarchyModel(IndexedHierarchy):
    """Random Hierarchy Model (arXiv:2307.02129); see the module docstring for conventions.

    Fields: ``n_c`` classes (>= 1), vocabulary ``v`` (>= 1), ``m`` synonyms
    (1 <= m <= v**(s-1)), patch size ``s`` (>= 2), depth ``L`` (>= 1), and
    ``rules_seed`` (>= 0) which fixes the rules; also ``n_c*m <= v**s``.
    """

    kind: ClassVar[str] = "rhm"

    n_c: int
    v: int
    m: int
    s: int
    L: int
    rules_seed: int = 0

    def __post_init__(self) -> None:
        names = ("n_c", "v", "m", "s", "L", "rules_seed")
        values = check_rhm_parameters(*(getattr(self, k) for k in names))
        for k, val in zip(names, values):
            object.__setattr__(self, k, val)
        check_rhm_size(self.n_c, self.m, self.s, self.L)

    # -- sizes
    @property
    def input_dim(self) -> int:
        """Number of input tokens, ``s**L``."""
        return self.s**self.L

    @property
    def n_channels(self) -> int:  # type: ignore[override]
        """One-hot channels: ``v``."""
        return self.v

    def level_slice(self, level: int) -> slice:
        """Columns of ``choices`` that belong to the nodes of `level` (0 <= level <= L-1)."""
        level = check_int(level, "level", 0, self.L - 1)
        start = (self.s**level - 1) // (self.s - 1)
        return slice(start, start + self.s**level)

    def _radices(self) -> list[int]:
        return [self.n_c] + [self.m] * self.n_nodes

    def _n_digits(self) -> int:
        return 1 + self.n_nodes

    # -- rules
    def _key(self) -> tuple[int, ...]:
        return (self.n_c, self.v, self.m, self.s, self.L, self.rules_seed)

    @property
    def rules(self) -> RHMRules:
        """The production rules (copies): ``top`` [n_c, m, s], ``lower`` = L-1 tensors [v, m, s]."""
        r = _rules(*self._key())
        return RHMRules(r.top.clone(), tuple(t.clone() for t in r.lower))

    def tables(self, device: torch.device) -> LookupTables:
        """Lookup tables of the rules on `device` (cached; shared with the sparse variant)."""
        return lookup_tables(*self._key(), str(device))

    # -- members <-> indices
    def check_members(self, classes: Any, choices: Any) -> tuple[torch.Tensor, torch.Tensor]:
        classes = as_long(classes, "classes")
        choices = as_long(choices, "choices", classes.device)
        if classes.ndim != 1 or choices.ndim != 2 or choices.shape != (classes.shape[0], self.n_nodes):
            raise ValueError(
                f"classes must be [n] and choices [n, n_nodes={self.n_nodes}], got {tuple(classes.shape)} and {tuple(choices.shape)}"
            )
        check_range(classes, self.n_c, "classes")
        check_range(choices, self.m, "choices")
        return classes, choices

    def choices_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Dataset indices [n] in [0, p_max) -> ``(classes [n], choices [n, n_nodes])``, int64 tensors."""
        t = self._digits_of(idx, device)
        return t[:, 0], t[:, 1:]

    def classes_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> torch.Tensor:
        """Classes int64 [n] of the members with dataset indices `idx` [n]: ``idx // m**n_nodes`` (the
        class is the index's leading digit)."""
        idx = self._as_indices(idx)
        classes = (idx // self.m**self.n_nodes).astype(np.int64, copy=False)
        return torch.from_numpy(classes).to(resolve_device(device))

    def indices_from_choices(self, classes: Any, choices: Any) -> np.ndarray:
        """Inverse of :meth:`choices_from_indices`: numpy int64 indices (object past int64)."""
        classes, choices = self.check_members(classes, choices)
        return self._index_of(classes[:, None], choices)

    # -- generation
    def tree(self, classes: Any, choices: Any) -> list[torch.Tensor]:
        """Symbols at every level: a list of L+1 int64 tensors, level l of shape [n, s**l].

        Level 0 is the class, level L the input tokens (= :meth:`tokens`).
        """
        classes, choices = self.check_members(classes, choices)
        return self._tree(classes, choices)

    def _tree(self, classes: torch.Tensor, choices: torch.Tensor, keep: bool = True) -> list[torch.Tensor]:
        tab = self.tables(classes.device)
        n, s, m = classes.shape[0], self.s, self.m
        sym = classes[:, None]
        out = [sym]
        for depth in range(self.L):
            start = (s**depth - 1) // (s - 1)
            h = choices[:, start : start + s**depth]
            rows = torch.mul(sym, m).add_(h).view(-1)
            sym = tab.flat[depth].index_select(0, rows).view(n, s ** (depth + 1))
            if keep:
                out.append(sym)
            else:
                out = [sym]
        return out

    def tree_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> list[torch.Tensor]:
        """:meth:`tree` of the members with dataset indices `idx`."""
        return self._tree(*self.choices_from_indices(idx, device=device))

    def tokens(self, classes: Any, choices: Any) -> torch.Tensor:
        """Input tokens int64 [n, s**L] (values in [v]) of the members (classes [n], choices [n, n_nodes])."""
        classes, choices = self.check_members(classes, choices)
        return self._tree(classes, choices, keep=False)[-1]

    def tokens_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> torch.Tensor:
        """Input tokens int64 [n, s**L] of the members with dataset indices `idx` [n].

        The tokens of :meth:`tokens` and :meth:`tree`, computed on the CPU through composed production
        tables (:mod:`.rhm_blocks`: several levels per gather, each subtree's choices read off its index)
        when ``p_max < 2**63``, then moved to `device`.
        """
        idx = self._as_indices(idx)
        if self.p_max > _INT64_MAX:  # indices past int64: digits as Python ints, then a gather per level
            return self._tree(*self.choices_from_indices(idx, device=device), keep=False)[-1]
        self._check_request(len(idx), "len(idx)", device)
        tokens = rhm_blocks.tokens_from_indices(idx, composed_blocks(*self._key()), self.m, self.s)
        return torch.from_numpy(tokens).to(resolve_device(device))

    def sample_choices(
        self, n: int, seed: int, *, stream: int = 0, device: str | torch.device | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`n` iid uniform members (with replacement): ``(classes [n], choices [n, n_nodes])``.

        Same ``(seed, stream)``, same members; the first n of a larger draw
        are the members of a smaller one (nested).
        """
        n = check_int(n, "n", 0)
        seed = check_seed(seed)
        stream = check_int(stream, "stream", 0)
        self._check_request(n, "n", device)
        rc, rh = sample_rngs(seed, stream)
        dev = resolve_device(device)
        classes = torch.from_numpy(rc.integers(0, self.n_c, size=n, dtype=np.int64)).to(dev)
        choices = torch.from_numpy(rh.integers(0, self.m, size=(n, self.n_nodes), dtype=np.int64)).to(dev)
        return classes, choices

    def _member_tokens(self, classes: torch.Tensor, choices: torch.Tensor) -> torch.Tensor:
        return self._tree(classes, choices, keep=False)[-1]

    # -- going up
    def parse(self, tokens: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """Invert the rules: tokens [n, s**L] (or one-hot [n, v, s**L]) -> ``(classes, choices)``.

        Rows that are not generated by the rules get class -1 and choices -1.
        """
        t = self._check_tokens(tokens)
        t = torch.where((t >= 0) & (t < self.v), t, -1)
        tab = self.tables(t.device)
        n, s, m = t.shape[0], self.s, self.m
        choices = torch.empty(n, self.n_nodes, dtype=torch.int64, device=t.device)
        cur = t
        for depth in range(self.L - 1, -1, -1):
            found, value = lookup(tab, depth, cur.view(n, s**depth, s))
            start = (s**depth - 1) // (s - 1)
            choices[:, start : start + s**depth] = torch.where(found, value % m, -1)
            cur = torch.where(found, value // m, -1)
        classes = cur[:, 0]
        bad = classes < 0
        choices[bad] = -1
        return classes, choices

    # -- synonymic re-draws
    def resample_synonyms(self, choices: Any, level: int, seed: int) -> torch.Tensor:
        """Redraw uniformly the choices of every node of levels >= `level`; keep the others.

        ``choices`` [n, n_nodes]; ``0 <= level <= L-1``. The symbols of levels
        0..level are unchanged (so is the class); those below may change
        (a redrawn choice equals the old one with probability 1/m).
        Returns a new tensor on the device of `choices`.
        """
        choices = as_long(choices, "choices")
        if choices.ndim != 2 or choices.shape[1] != self.n_nodes:
            raise ValueError(f"choices must be [n, n_nodes={self.n_nodes}], got {tuple(choices.shape)}")
        level = check_int(level, "level", 0, self.L - 1)
        seed = check_seed(seed)
        start = self.level_slice(level).start
        rng = seed_rng(seed, TAG_RESAMPLE)
        new = rng.integers(0, self.m, size=(choices.shape[0], self.n_nodes - start), dtype=np.int64)
        out = choices.clone()
        out[:, start:] = torch.from_numpy(new).to(choices.device)
        return out


def grammar_seed(rules_seed: int | None, seed: int) -> int:
    """The grammar of one run: `rules_seed`, or, when that is None, the run's own `seed`
    (so that averages over seeds are also averages over grammars)."""
    return seed if rules_seed is None else rules_seed


def rhm_for_run(n_c: int, v: int, m: int, s: int, L: int, rules_seed: int | None, seed: int) -> RandomHierarchyModel:
    """The RHM of one run, with the grammar of :func:`grammar_seed`."""
    return RandomHierarchyModel(n_c, v, m, s, L, grammar_seed(rules_seed, seed))
