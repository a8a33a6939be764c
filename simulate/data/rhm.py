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
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple, Sequence

import numpy as np
import torch

from ..runs.checks import check_bool, check_dtype, check_int, check_memory, check_seed, show
from ..runs.device import resolve_device
from . import rhm_blocks

__all__ = ["RandomHierarchyModel", "RHMRules"]

_INT64_MAX = 2**63 - 1
_LIMB = 2**62  # mixed-radix limbs stay below this, so every limb fits an int64
_WORD = 2**31  # limbs are cut into words below this for their digits, so every word fits an int32
_PERMUTE_MAX = 2**22  # split(): below this many members, permute the whole dataset
_ENUMERATE_MAX = 10**6
_DIRECT_MAX = 2**22  # decoding looks tuples up in a direct table of v**s entries up to this size
MAX_INPUT_DIM = 2**24  # the most input tokens a member may have
MAX_P_MAX_BITS = 2**20  # the most bits P_max may have (the mixed-radix indices are exact Python ints)
# Tags mixed into the seed sequences, so that rules, samples, splits and
# re-draws made with equal seeds are independent of each other.
TAG_RULES = 0x52484D01
TAG_SAMPLE = 0x52484D02
TAG_SPLIT = 0x52484D03
TAG_RESAMPLE = 0x52484D04
TAG_POSITIONS = 0x52484D05


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


@functools.lru_cache(maxsize=256)
def _p_max(n_c: int, m: int, n_nodes: int, s: int, s0: int) -> int:
    return n_c * m**n_nodes * (s0 + 1) ** (s * n_nodes)


def seed_rng(*entropy: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(list(entropy)))


def _distinct_tuples(rng: np.random.Generator, count: int, v: int, s: int) -> np.ndarray:
    """`count` distinct s-tuples of [v], drawn without replacement, random order: int64 [count, s]."""
    codes = rng.choice(v**s, size=count, replace=False, shuffle=True).astype(np.int64)
    digits = np.empty((count, s), dtype=np.int64)
    for j in range(s - 1, -1, -1):
        digits[:, j] = codes % v
        codes //= v
    return digits


class LookupTables(NamedTuple):
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
    ss = np.random.SeedSequence([rules_seed, TAG_RULES])
    rngs = [np.random.default_rng(child) for child in ss.spawn(L)]
    top = torch.from_numpy(_distinct_tuples(rngs[0], n_c * m, v, s).reshape(n_c, m, s))
    lower = tuple(torch.from_numpy(_distinct_tuples(rngs[k], v * m, v, s).reshape(v, m, s)) for k in range(1, L))
    return RHMRules(top, lower)


@functools.lru_cache(maxsize=64)
def lookup_tables(n_c: int, v: int, m: int, s: int, L: int, rules_seed: int, device: str) -> LookupTables:
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


# ------------------------------------------------------------- mixed radix


def _limb_groups(radices: Sequence[int], limit: int = _LIMB) -> list[tuple[int, int, int]]:
    """Group columns, least significant first, into limbs of product < `limit`: (start, stop, base)."""
    groups = []
    stop = len(radices)
    while stop > 0:
        start, base = stop, 1
        while start > 0 and base * radices[start - 1] < limit:
            start -= 1
            base *= radices[start]
        if start == stop:  # a single radix >= limit cannot occur (validated parameters)
            raise ValueError(f"radix {radices[start - 1]} too large")
        groups.append((start, stop, base))
        stop = start
    return groups


def _peel(value: np.ndarray, radices: Sequence[int], out: np.ndarray) -> None:
    """Digits of `value` (< prod(radices)) in `radices` into the rows of `out`, least significant first."""
    for k in range(len(radices) - 1, 0, -1):
        quotient = value // radices[k]
        out[k] = value - quotient * radices[k]
        value = quotient
    out[0] = value


def _split_limb(limb: np.ndarray, radices: Sequence[int], out: np.ndarray) -> None:
    """Digits of an int64 limb (< 2**62) in `radices` into the rows of `out`, in int32 words where they fit
    (integer division is several times faster on 32-bit lanes); a limb with a radix of 2**31 or more is
    split in int64."""
    if max(radices) >= _WORD:
        _peel(limb, radices, out)
        return
    words = _limb_groups(radices, _WORD)
    for wi, (start, stop, base) in enumerate(words):
        if wi == len(words) - 1:
            word = limb.astype(np.int32)
        else:
            quotient = limb // base
            word = (limb - quotient * base).astype(np.int32)
            limb = quotient
        _peel(word, radices[start:stop], out[start:stop])


def digits_from_indices(idx: np.ndarray, radices: Sequence[int]) -> np.ndarray:
    """Mixed-radix digits int64 [n, K] (first column most significant) of indices [n].

    The result is column-major (each digit's column is contiguous): the digits are
    computed column by column, and the consumers read them by column.
    """
    n = idx.shape[0]
    digits = np.empty((len(radices), n), dtype=np.int64)
    groups = _limb_groups(radices)
    if len(groups) == 1:
        rest: Any = idx.astype(np.int64, copy=False)
    else:
        rest = idx.astype(object)
    for gi, (start, stop, base) in enumerate(groups):
        if gi == len(groups) - 1:
            limb = np.asarray(rest).astype(np.int64)
        else:
            limb = (rest % base).astype(np.int64)
            rest = rest // base
        _split_limb(limb, radices[start:stop], digits[start:stop])
    return digits.T


def indices_from_digits(digits: np.ndarray, radices: Sequence[int]) -> np.ndarray:
    """Inverse of `digits_from_indices`: int64 indices, or object (Python ints) past int64."""
    groups = _limb_groups(radices)
    n = digits.shape[0]
    total: Any = None
    scale = 1
    for start, stop, base in groups:
        limb = np.zeros(n, dtype=np.int64)
        for k in range(start, stop):
            limb = limb * radices[k] + digits[:, k]
        if total is None:
            total = limb
        else:
            total = total.astype(object) + limb.astype(object) * scale
        scale *= base
    if total is None:
        return np.zeros(n, dtype=np.int64)
    if math.prod(radices) <= _INT64_MAX + 1:
        return np.asarray(total).astype(np.int64)
    return np.asarray(total, dtype=object)


def _first_distinct(draw, distinct_of, total: int) -> np.ndarray:
    """The first `total` distinct values, in order of first occurrence, of a stream of iid draws.

    ``draw(k)`` returns the next k draws and ``distinct_of(values)`` the distinct
    values in order of first occurrence; chunk sizes do not depend on `total`,
    so the result for a smaller `total` is a prefix of the result for a larger
    one. A round dedupes the distinct values so far followed by the new chunks,
    which gives the first occurrences of the whole stream; rounds that could
    not reach `total` are skipped (they would not end the loop).
    """
    chunk = 4096
    distinct = draw(0)
    pending: list[np.ndarray] = []  # draws not deduplicated yet: too few to reach `total`, even all distinct
    while len(distinct) < total:
        pending.append(draw(chunk))
        chunk = min(2 * chunk, 2**22)
        if len(distinct) + sum(len(d) for d in pending) >= total:
            distinct = distinct_of(np.concatenate([distinct, *pending]))
            pending = []
    return distinct[:total]


def _distinct_values(values: np.ndarray) -> np.ndarray:
    """Distinct non-negative int64 values in order of first occurrence.

    A sort of the values' low 32 bits (vectorised in numpy, twice as fast as
    sorting the int64 values) finds the repeated low words, which include
    every repeated value; only the draws whose low bits match a repeated
    word's go through an exact pass that keeps each value's first occurrence.
    Repeats are rare where this is used (distinct members drawn from a far
    larger dataset), so that pass is small and no hash table of every value
    is built.
    """
    low = values.astype(np.uint32)  # the low 32 bits (the values are non-negative)
    ordered = np.sort(low)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if not len(repeated):
        return values
    mask = (1 << min(32, max(10, len(values).bit_length()))) - 1
    suspect = np.zeros(mask + 1, dtype=bool)
    suspect[repeated & mask] = True
    # every repeat, and a few values that only share low bits (the int64 values index the table without a cast)
    where = np.flatnonzero(np.take(suspect, values & mask, mode="clip"))
    first = np.unique(values[where], return_index=True)[1]  # first occurrence of each value among them
    later = np.ones(len(where), dtype=bool)
    later[first] = False
    keep = np.ones(len(values), dtype=bool)
    keep[where[later]] = False
    return values[keep]


def _distinct_rows(rows: np.ndarray) -> np.ndarray:
    """Distinct rows in order of first occurrence."""
    return rows[np.sort(np.unique(rows, axis=0, return_index=True)[1])]


class IndexedHierarchy:
    """Shared machinery of the dense and sparse models: dataset indices, splits, one-hot."""

    n_channels: int  # one-hot channels
    input_dim: int

    def _radices(self) -> list[int]:  # pragma: no cover - interface
        raise NotImplementedError

    def _n_digits(self) -> int:  # pragma: no cover - interface
        """``len(self._radices())``, without building the list."""
        raise NotImplementedError

    @property
    def input_shape(self) -> tuple[int, int]:
        """The shape of one one-hot input: ``(n_channels, input_dim)``."""
        return (self.n_channels, self.input_dim)

    @property
    def n_classes(self) -> int:
        """The number of classes, ``n_c``."""
        return self.n_c

    def tokens_from_indices(self, idx: Any, *, device: str | torch.device | None = None) -> torch.Tensor:
        raise NotImplementedError  # pragma: no cover - interface

    @property
    def p_max(self) -> int:
        """Number of distinct members of the dataset (exact Python int)."""
        return _p_max(self.n_c, self.m, self.n_nodes, self.s, getattr(self, "s0", 0))  # type: ignore[attr-defined]

    def _member_bytes(self, one_hot: bool = False, dtype: torch.dtype = torch.float32) -> int:
        """Bytes that generating one member takes at most: its digits, two levels of tokens, its one-hot input."""
        size = 8 * 2 * self._n_digits() + 8 * 3 * self.input_dim
        if one_hot:
            size += self.n_channels * self.input_dim * torch.empty(0, dtype=dtype).element_size()
        return size

    def _check_request(self, n: int, name: str, device: Any = None, one_hot: bool = False,
                       dtype: torch.dtype = torch.float32) -> None:
        """``ValueError`` naming `name` when `n` members do not fit in memory."""
        check_memory(n * self._member_bytes(one_hot, dtype),
                     f"{name}={show(n)} members of input_dim={self.input_dim} tokens ({type(self).__name__})",
                     resolve_device(device))

    def _as_indices(self, idx: Any) -> np.ndarray:
        """Indices as a 1-D numpy array (int64, or object past int64), checked to lie in [0, p_max)."""
        p_max = self.p_max
        if isinstance(idx, torch.Tensor):
            idx = idx.detach().cpu().numpy()
        arr = np.asarray(idx)
        if arr.ndim == 0:
            arr = arr.reshape(1)
        if arr.ndim != 1:
            raise ValueError(f"indices must be a 1-D array, got shape {arr.shape}")
        if arr.size == 0:
            return arr.reshape(0).astype(np.int64)
        if arr.dtype == object:
            if not all(isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)) for i in arr):
                raise ValueError("indices must be integers")
        elif arr.dtype.kind not in "iu":
            raise ValueError(f"indices must be integers, got dtype {arr.dtype}")
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= p_max:
            raise ValueError(f"indices must lie in [0, p_max={show(p_max)}), got min {show(lo)} and max {show(hi)}")
        if p_max <= _INT64_MAX + 1:
            return arr.astype(np.int64, copy=False)
        return arr

    def split(self, p: int, n_test: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Disjoint training and test sets of distinct dataset indices.

        Returns ``(train_idx [p], test_idx [n_test])``, numpy int64 arrays
        (object arrays of Python ints when ``p_max >= 2**63``); together they
        are ``p + n_test`` distinct members drawn uniformly without
        replacement. The draw is the start of one random sequence of
        distinct members, the test set first: for a fixed ``(seed,
        n_test)`` the test set does not depend on ``p`` and the training
        sets are nested (the training set of a smaller ``p`` is a prefix of
        that of a larger one), except across the switch of method below.

        Method: when ``p_max <= 2**22`` or ``p + n_test > p_max/2``, a random
        permutation of all members; otherwise the first distinct values of a
        stream of uniform draws (indices when ``p_max < 2**63``, else the
        digits of members drawn directly, duplicate rows rejected).
        """
        p = check_int(p, "p", 0)
        n_test = check_int(n_test, "n_test", 0)
        seed = check_seed(seed)
        total = p + n_test
        p_max = self.p_max
        if total > p_max:
            raise ValueError(f"p + n_test = {p} + {n_test} = {total} > p_max={show(p_max)}: the dataset has only p_max distinct members")
        self._check_split_memory(p, n_test)
        rng = seed_rng(seed, TAG_SPLIT)
        radices = self._radices()
        if p_max <= _PERMUTE_MAX or 2 * total > p_max:
            order = rng.permutation(p_max)[:total].astype(np.int64)
        elif p_max <= _INT64_MAX:
            order = _first_distinct(lambda k: rng.integers(0, p_max, size=k, dtype=np.int64), _distinct_values, total)
        else:

            def draw_rows(k: int) -> np.ndarray:
                rows = np.empty((k, len(radices)), dtype=np.int64)
                for j, r in enumerate(radices):
                    rows[:, j] = rng.integers(0, r, size=k, dtype=np.int64)
                return rows

            rows = _first_distinct(draw_rows, _distinct_rows, total)
            order = indices_from_digits(rows, radices)
        return order[n_test:], order[:n_test]

    def _check_split_memory(self, p: int, n_test: int) -> None:
        """Refuse a split whose draw does not fit in memory (the method of :meth:`split`, in bytes)."""
        total = p + n_test
        p_max = self.p_max
        if p_max <= _PERMUTE_MAX or 2 * total > p_max:
            nbytes = 8 * 3 * p_max
        elif p_max <= _INT64_MAX:
            nbytes = 8 * 4 * (2 * total + 4096)
        else:  # rows of digits, drawn in chunks of at least 4096, then Python ints of p_max's size
            n_rows = 2 * total + 4096
            nbytes = 8 * 4 * n_rows * (1 + self._n_digits()) + total * (p_max.bit_length() // 8 + 40)
        check_memory(nbytes, f"split: p + n_test = {show(p)} + {show(n_test)} distinct members "
                             f"(p_max={show(p_max)}, {self._n_digits()} digits each)")

    def _one_hot(self, tokens: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        x = torch.zeros(tokens.shape[0], self.n_channels, tokens.shape[1], dtype=dtype, device=tokens.device)
        x.scatter_(1, tokens.unsqueeze(1), 1)
        return x

    def enumerate_all(
        self,
        *,
        device: str | torch.device | None = None,
        one_hot: bool = True,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Every member of the dataset, in index order: ``(x, y)`` as from :meth:`sample`.

        Only when ``p_max <= 10**6``; raises ``ValueError`` otherwise.
        """
        p_max = self.p_max
        if p_max > _ENUMERATE_MAX:
            raise ValueError(f"p_max={show(p_max)} > 10**6: too many members to enumerate; use split() or sample()")
        self._check_request(p_max, "p_max", device, one_hot, dtype)
        idx = np.arange(p_max, dtype=np.int64)
        members = self.choices_from_indices(idx, device=device)  # type: ignore[attr-defined]
        tokens = self.tokens(*members)  # type: ignore[attr-defined]
        y = members[0]
        if one_hot:
            return self._one_hot(tokens, check_dtype(dtype)), y
        return tokens, y


def as_long(x: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    if isinstance(x, np.ndarray) and x.dtype == object:
        raise ValueError(f"{name} must be an integer array")
    t = torch.as_tensor(x, device=device)
    if t.dtype.is_floating_point or t.dtype == torch.bool or t.dtype.is_complex:
        raise ValueError(f"{name} must hold integers, got {t.dtype}")
    return t.to(torch.int64)


def check_range(t: torch.Tensor, high: int, name: str) -> None:
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= high):
        raise ValueError(f"{name} must lie in [0, {high}), got values in [{int(t.min())}, {int(t.max())}]")


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
    def n_nodes(self) -> int:
        """Number of internal nodes (levels 0..L-1), ``(s**L - 1)/(s - 1)``."""
        return (self.s**self.L - 1) // (self.s - 1)

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
        idx = self._as_indices(idx)
        self._check_request(len(idx), "len(idx)", device)
        digits = digits_from_indices(idx, self._radices())
        t = torch.from_numpy(digits).to(resolve_device(device))
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
        digits = torch.cat([classes[:, None], choices], 1).cpu().numpy()
        return indices_from_digits(digits, self._radices())

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

    def one_hot(self, tokens: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """One-hot encoding [n, v, s**L] of tokens [n, s**L]."""
        tokens = self._check_tokens(tokens)
        check_range(tokens, self.v, "tokens")
        return self._one_hot(tokens, check_dtype(dtype))

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
        ss = np.random.SeedSequence([seed, stream, TAG_SAMPLE])
        rc, rh = (np.random.default_rng(c) for c in ss.spawn(2))
        dev = resolve_device(device)
        classes = torch.from_numpy(rc.integers(0, self.n_c, size=n, dtype=np.int64)).to(dev)
        choices = torch.from_numpy(rh.integers(0, self.m, size=(n, self.n_nodes), dtype=np.int64)).to(dev)
        return classes, choices

    def sample(
        self,
        n: int,
        seed: int,
        *,
        stream: int = 0,
        device: str | torch.device | None = None,
        one_hot: bool = True,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """`n` iid uniform samples (with replacement; use :meth:`split` for distinct ones).

        Returns ``x`` one-hot [n, v, s**L] of `dtype` (int64 tokens [n, s**L]
        when ``one_hot=False``) and ``y`` int64 classes [n]. Nested in `n`.
        """
        dtype = check_dtype(dtype)
        self._check_request(check_int(n, "n", 0), "n", device, check_bool(one_hot, "one_hot"), dtype)
        classes, choices = self.sample_choices(n, seed, stream=stream, device=device)
        tokens = self._tree(classes, choices, keep=False)[-1]
        return (self._one_hot(tokens, dtype) if one_hot else tokens), classes

    # -- going up
    def _check_tokens(self, tokens: Any) -> torch.Tensor:
        t = torch.as_tensor(tokens)
        if t.ndim == 3:  # one-hot [n, channels, d]
            if t.shape[1] != self.n_channels or t.shape[2] != self.input_dim:
                raise ValueError(f"one-hot input must be [n, {self.n_channels}, {self.input_dim}], got {tuple(t.shape)}")
            t = t.argmax(1)
        if t.ndim != 2 or t.shape[1] != self.input_dim:
            raise ValueError(f"tokens must be [n, input_dim={self.input_dim}], got {tuple(t.shape)}")
        return as_long(t, "tokens")

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

    def decode(self, tokens: Any) -> torch.Tensor:
        """Class [n] of each input (tokens [n, s**L] or one-hot [n, v, s**L]); -1 if not generated by the rules."""
        return self.parse(tokens)[0]

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
