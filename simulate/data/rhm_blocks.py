"""RHM input tokens from dataset indices through composed production tables.

The level-by-level generation (:meth:`RandomHierarchyModel.tree`) gathers the
symbols of level l+1 from those of level l and the choices, one gather of s
symbols per node and level. Here the levels are grouped into *blocks* of K
levels, and each block has a composed table: row ``parent * m**n + code``,
for a symbol ``parent`` at the block's top level and the ``n = (s**K - 1) /
(s - 1)`` choices of the subtree below it (``code``, their mixed-radix
number in the subtree's breadth-first order), holds the ``s**K`` symbols at
the block's bottom. The symbols are stored in the narrowest unsigned integer
that holds them (the input tokens, at the bottom, as int64: they are written
once, straight into the output) and a row is one ``np.void`` item, so a
gather copies all ``s**K`` symbols of a subtree at once. A subtree's code is read off the
member's dataset index directly (its choices are ``s**k`` consecutive digits
at each level k of the block), without forming the digits of every node.
Members are processed in chunks that stay in cache.

The blocks are chosen from the input upwards (the lowest levels have the
most subtrees), each as deep as a table of at most ``BLOCK_ROWS`` rows and
``BLOCK_BYTES`` bytes allows, and at least one level deep. The tokens are
those of the level-by-level gathers (tests/simulate/test_rhm_blocks.py
compares them on random models).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = ["BLOCK_BYTES", "BLOCK_ROWS", "CHUNK", "ComposedBlock", "compose_blocks", "symbol_dtype",
           "tokens_from_indices"]

BLOCK_ROWS = 2**16  # a composed table has at most this many rows (one-level blocks excepted)...
BLOCK_BYTES = 2**22  # ... and at most this many bytes (its rows stay in cache)
CHUNK = 2**15  # members per chunk


def _nodes(s: int, k: int) -> int:
    """Internal nodes of a subtree k levels deep: (s**k - 1)/(s - 1)."""
    return (s**k - 1) // (s - 1)


def symbol_dtype(v: int) -> np.dtype:
    """The narrowest unsigned integer that holds the symbols [0, v)."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if v <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    return np.dtype(np.uint64)


@dataclass(frozen=True, eq=False)
class ComposedBlock:
    """Levels ``level .. level + depth - 1`` of the tree, composed into one table.

    ``table`` [n_parents * m**nodes] of ``np.void`` rows, each the ``s**depth``
    symbols (of ``dtype``) at level ``level + depth`` below a parent and the
    ``nodes`` choices of its subtree.
    """

    level: int
    depth: int
    nodes: int
    dtype: np.dtype
    table: np.ndarray


def _expand(parents: np.ndarray, digits: np.ndarray, flats: Sequence[np.ndarray], level: int, depth: int,
            m: int, s: int) -> np.ndarray:
    """Symbols [n, s**depth] at level + depth below `parents` [n] with subtree choices `digits` [n, nodes]."""
    sym = parents[:, None]
    for k in range(depth):
        h = digits[:, _nodes(s, k) : _nodes(s, k + 1)]
        sym = flats[level + k][sym * m + h].reshape(len(parents), s ** (k + 1))
    return sym


def compose_blocks(flats: Sequence[np.ndarray], n_c: int, v: int, m: int, s: int) -> tuple[ComposedBlock, ...]:
    """The composed tables of an RHM whose level-l productions are ``flats[l]`` [n_parents(l) * m, s]
    (row ``parent * m + choice``; ``n_parents`` is n_c at level 0 and v below), top block first."""
    L = len(flats)
    dtype = symbol_dtype(v)
    parents = lambda level: n_c if level == 0 else v  # noqa: E731

    def kind(level: int, depth: int) -> np.dtype:  # the input tokens are int64, written once
        return np.dtype(np.int64) if level + depth == L else dtype

    def fits(level: int, depth: int) -> bool:
        rows = parents(level) * m ** _nodes(s, depth)
        return rows <= BLOCK_ROWS and rows * s**depth * kind(level, depth).itemsize <= BLOCK_BYTES

    blocks = []
    stop = L
    while stop > 0:
        depth = 1
        while depth < stop and fits(stop - depth - 1, depth + 1):
            depth += 1
        level = stop - depth
        nodes = _nodes(s, depth)
        rows = np.arange(parents(level) * m**nodes, dtype=np.int64)
        digits = np.empty((len(rows), nodes), dtype=np.int64)
        rest = rows
        for j in range(nodes - 1, -1, -1):  # the code's digits, the subtree's root most significant
            rest, digits[:, j] = np.divmod(rest, m)
        out = kind(level, depth)
        sym = _expand(rest, digits, flats, level, depth, m, s).astype(out)
        table = np.ascontiguousarray(sym).view(np.dtype((np.void, s**depth * out.itemsize))).reshape(-1)
        blocks.append(ComposedBlock(level, depth, nodes, out, table))
        stop = level
    return tuple(reversed(blocks))


def _rows(x: np.ndarray, sym: np.ndarray, block: ComposedBlock, m: int, s: int, n_nodes: int,
          out: np.ndarray) -> None:
    """Table rows [c, s**level] of `block` for the members with int64 indices `x` [c] and symbols `sym`
    [c, s**level] at the block's top level: ``sym * m**nodes + code``, the code read off the indices.

    The digits of the block's levels are consecutive in the index: they are cut out once (in int32 when
    they fit, where division is several times faster), then each subtree's run of ``s**k`` digits at each
    level k (by shifts and masks when m is a power of two).
    """
    level, depth = block.level, block.depth
    first, stop = _nodes(s, level), _nodes(s, level + depth)  # the block's nodes, in index order
    span = m ** (stop - first)
    pow2 = m & (m - 1) == 0
    bits = m.bit_length() - 1
    if pow2:
        value = x >> (bits * (n_nodes - stop)) if stop < n_nodes else x
        value = value & (span - 1) if first else value
    else:
        value = x // m ** (n_nodes - stop) if stop < n_nodes else x
        value = value % span if first else value
    value = value.astype(np.int32 if span <= 2**31 else np.int64)
    codes = np.empty(out.shape, dtype=value.dtype)
    for j in range(s**level):
        code = None
        for k in range(depth):
            width = s**k
            below = stop - (_nodes(s, level + k) + (j + 1) * width)  # block digits after the run
            if pow2:
                run = value >> (bits * below) if below else value.copy()
                run &= (1 << (bits * width)) - 1
            else:
                run = value // m**below if below else value.copy()
                run %= m**width
            if code is None:
                code = run
            elif pow2:
                code <<= bits * width
                code |= run
            else:
                code *= m**width
                code += run
        codes[:, j] = code
    np.multiply(sym, np.int64(m**block.nodes), out=out)
    out += codes


def tokens_from_indices(idx: np.ndarray, blocks: Sequence[ComposedBlock], m: int, s: int,
                        chunk: int = CHUNK) -> np.ndarray:
    """Input tokens int64 [n, s**L] of the members with int64 dataset indices `idx` [n].

    The dataset index of member ``(c, h_0, .., h_{n_nodes-1})`` is ``((c*m + h_0)*m + h_1)*m + ...``
    (choices in breadth-first order), as in :mod:`.rhm`; it must be < 2**63. `blocks` are those of
    :func:`compose_blocks` for the model's rules.
    """
    n = len(idx)
    L = blocks[-1].level + blocks[-1].depth
    n_nodes = _nodes(s, L)
    last = blocks[-1]
    out = np.empty((n, s**last.level), dtype=last.table.dtype)
    rows = [np.empty((min(chunk, n), s**b.level), dtype=np.int64) for b in blocks]
    for start in range(0, n, chunk):
        x = idx[start : start + chunk]
        c = len(x)
        sym = None
        for b, block in enumerate(blocks):
            r = rows[b][:c]
            if block.level == 0:  # the class and the block's choices are the index's leading digits
                np.floor_divide(x, m ** (n_nodes - block.nodes), out=r[:, 0])
            else:
                _rows(x, sym, block, m, s, n_nodes, r)
            if block is last:
                np.take(block.table, r, out=out[start : start + c], mode="clip")  # in range; "raise" would buffer `out`
            else:
                sym = np.take(block.table, r).view(block.dtype).reshape(c, -1)
    return out.view(last.dtype).reshape(n, s**L)
