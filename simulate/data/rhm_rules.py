"""The rules of the Random Hierarchy Model: parameter checks, production rules, lookup tables.

Cagnetta, Petrini, Tomasini, Favero, Wyart, "How deep neural networks learn
compositional data: the Random Hierarchy Model", Phys. Rev. X 14, 031001
(2024), arXiv:2307.02129; the sparse variant (arXiv:2404.10727) uses the same
rules and tables.

* Checks: :func:`check_rhm_parameters` (``m <= v**(s-1)``, ``n_c*m <= v**s``,
  ``v**s < 2**62``) and :func:`check_rhm_size` (the input and the number of
  members must be small enough to use).
* Rules, a pure function of ``(n_c, v, m, s, L, rules_seed)`` (cached): the
  top level draws ``n_c*m`` distinct s-tuples of symbols in ``[v]`` without
  replacement (class ``c`` owns ``rules.top[c]``, [n_c, m, s]); each of the
  ``L-1`` lower levels draws ``v*m`` distinct s-tuples (symbol ``a`` owns
  ``rules.lower[k][a]``, [v, m, s]); the levels use independent generators
  (:func:`.rhm_seeding.rules_rngs`). Distinct tuples give every tuple one
  parent, so the grammar is unambiguous.
* Lookup tables (cached per device): the rules flattened for generation
  (row ``parent*m + choice`` of level ``depth``), and for decoding the code
  ``sum_j tuple[j] v**(s-1-j)`` of each tuple, found in a direct table of
  ``v**s`` entries when ``v**s <= 2**22``, else by binary search in the sorted
  codes (:func:`lookup`); composed tables of several levels
  (:func:`composed_blocks`, :mod:`.rhm_blocks`).

Levels are indexed by depth from the root, as in :mod:`.rhm`: the rules of
``depth`` produce the symbols of level ``depth + 1``.
"""
from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import numpy as np
import torch

from ..runs.checks import check_int, check_memory, check_seed, show
from . import rhm_blocks
from .rhm_indexing import _LIMB
from .rhm_seeding import rules_rngs

__all__ = ["RHMRules", "LookupTables", "check_rhm_parameters", "check_rhm_size", "lookup_tables", "composed_blocks",
           "lookup", "MAX_INPUT_DIM", "MAX_P_MAX_BITS"]

_DIRECT_MAX = 2**22  # decoding looks tuples up in a direct table of v**s entries up to this size
MAX_INPUT_DIM = 2**24  # the most input tokens a member may have
MAX_P_MAX_BITS = 2**20  # the most bits P_max may have (the mixed-radix indices are exact Python ints)


class RHMRules(NamedTuple):
    """Production rules: ``top`` [n_c, m, s]; ``lower[k]`` [v, m, s] for level k+1."""

    top: torch.Tensor
    lower: tuple[torch.Tensor, ...]


# ---------------------------------------------------------------- validation


def check_rhm_parameters(n_c: Any, v: Any, m: Any, s: Any, L: Any, rules_seed: Any) -> tuple[int, ...]:
    """Validate RHM parameters; return them as Python ints (raises ``ValueError``)."""
    n_c = check_int(n_c, "n_c", 1)
    v = check_int(v, "v", 1)
    m = check_int(m, "m", 1)
    s = check_int(s, "s", 2)
    L = check_int(L, "L", 1)
    rules_seed = check_seed(rules_seed, "rules_seed")
    if v >= 2 and s * v.bit_length() > 4096:  # v**s >= 2**62 for sure, and too large to compute cheaply
        raise ValueError(f"v**s >= 2**{(v.bit_length() - 1) * s} must be < 2**62 (an s-tuple of symbols is coded as "
                         f"one int64; v={show(v)}, s={show(s)})")
    if m > v ** (s - 1):
        raise ValueError(f"m={show(m)} > v**(s-1)={show(v ** (s - 1))}: the RHM needs m <= v**(s-1) (v={show(v)}, s={s})")
    if n_c * m > v**s:
        raise ValueError(f"n_c*m={show(n_c * m)} > v**s={show(v**s)}: the RHM needs n_c*m <= v**s "
                         f"(n_c={show(n_c)}, m={show(m)}, v={show(v)}, s={s})")
    if v**s >= _LIMB:
        raise ValueError(f"v**s={show(v**s)} must be < 2**62 (an s-tuple of symbols is coded as one int64; "
                         f"v={show(v)}, s={s})")
    return n_c, v, m, s, L, rules_seed


def check_rhm_size(n_c: int, m: int, s: int, L: int, s0: int = 0) -> None:
    """Refuse an RHM (sparse when ``s0 > 0``) whose input or number P_max of members is too large to use.

    The input has ``(s*(s0+1))**L`` tokens, at most 2**24; P_max = n_c m**n_nodes (s0+1)**(s n_nodes)
    may have at most 2**20 bits (its members are indexed by exact integers). Cheap: nothing huge is computed.
    """
    patch = s * (s0 + 1)
    what = "s**L" if s0 == 0 else "(s*(s0+1))**L"
    names = f"s={show(s)}, L={show(L)}" + ("" if s0 == 0 else f", s0={show(s0)}")
    if patch > MAX_INPUT_DIM or L > 24 or patch**L > MAX_INPUT_DIM:  # patch >= 2, so L > 24 is too deep
        log2 = L * math.log2(patch) if L < 2**1000 else math.inf
        raise ValueError(f"input_dim = {what} = 2**{log2:.4g} tokens exceeds 2**24 = {MAX_INPUT_DIM}: reduce "
                         f"{'L or s' if s0 == 0 else 'L, s or s0'} ({names})")
    n_nodes = (s**L - 1) // (s - 1)
    bits = math.log2(n_c) + n_nodes * math.log2(m) + s * n_nodes * math.log2(s0 + 1)
    if bits > MAX_P_MAX_BITS:
        formula = "n_c*m**n_nodes" if s0 == 0 else "n_c*m**n_nodes*(s0+1)**(s*n_nodes)"
        raise ValueError(f"P_max = {formula} = 2**{bits:.6g} has more than 2**20 bits: too many members to index; "
                         f"reduce L, s or m (n_c={n_c}, m={m}, {names}, n_nodes={n_nodes})")


# --------------------------------------------------------------------- rules


def _distinct_tuples(rng: np.random.Generator, count: int, v: int, s: int) -> np.ndarray:
    """`count` distinct s-tuples of [v], drawn without replacement, random order: int64 [count, s]."""
    codes = rng.choice(v**s, size=count, replace=False, shuffle=True).astype(np.int64)
    digits = np.empty((count, s), dtype=np.int64)
    for j in range(s - 1, -1, -1):
        digits[:, j] = codes % v
        codes //= v
    return digits


class LookupTables(NamedTuple):
    """The rules of one RHM as tables on one device (:func:`lookup_tables`), for generation and decoding."""

    flat: tuple[torch.Tensor, ...]  # flat[l]: [n_parents(l) * m, s], row parent*m + choice
    keys: tuple[torch.Tensor, ...]  # keys[l]: sorted codes of the tuples of level l
    values: tuple[torch.Tensor, ...]  # values[l]: parent*m + choice of each key
    powers: torch.Tensor  # [s]: v**(s-1-j), the code of a tuple is (tuple * powers).sum()
    n_symbols: int  # v
    direct: tuple[torch.Tensor, ...] | None  # when v**s <= 2**22: direct[l][code] = parent*m + choice, or -1


def _check_rules_memory(n_c: int, v: int, m: int, s: int, L: int) -> None:
    # tables int64 [n_c*m + (L-1)*v*m, s]; drawing one level without replacement may permute up to 50x its size
    rows = n_c * m + (L - 1) * v * m
    check_memory(8 * s * rows + 8 * 52 * max(n_c * m, v * m),
                 f"the rules of the RHM (n_c={n_c}, v={v}, m={m}, s={s}, L={L}: {rows} productions)")


@functools.lru_cache(maxsize=64)
def _rules(n_c: int, v: int, m: int, s: int, L: int, rules_seed: int) -> RHMRules:
    _check_rules_memory(n_c, v, m, s, L)
    rngs = rules_rngs(rules_seed, L)
    top = torch.from_numpy(_distinct_tuples(rngs[0], n_c * m, v, s).reshape(n_c, m, s))
    lower = tuple(torch.from_numpy(_distinct_tuples(rngs[k], v * m, v, s).reshape(v, m, s)) for k in range(1, L))
    return RHMRules(top, lower)


@functools.lru_cache(maxsize=64)
def lookup_tables(n_c: int, v: int, m: int, s: int, L: int, rules_seed: int, device: str) -> LookupTables:
    """The :class:`LookupTables` of the rules of these parameters on `device` (cached)."""
    rules = _rules(n_c, v, m, s, L, rules_seed)
    powers = torch.tensor([v ** (s - 1 - j) for j in range(s)], dtype=torch.int64)
    flat, keys, values, direct = [], [], [], []
    for table in (rules.top, *rules.lower):
        f = table.reshape(-1, s)
        codes = (f * powers).sum(1)
        order = torch.argsort(codes)
        flat.append(f.to(device))
        keys.append(codes[order].contiguous().to(device))
        values.append(order.to(device))
        if v**s <= _DIRECT_MAX:
            d = torch.full((v**s,), -1, dtype=torch.int64)
            d[codes] = torch.arange(codes.numel())
            direct.append(d.to(device))
    return LookupTables(tuple(flat), tuple(keys), tuple(values), powers.to(device), v, tuple(direct) if direct else None)


@functools.lru_cache(maxsize=64)
def composed_blocks(n_c: int, v: int, m: int, s: int, L: int, rules_seed: int) -> tuple[rhm_blocks.ComposedBlock, ...]:
    """The rules composed into tables of several levels each (:func:`.rhm_blocks.compose_blocks`)."""
    rules = _rules(n_c, v, m, s, L, rules_seed)
    flats = [t.reshape(-1, s).numpy() for t in (rules.top, *rules.lower)]
    return rhm_blocks.compose_blocks(flats, n_c, v, m, s)


def lookup(tab: LookupTables, depth: int, children: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For s-tuples ``children`` [..., s] produced at `depth`: (found [...], parent*m + choice [...]).

    A tuple holding an entry outside [v] (an undecodable child) is not found;
    the second tensor is meaningless where the first is False.
    """
    inside = (children >= 0) & (children < tab.n_symbols)
    valid = inside.all(-1)
    codes = (torch.where(inside, children, 0) * tab.powers).sum(-1)
    if tab.direct is not None:
        value = tab.direct[depth][codes]
        return valid & (value >= 0), value
    keys = tab.keys[depth]
    pos = torch.searchsorted(keys, codes).clamp(max=keys.numel() - 1)
    found = valid & (keys[pos] == codes)
    return found, tab.values[depth][pos]
