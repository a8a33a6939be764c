"""Dataset indices of the Random Hierarchy Model: mixed-radix digits, distinct draws, the shared model machinery.

RHM: Cagnetta, Petrini, Tomasini, Favero, Wyart, arXiv:2307.02129; sparse
RHM: Tomasini, Wyart, arXiv:2404.10727.

A member of the dataset is a class and one choice per internal node (and, in
the sparse model, one position per child); its index is the mixed-radix
number of these digits, class most significant (the radices are the models'
``_radices()``), in ``[0, p_max)``. Indices are numpy ``int64`` arrays when
``p_max < 2**63``, else numpy object arrays of Python ints.

* Mixed radix: :func:`digits_from_indices` and :func:`indices_from_digits`
  work on limbs of product below 2**62 (int64), whose digits are peeled in
  int32 words where the radices allow, with exact Python ints only between
  limbs.
* Distinct draws: the first distinct values of a stream of iid draws
  (:func:`_first_distinct`), deduplicated by :func:`_distinct_values` (int64
  indices) or :func:`_distinct_rows` (rows of digits, past int64); used by
  :meth:`IndexedHierarchy.split`.
* Member checks: :func:`as_long`, :func:`check_range`.
* :class:`IndexedHierarchy`: what the dense and the sparse model share
  (sizes, memory checks, indices, splits, enumeration, one-hot inputs,
  token checks, :meth:`~IndexedHierarchy.sample`, :meth:`~IndexedHierarchy.decode`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Sequence

import numpy as np
import torch

from ..runs.checks import check_bool, check_dtype, check_int, check_memory, check_seed, show
from ..runs.device import resolve_device
from .rhm_seeding import TAG_SPLIT, seed_rng

__all__ = ["IndexedHierarchy", "digits_from_indices", "indices_from_digits", "as_long", "check_range"]

_INT64_MAX = 2**63 - 1
_LIMB = 2**62  # mixed-radix limbs stay below this, so every limb fits an int64
_WORD = 2**31  # limbs are cut into words below this for their digits, so every word fits an int32
_PERMUTE_MAX = 2**22  # split(): below this many members, permute the whole dataset
_ENUMERATE_MAX = 10**6


@functools.lru_cache(maxsize=256)
def _p_max(n_c: int, m: int, n_nodes: int, s: int, s0: int) -> int:
    """The number of members, ``n_c * m**n_nodes * (s0+1)**(s*n_nodes)`` (``s0 = 0``: the RHM's), cached."""
    return n_c * m**n_nodes * (s0 + 1) ** (s * n_nodes)


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


# ---------------------------------------------------------- distinct draws


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


# ----------------------------------------------------------- member checks


def as_long(x: Any, name: str, device: torch.device | None = None) -> torch.Tensor:
    """`x` as an int64 tensor (on `device`); ``ValueError`` naming `name` unless it holds integers."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        raise ValueError(f"{name} must be an integer array")
    t = torch.as_tensor(x, device=device)
    if t.dtype.is_floating_point or t.dtype == torch.bool or t.dtype.is_complex:
        raise ValueError(f"{name} must hold integers, got {t.dtype}")
    return t.to(torch.int64)


def check_range(t: torch.Tensor, high: int, name: str) -> None:
    """``ValueError`` naming `name` unless every entry of `t` lies in ``[0, high)``."""
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= high):
        raise ValueError(f"{name} must lie in [0, {high}), got values in [{int(t.min())}, {int(t.max())}]")


# ---------------------------------------------------- shared model machinery


class IndexedHierarchy:
    """Shared machinery of the dense and sparse models: dataset indices, splits, one-hot inputs, sampling.

    A model defines the fields ``n_c, v, m, s, L`` (and ``s0`` when sparse), ``n_channels``,
    ``input_dim``, ``_radices()``, ``_n_digits()``, ``choices_from_indices``, ``tokens``,
    ``tokens_from_indices``, ``sample_choices``, ``_member_tokens`` and ``parse``; a member is the
    tuple of tensors that ``sample_choices`` and ``choices_from_indices`` return, class first.
    """

    n_channels: int  # one-hot channels
    input_dim: int

    def _radices(self) -> list[int]:  # pragma: no cover - interface
        raise NotImplementedError

    def _n_digits(self) -> int:  # pragma: no cover - interface
        """``len(self._radices())``, without building the list."""
        raise NotImplementedError

    def _member_tokens(self, *members: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        """Input tokens [n, input_dim] of checked members (those of ``sample_choices``)."""
        raise NotImplementedError

    @property
    def n_nodes(self) -> int:
        """Number of internal (informative) nodes, levels 0..L-1: ``(s**L - 1)/(s - 1)``."""
        return (self.s**self.L - 1) // (self.s - 1)  # type: ignore[attr-defined]

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

    def _digits_of(self, idx: Any, device: str | torch.device | None) -> torch.Tensor:
        """The mixed-radix digits int64 [n, len(_radices())] of dataset indices `idx` [n] (checked), on `device`."""
        idx = self._as_indices(idx)
        self._check_request(len(idx), "len(idx)", device)
        digits = digits_from_indices(idx, self._radices())
        return torch.from_numpy(digits).to(resolve_device(device))

    def _index_of(self, *columns: torch.Tensor) -> np.ndarray:
        """Dataset indices of the members whose digits are the columns of ``torch.cat(columns, 1)``."""
        digits = torch.cat(columns, 1).cpu().numpy()
        return indices_from_digits(digits, self._radices())

    def _one_hot(self, tokens: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        x = torch.zeros(tokens.shape[0], self.n_channels, tokens.shape[1], dtype=dtype, device=tokens.device)
        x.scatter_(1, tokens.unsqueeze(1), 1)
        return x

    def one_hot(self, tokens: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """One-hot encoding [n, n_channels, input_dim] of tokens [n, input_dim] with values in [n_channels]."""
        tokens = self._check_tokens(tokens)
        check_range(tokens, self.n_channels, "tokens")
        return self._one_hot(tokens, check_dtype(dtype))

    def _check_tokens(self, tokens: Any) -> torch.Tensor:
        """Tokens [n, input_dim] (or one-hot [n, n_channels, input_dim], read by argmax) as an int64 tensor."""
        t = torch.as_tensor(tokens)
        if t.ndim == 3:  # one-hot [n, channels, d]
            if t.shape[1] != self.n_channels or t.shape[2] != self.input_dim:
                raise ValueError(f"one-hot input must be [n, {self.n_channels}, {self.input_dim}], got {tuple(t.shape)}")
            t = t.argmax(1)
        if t.ndim != 2 or t.shape[1] != self.input_dim:
            raise ValueError(f"tokens must be [n, input_dim={self.input_dim}], got {tuple(t.shape)}")
        return as_long(t, "tokens")

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

        Returns ``x`` one-hot [n, *input_shape] = [n, n_channels, input_dim] of `dtype` (int64
        tokens [n, input_dim] when ``one_hot=False``) and ``y`` int64 classes [n]: the members of
        ``sample_choices(n, seed, stream=stream)``. Same ``(seed, stream)``, same samples; other
        streams of one seed are independent; nested in `n`. This is the ``sample`` of every data
        model (:class:`.base.Samples`), with the RHM's extras ``one_hot`` and ``dtype``.
        """
        dtype = check_dtype(dtype)
        self._check_request(check_int(n, "n", 0), "n", device, check_bool(one_hot, "one_hot"), dtype)
        members = self.sample_choices(n, seed, stream=stream, device=device)  # type: ignore[attr-defined]
        tokens = self._member_tokens(*members)
        return (self._one_hot(tokens, dtype) if one_hot else tokens), members[0]

    def decode(self, tokens: Any) -> torch.Tensor:
        """Class [n] of each input (tokens [n, input_dim] or one-hot [n, n_channels, input_dim]); -1 where the
        input is not generated by the model."""
        return self.parse(tokens)[0]  # type: ignore[attr-defined]

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
