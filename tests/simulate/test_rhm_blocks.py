"""Composed production tables (simulate/data/rhm_blocks.py) against the level-by-level gathers and a
pure-Python expander, with the table limits and the chunk size made small so that every model is cut
into several blocks and several chunks."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scalingcheck.simulate.data import rhm_blocks
from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.data.rhm_rules import composed_blocks

from .test_rhm import ref_tokens


@st.composite
def models(draw):
    s = draw(st.sampled_from([2, 3]))
    v = draw(st.sampled_from([2, 3, 5, 8, 300]))  # 300: symbols stored as uint16
    m = draw(st.integers(1, min(v ** (s - 1), 9)))  # powers of two (shifts) and others (divisions)
    n_c = draw(st.integers(1, min(v**s // m, 6)))
    L = draw(st.integers(1, 5 if s == 2 else 3))
    return RandomHierarchyModel(n_c, v, m, s, L, rules_seed=draw(st.integers(0, 1000)))


def level_by_level(model: RandomHierarchyModel, idx: np.ndarray) -> torch.Tensor:
    return model._tree(*model.choices_from_indices(idx), keep=False)[-1]


def blocks_with(model: RandomHierarchyModel, rows: int, nbytes: int) -> tuple[rhm_blocks.ComposedBlock, ...]:
    composed_blocks.cache_clear()
    saved = rhm_blocks.BLOCK_ROWS, rhm_blocks.BLOCK_BYTES
    rhm_blocks.BLOCK_ROWS, rhm_blocks.BLOCK_BYTES = rows, nbytes
    try:
        return composed_blocks(*model._key())
    finally:
        rhm_blocks.BLOCK_ROWS, rhm_blocks.BLOCK_BYTES = saved
        composed_blocks.cache_clear()


@settings(max_examples=60, deadline=None)
@given(model=models(), rows=st.sampled_from([1, 64, 4096, 2**16]), chunk=st.integers(1, 40),
       seed=st.integers(0, 2**32))
def test_composed_tables_give_the_tokens_of_the_level_by_level_gathers(model, rows, chunk, seed):
    assume(model.p_max < 2**63)  # the indices are int64 (larger datasets take the level-by-level path)
    blocks = blocks_with(model, rows, 2**22)
    # the blocks tile the levels from the class to the input, each within the limits or one level deep
    assert blocks[0].level == 0 and all(a.level + a.depth == b.level for a, b in zip(blocks, blocks[1:]))
    assert blocks[-1].level + blocks[-1].depth == model.L
    for b in blocks:
        parents = model.n_c if b.level == 0 else model.v
        assert b.depth >= 1 and b.nodes == (model.s**b.depth - 1) // (model.s - 1)
        assert len(b.table) == parents * model.m**b.nodes
        assert b.depth == 1 or len(b.table) <= rows
    n = 50
    idx = np.random.default_rng(seed).integers(0, model.p_max, size=n)
    got = rhm_blocks.tokens_from_indices(idx, blocks, model.m, model.s, chunk=chunk)
    assert got.dtype == np.int64 and got.shape == (n, model.s**model.L)
    assert torch.equal(torch.from_numpy(got), level_by_level(model, idx))
    assert got[:6].tolist() == [ref_tokens(model, int(i)) for i in idx[:6]]


def test_blocks_are_chosen_from_the_input_upwards():
    """n_c = v = 32, m = 8, s = 2, L = 3: levels 1-2 compose into 32 * 8**3 = 16384 rows; with the class on
    top they would need 32 * 8**7 rows, so the top level is a block of its own."""
    model = RandomHierarchyModel(32, 32, 8, 2, 3)
    blocks = composed_blocks(*model._key())
    assert [(b.level, b.depth, len(b.table)) for b in blocks] == [(0, 1, 256), (1, 2, 16384)]
    assert blocks[0].dtype == np.uint8 and blocks[-1].dtype == np.int64


def test_the_byte_limit_keeps_deep_tables_small():
    """m = 1 (no synonyms): every table has v rows however deep, so only the byte limit stops a block."""
    model = RandomHierarchyModel(2, 4, 1, 2, 6)
    blocks = blocks_with(model, 2**16, 64)
    assert all(len(b.table) * b.table.dtype.itemsize <= 64 or b.depth == 1 for b in blocks)
    idx = np.arange(model.p_max)
    assert torch.equal(torch.from_numpy(rhm_blocks.tokens_from_indices(idx, blocks, 1, 2)), level_by_level(model, idx))


@pytest.mark.parametrize("n", [0, 1, rhm_blocks.CHUNK + 3])
def test_tokens_from_indices_at_chunk_edges(n):
    model = RandomHierarchyModel(4, 6, 3, 2, 4, rules_seed=5)
    idx = np.random.default_rng(n).integers(0, model.p_max, size=n)
    got = model.tokens_from_indices(idx, device="cpu")
    assert got.dtype == torch.int64 and got.shape == (n, 16)
    assert torch.equal(got, level_by_level(model, idx))


def test_symbol_dtype_is_the_narrowest_that_holds_the_vocabulary():
    assert [rhm_blocks.symbol_dtype(v) for v in (2, 256, 257, 65536, 65537)] == [
        np.uint8, np.uint8, np.uint16, np.uint16, np.uint32]


def test_datasets_past_int64_take_the_level_by_level_path():
    model = RandomHierarchyModel(3, 5, 5, 2, 5, rules_seed=2)  # p_max = 3 * 5**31 > 2**63
    assert model.p_max > 2**63
    idx = np.array([0, 2**62, model.p_max - 1], dtype=object)
    got = model.tokens_from_indices(idx, device="cpu")
    assert got.tolist() == [ref_tokens(model, int(i)) for i in idx]
    small = np.array([5, 2**40], dtype=np.int64)  # int64 indices of a dataset that needs more
    assert model.tokens_from_indices(small, device="cpu").tolist() == [ref_tokens(model, int(i)) for i in small]


def test_classes_from_indices_are_the_leading_digit():
    for model in (RandomHierarchyModel(4, 6, 3, 2, 3, rules_seed=1), RandomHierarchyModel(3, 5, 5, 2, 5)):
        idx = np.array([0, 1, model.p_max // 2, model.p_max - 1], dtype=np.int64 if model.p_max < 2**63 else object)
        assert torch.equal(model.classes_from_indices(idx), model.choices_from_indices(idx)[0])
