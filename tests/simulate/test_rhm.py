"""Random Hierarchy Model and its sparse variant: rules, indexing, decoding, splits, re-draws.

References are independent: a per-sample pure-Python expander and parser
written here from docs/science.md, exhaustive enumeration at tiny sizes, values of
p_max computed by hand, and chi-square tests for the class balance.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.data.sparse_rhm import SparseRandomHierarchyModel
from scalingcheck.simulate.runs.spec import canonical_json

PROPS = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32)


@st.composite
def rhms(draw, max_L: int = 3):
    s = draw(st.sampled_from([2, 3]))
    v = draw(st.integers(2, 5))
    m = draw(st.integers(1, min(v ** (s - 1), 4)))
    n_c = draw(st.integers(1, min(v**s // m, 5)))
    L = draw(st.integers(1, max_L if s == 2 else 2))
    return RandomHierarchyModel(n_c, v, m, s, L, rules_seed=draw(st.integers(0, 1000)))


@st.composite
def sparse_rhms(draw):
    d = draw(rhms(max_L=2))
    return SparseRandomHierarchyModel(d.n_c, d.v, d.m, d.s, d.L, draw(st.integers(0, 2)), d.rules_seed)


# ---------------------------------------------------------------- references


def ref_members(model: RandomHierarchyModel, index: int) -> tuple[int, list[int]]:
    """Mixed radix with Python ints: index -> (class, choices in breadth-first order)."""
    choices = []
    for _ in range(model.n_nodes):
        index, h = divmod(index, model.m)
        choices.append(h)
    return index, choices[::-1]


def ref_tokens(model: RandomHierarchyModel, index: int) -> list[int]:
    """Expand one member symbol by symbol, level by level (pure Python)."""
    rules = model.rules
    tables = [rules.top.tolist()] + [t.tolist() for t in rules.lower]
    c, choices = ref_members(model, index)
    level, k = [c], 0
    for depth in range(model.L):
        nxt = []
        for sym in level:
            nxt.extend(tables[depth][sym][choices[k]])
            k += 1
        level = nxt
    return level


def ref_decode(model: RandomHierarchyModel, tokens: list[int]) -> int:
    """Go up with dictionaries tuple -> parent; -1 if a tuple has no parent."""
    rules = model.rules
    tables = [rules.top.tolist()] + [t.tolist() for t in rules.lower]
    parents = [{tuple(t): a for a, prods in enumerate(tab) for t in prods} for tab in tables]
    level = list(tokens)
    for depth in range(model.L - 1, -1, -1):
        level = [parents[depth].get(tuple(level[i : i + model.s]), -1) for i in range(0, len(level), model.s)]
    return level[0]


# --------------------------------------------------------------------- rules


@PROPS
@given(model=rhms())
def test_rules_are_distinct_tuples_and_a_pure_function_of_the_seed(model):
    rules = model.rules
    assert rules.top.shape == (model.n_c, model.m, model.s)
    assert len(rules.lower) == model.L - 1
    tables = [rules.top] + list(rules.lower)
    for t in rules.lower:
        assert t.shape == (model.v, model.m, model.s)
    for t in tables:
        assert t.dtype == torch.int64 and int(t.min()) >= 0 and int(t.max()) < model.v
        flat = [tuple(r) for r in t.reshape(-1, model.s).tolist()]
        assert len(set(flat)) == len(flat)  # one level: all tuples distinct (unambiguous grammar)
        for prods in t.tolist():  # synonyms of one symbol are distinct
            assert len({tuple(p) for p in prods}) == model.m
    again = RandomHierarchyModel(model.n_c, model.v, model.m, model.s, model.L, model.rules_seed)
    from scalingcheck.simulate.data import rhm as rhm_module

    rhm_module._rules.cache_clear()
    fresh = again.rules
    assert torch.equal(fresh.top, rules.top) and all(torch.equal(a, b) for a, b in zip(fresh.lower, rules.lower))


def test_rules_depend_on_the_seed_and_levels_are_independent():
    a = RandomHierarchyModel(2, 8, 4, 2, 3, rules_seed=0).rules
    b = RandomHierarchyModel(2, 8, 4, 2, 3, rules_seed=1).rules
    assert not torch.equal(a.top, b.top)
    assert not torch.equal(a.lower[0], a.lower[1])


def test_rules_property_returns_copies():
    model = RandomHierarchyModel(2, 4, 2, 2, 2)
    model.rules.top.zero_()
    assert int(model.rules.top.max()) > 0


# ------------------------------------------------------------------ sizes


@pytest.mark.parametrize(
    "params, p_max, d, n_nodes",
    [
        (dict(n_c=2, v=2, m=2, s=2, L=2), 16, 4, 3),  # 2 * 2**3
        (dict(n_c=4, v=4, m=3, s=3, L=2), 324, 9, 4),  # 4 * 3**4
        (dict(n_c=8, v=32, m=8, s=2, L=3), 8 * 8**7, 8, 7),
        (dict(n_c=3, v=5, m=1, s=2, L=4), 3, 16, 15),  # m = 1: one member per class
        (dict(n_c=8, v=32, m=8, s=2, L=6), 8 * 8**63, 64, 63),  # past int64, exact
    ],
)
def test_sizes_by_hand(params, p_max, d, n_nodes):
    model = RandomHierarchyModel(**params)
    assert model.p_max == p_max and isinstance(model.p_max, int)
    assert model.input_dim == d and model.n_nodes == n_nodes


def test_sparse_sizes_by_hand():
    model = SparseRandomHierarchyModel(n_c=2, v=3, m=2, s=2, L=2, s0=1)
    assert model.input_dim == 16  # (2*2)**2
    assert model.p_max == 2 * 2**3 * 2 ** (2 * 3)  # n_c m^3 (s0+1)^(s*3)
    assert model.n_channels == 4 and model.empty == 3
    assert SparseRandomHierarchyModel(2, 3, 2, 2, 2, s0=0).p_max == RandomHierarchyModel(2, 3, 2, 2, 2).p_max


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_c=2, v=8, m=9, s=2, L=2), r"m=9 > v\*\*\(s-1\)=8"),
        (dict(n_c=5, v=3, m=2, s=2, L=2), r"n_c\*m=10 > v\*\*s=9"),
        (dict(n_c=0, v=3, m=2, s=2, L=2), r"n_c=0 must be an integer >= 1"),
        (dict(n_c=2, v=3, m=2, s=1, L=2), r"s=1 must be an integer >= 2"),
        (dict(n_c=2, v=3, m=2, s=2, L=0), r"L=0 must be an integer >= 1"),
        (dict(n_c=2, v=3, m=0, s=2, L=2), r"m=0 must be an integer >= 1"),
        (dict(n_c=2, v=2.0, m=2, s=2, L=2), r"v=2.0 must be an integer >= 1"),
        (dict(n_c=True, v=3, m=2, s=2, L=2), r"n_c=True"),
        (dict(n_c=2, v=3, m=2, s=2, L=2, rules_seed=-1), r"rules_seed=-1 must be a non-negative integer"),
        (dict(n_c=2, v=2**31, m=2, s=2, L=2), r"v\*\*s=\d+ must be < 2\*\*62"),
    ],
)
def test_validation_messages(params, message):
    with pytest.raises(ValueError, match=message):
        RandomHierarchyModel(**params)


def test_sparse_validation_and_method_arguments():
    with pytest.raises(ValueError, match=r"s0=-1 must be an integer >= 0"):
        SparseRandomHierarchyModel(2, 3, 2, 2, 2, s0=-1)
    with pytest.raises(ValueError, match=r"m=9 > v\*\*\(s-1\)=8"):
        SparseRandomHierarchyModel(2, 8, 9, 2, 2, s0=1)
    model = RandomHierarchyModel(2, 3, 2, 2, 2)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, p_max=16\)"):
        model.tokens_from_indices([16])
    with pytest.raises(ValueError, match=r"p \+ n_test = 10 \+ 7 = 17 > p_max=16"):
        model.split(10, 7, seed=0)
    with pytest.raises(ValueError, match=r"level=2 must be an integer with 0 <= level <= 1"):
        model.resample_synonyms(torch.zeros(1, 3, dtype=torch.int64), 2, seed=0)
    with pytest.raises(ValueError, match=r"choices must lie in \[0, 2\)"):
        model.tokens(torch.tensor([0]), torch.tensor([[0, 2, 0]]))
    with pytest.raises(ValueError, match=r"tokens must be \[n, input_dim=4\]"):
        model.decode(torch.zeros(2, 5, dtype=torch.int64))
    with pytest.raises(ValueError, match=r"p_max=\d+ > 10\*\*6"):
        RandomHierarchyModel(8, 32, 8, 2, 3).enumerate_all()
    with pytest.raises(ValueError, match=r"dtype=torch.int64 must be a floating torch dtype"):
        model.sample(3, seed=0, dtype=torch.int64)


# ------------------------------------------------------- sampling and decoding


@PROPS
@given(model=rhms(), n=st.integers(0, 50), seed=seeds, stream=st.integers(0, 3))
def test_every_sample_decodes_to_its_label(model, n, seed, stream):
    x, y = model.sample(n, seed, stream=stream, device="cpu")
    assert x.shape == (n, model.v, model.input_dim) and x.dtype == torch.float32
    assert torch.equal(x.sum(1), torch.ones(n, model.input_dim))
    assert y.dtype == torch.int64 and y.shape == (n,)
    assert torch.equal(model.decode(x), y)
    tokens, y2 = model.sample(n, seed, stream=stream, device="cpu", one_hot=False)
    assert torch.equal(y2, y) and torch.equal(model.decode(tokens), y)
    assert torch.equal(model.one_hot(tokens), x)
    for row, label in zip(tokens.tolist()[:5], y.tolist()):
        assert ref_decode(model, row) == label
    # parse gives back the member drawn
    classes, choices = model.sample_choices(n, seed, stream=stream, device="cpu")
    pc, ph = model.parse(tokens)
    assert torch.equal(pc, classes) and torch.equal(ph, choices)


@PROPS
@given(model=rhms(), seed=seeds)
def test_tree_levels_and_tokens_agree_with_the_pure_python_expander(model, seed):
    n = 8
    idx = np.random.default_rng(seed).integers(0, min(model.p_max, 2**62), size=n)
    tree = model.tree_from_indices(idx, device="cpu")
    assert len(tree) == model.L + 1
    for level, t in enumerate(tree):
        assert t.shape == (n, model.s**level)
    assert torch.equal(tree[0][:, 0], model.choices_from_indices(idx)[0])
    assert torch.equal(tree[-1], model.tokens_from_indices(idx, device="cpu"))
    assert tree[-1].tolist() == [ref_tokens(model, int(i)) for i in idx]
    # each level is the parent of the next through the rules
    rules = model.rules
    tables = [rules.top] + list(rules.lower)
    classes, choices = model.choices_from_indices(idx)
    for level in range(model.L):
        h = choices[:, model.level_slice(level)]
        assert torch.equal(tables[level][tree[level], h].reshape(n, -1), tree[level + 1])


@PROPS
@given(model=rhms(max_L=2), seed=seeds)
def test_decode_of_arbitrary_tokens_matches_the_reference_parser(model, seed):
    tokens = torch.from_numpy(np.random.default_rng(seed).integers(0, model.v, size=(30, model.input_dim)))
    got = model.decode(tokens).tolist()
    assert got == [ref_decode(model, row) for row in tokens.tolist()]
    # a row with a token out of range is not in the language
    tokens[0, 0] = model.v
    assert int(model.decode(tokens)[0]) == -1


@pytest.mark.parametrize(
    "params",
    [dict(n_c=2, v=3, m=2, s=2, L=2), dict(n_c=3, v=3, m=3, s=2, L=3), dict(n_c=2, v=2, m=2, s=3, L=2), dict(n_c=4, v=4, m=2, s=2, L=1)],
)
def test_exhaustive_enumeration_is_one_to_one(params):
    model = RandomHierarchyModel(**params, rules_seed=7)
    x, y = model.enumerate_all(device="cpu", one_hot=False)
    assert x.shape == (model.p_max, model.input_dim)
    assert len({tuple(r) for r in x.tolist()}) == model.p_max  # all p_max inputs distinct
    classes, choices = model.parse(x)
    assert torch.equal(classes, y)
    assert np.array_equal(model.indices_from_choices(classes, choices), np.arange(model.p_max))
    assert x[:: max(1, model.p_max // 50)].tolist() == [ref_tokens(model, i) for i in range(0, model.p_max, max(1, model.p_max // 50))]
    # index order: class is the most significant digit, so classes come in equal blocks
    assert torch.equal(y, torch.arange(model.n_c).repeat_interleave(model.p_max // model.n_c))
    xo, yo = model.enumerate_all(device="cpu")
    assert torch.equal(xo.argmax(1), x) and torch.equal(yo, y)


def test_indices_past_int64_round_trip():
    model = RandomHierarchyModel(8, 32, 8, 2, 6, rules_seed=3)
    assert model.p_max > 2**63
    rng = np.random.default_rng(0)
    idx = np.array([0, model.p_max - 1] + [int(rng.integers(0, 2**62)) * 2**130 + 12345 for _ in range(20)], dtype=object)
    idx = idx % model.p_max
    classes, choices = model.choices_from_indices(idx, device="cpu")
    assert [int(c) for c in classes] == [ref_members(model, int(i))[0] for i in idx]
    back = model.indices_from_choices(classes, choices)
    assert back.dtype == object and list(back) == list(idx)
    tokens = model.tokens_from_indices(idx, device="cpu")
    assert tokens[:3].tolist() == [ref_tokens(model, int(i)) for i in idx[:3]]
    assert list(model.indices_from_choices(*model.parse(tokens))) == list(idx)


def test_class_frequencies_are_uniform():
    model = RandomHierarchyModel(n_c=5, v=8, m=3, s=2, L=3, rules_seed=1)
    n = 20000
    _, y = model.sample(n, seed=11, device="cpu", one_hot=False)
    counts = np.bincount(y.numpy(), minlength=model.n_c)
    assert stats.chisquare(counts).pvalue > 1e-4
    # and choices (synonyms) are uniform per node
    _, choices = model.sample_choices(n, seed=11, device="cpu")
    for j in range(model.n_nodes):
        assert stats.chisquare(np.bincount(choices[:, j].numpy(), minlength=model.m)).pvalue > 1e-4


def test_sampling_is_seeded_nested_and_streams_differ():
    model = RandomHierarchyModel(3, 6, 3, 2, 3)
    x1, y1 = model.sample(40, seed=5, device="cpu", one_hot=False)
    x2, y2 = model.sample(100, seed=5, device="cpu", one_hot=False)
    assert torch.equal(x1, x2[:40]) and torch.equal(y1, y2[:40])
    x3, _ = model.sample(40, seed=5, stream=1, device="cpu", one_hot=False)
    assert not torch.equal(x1, x3)
    x4, _ = model.sample(40, seed=5, device="cpu", dtype=torch.float64)
    assert x4.dtype == torch.float64 and torch.equal(x4.argmax(1), x1)


def test_specs_serialise_and_hash():
    model = RandomHierarchyModel(2, 3, 2, 2, 2, rules_seed=4)
    data = json.loads(canonical_json(model))
    assert data == {"kind": "rhm", "n_c": 2, "v": 3, "m": 2, "s": 2, "L": 2, "rules_seed": 4}
    assert hash(model) == hash(RandomHierarchyModel(2, 3, 2, 2, 2, rules_seed=4))
    sparse = json.loads(canonical_json(SparseRandomHierarchyModel(2, 3, 2, 2, 2, s0=1)))
    assert sparse["kind"] == "sparse_rhm" and sparse["s0"] == 1


# --------------------------------------------------------------------- splits


@PROPS
@given(model=rhms(), data=st.data())
def test_split_sets_are_disjoint_distinct_and_of_the_requested_sizes(model, data):
    n_test = data.draw(st.integers(0, min(model.p_max, 40)))
    p = data.draw(st.integers(0, min(model.p_max - n_test, 200)))
    seed = data.draw(seeds)
    train, test = model.split(p, n_test, seed)
    assert len(train) == p and len(test) == n_test
    both = np.concatenate([train, test])
    assert len(set(both.tolist())) == p + n_test
    assert (both >= 0).all() and (both < model.p_max).all()
    tokens = model.tokens_from_indices(both, device="cpu")
    assert len({tuple(r) for r in tokens.tolist()}) == p + n_test  # distinct indices -> distinct inputs


@pytest.mark.parametrize(
    "params, p",
    [
        (dict(n_c=2, v=3, m=2, s=2, L=2), 12),  # permutation, nearly all of p_max
        (dict(n_c=8, v=32, m=8, s=2, L=4), 3000),  # stream of int64 indices (p_max ~ 3.5e14)
        (dict(n_c=8, v=32, m=8, s=2, L=6), 3000),  # p_max > 2**63: members drawn directly
    ],
)
def test_split_is_nested_in_p_and_keeps_the_test_set(params, p):
    model = RandomHierarchyModel(**params)
    n_test = 4 if model.p_max < 100 else 500
    tr_small, te_small = model.split(p // 2, n_test, seed=3)
    tr, te = model.split(p, n_test, seed=3)
    assert list(te_small) == list(te) and list(tr_small) == list(tr[: p // 2])
    assert not set(tr.tolist()) & set(te.tolist())
    assert len(set(tr.tolist())) == p
    tr_other, _ = model.split(p, n_test, seed=4)
    assert list(tr_other) != list(tr)


def test_split_can_take_the_whole_dataset():
    model = RandomHierarchyModel(2, 3, 2, 2, 2)
    train, test = model.split(10, 6, seed=0)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(16))


def test_split_train_labels_are_balanced():
    model = RandomHierarchyModel(n_c=4, v=16, m=4, s=2, L=3, rules_seed=2)
    train, _ = model.split(8000, 100, seed=1)
    y = model.choices_from_indices(train, device="cpu")[0].numpy()
    assert stats.chisquare(np.bincount(y, minlength=4)).pvalue > 1e-4


# -------------------------------------------------------------- synonym re-draws


@PROPS
@given(model=rhms(), seed=seeds, data=st.data())
def test_resample_synonyms_keeps_the_tree_above_the_level(model, seed, data):
    level = data.draw(st.integers(0, model.L - 1))
    classes, choices = model.sample_choices(64, seed, device="cpu")
    new = model.resample_synonyms(choices, level, seed + 1)
    assert new.shape == choices.shape and int(new.min()) >= 0 and int(new.max()) < model.m
    keep = model.level_slice(level).start
    assert torch.equal(new[:, :keep], choices[:, :keep])
    before, after = model.tree(classes, choices), model.tree(classes, new)
    for l in range(level + 1):
        assert torch.equal(before[l], after[l])
    assert torch.equal(model.decode(after[-1]), classes)
    if model.m > 1:  # 64 rows x >= 1 node redrawn: unchanged with probability m**-(64*...) ~ 0
        assert not torch.equal(new[:, keep:], choices[:, keep:])
        assert not torch.equal(before[-1], after[-1])


def test_resample_synonyms_changes_every_level_below():
    model = RandomHierarchyModel(n_c=2, v=8, m=4, s=2, L=3)
    classes, choices = model.sample_choices(500, seed=0, device="cpu")
    for level in range(model.L):
        before = model.tree(classes, choices)
        after = model.tree(classes, model.resample_synonyms(choices, level, seed=level))
        for l in range(model.L + 1):
            changed = (before[l] != after[l]).any(1).float().mean().item()
            if l <= level:
                assert changed == 0
            else:
                assert changed > 0.5


# --------------------------------------------------------------------- sparse


@PROPS
@given(model=sparse_rhms(), n=st.integers(0, 40), seed=seeds)
def test_sparse_samples_decode_with_and_without_the_empty_symbols(model, n, seed):
    x, y = model.sample(n, seed, device="cpu")
    assert x.shape == (n, model.v + 1, model.input_dim)
    tokens, _ = model.sample(n, seed, device="cpu", one_hot=False)
    assert tokens.shape == (n, model.input_dim) and bool(((tokens >= 0) & (tokens <= model.v)).all())
    assert torch.equal(model.decode(x), y) and torch.equal(model.decode(tokens), y)
    informative = model.remove_empty(tokens)
    assert torch.equal(model.dense.decode(informative), y)
    classes, choices, positions = model.sample_choices(n, seed, device="cpu")
    assert torch.equal(informative, model.dense.tokens(classes, choices))  # same skeleton as the RHM
    pc, ph, pp = model.parse(tokens)
    assert torch.equal(pc, classes) and torch.equal(ph, choices) and torch.equal(pp, positions)
    # the empty symbol fills (s0/(s0+1)) of each sub-patch level by level
    assert (tokens == model.empty).sum(1).tolist() == [model.input_dim - model.s**model.L] * n


def test_sparse_exhaustive_enumeration_and_corruptions():
    model = SparseRandomHierarchyModel(n_c=2, v=3, m=2, s=2, L=2, s0=1, rules_seed=5)
    x, y = model.enumerate_all(device="cpu", one_hot=False)
    assert len({tuple(r) for r in x.tolist()}) == model.p_max
    assert np.array_equal(model.indices_from_choices(*model.parse(x)), np.arange(model.p_max))
    tree = model.tree(*model.choices_from_indices([0, 100], device="cpu"))
    assert [t.shape[1] for t in tree] == [1, 4, 16] and torch.equal(tree[-1], x[[0, 100]])
    # moving an informative token into the other half of its sub-patch's block breaks the structure
    bad = x[:1].clone()
    i = int((bad[0] != model.empty).nonzero()[0])
    j = i + 2 if i % 4 < 2 else i - 2  # the neighbouring sub-patch of the same block
    bad[0, j], bad[0, i] = bad[0, i], model.empty
    assert model.decode(bad).tolist() == [-1]
    both = x[:1].clone()
    both[0, i ^ 1] = 0  # two informative symbols in one sub-patch
    assert model.decode(both).tolist() == [-1]
    assert model.decode(torch.full((1, 16), model.empty)).tolist() == [-1]


def test_sparse_resample_positions_keeps_the_informative_tokens():
    model = SparseRandomHierarchyModel(n_c=2, v=6, m=3, s=2, L=3, s0=2)
    classes, choices, positions = model.sample_choices(200, seed=1, device="cpu")
    x = model.tokens(classes, choices, positions)
    for level in range(model.L):
        new = model.resample_positions(positions, level, seed=2)
        keep = model.dense.level_slice(level).start
        assert torch.equal(new[:, :keep], positions[:, :keep])
        y = model.tokens(classes, choices, new)
        assert torch.equal(model.remove_empty(y), model.remove_empty(x))
        assert not torch.equal(x, y)
        before, after = model.tree(classes, choices, positions), model.tree(classes, choices, new)
        for l in range(level + 1):
            assert torch.equal(before[l], after[l])
        assert torch.equal(model.decode(y), classes)
    syn = model.resample_synonyms(choices, 1, seed=3)
    assert torch.equal(model.decode(model.tokens(classes, syn, positions)), classes)


def test_sparse_split_and_index_round_trip():
    model = SparseRandomHierarchyModel(n_c=4, v=8, m=4, s=2, L=3, s0=1)
    train, test = model.split(500, 100, seed=0)
    assert not set(train.tolist()) & set(test.tolist()) and len(set(train.tolist())) == 500
    members = model.choices_from_indices(train, device="cpu")
    assert np.array_equal(model.indices_from_choices(*members), train)
    tokens = model.tokens_from_indices(train, device="cpu")
    assert np.array_equal(model.indices_from_choices(*model.parse(tokens)), train)


def test_decode_without_the_direct_table_agrees(monkeypatch):
    """Large v**s uses sorted codes + searchsorted instead of a direct table: same answers."""
    from scalingcheck.simulate.data import rhm_rules as rhm_module  # where the tables are built

    model = RandomHierarchyModel(n_c=3, v=4, m=2, s=2, L=3, rules_seed=9)
    tokens = torch.from_numpy(np.random.default_rng(0).integers(0, 4, size=(2000, 8)))
    tokens[:500] = model.sample(500, seed=1, device="cpu", one_hot=False)[0]
    direct = model.parse(tokens)
    monkeypatch.setattr(rhm_module, "_DIRECT_MAX", 0)
    rhm_module.lookup_tables.cache_clear()
    try:
        assert model.tables(torch.device("cpu")).direct is None  # the patch reaches the tables
        searched = model.parse(tokens)
    finally:
        monkeypatch.undo()
        rhm_module.lookup_tables.cache_clear()
    assert torch.equal(direct[0], searched[0]) and torch.equal(direct[1], searched[1])
    assert 0 < int((direct[0] >= 0).sum()) < 2000
    sparse = SparseRandomHierarchyModel(3, 4, 2, 2, 2, s0=1)
    x, y = sparse.sample(300, seed=2, device="cpu", one_hot=False)
    monkeypatch.setattr(rhm_module, "_DIRECT_MAX", 0)
    rhm_module.lookup_tables.cache_clear()
    try:
        assert torch.equal(sparse.decode(x), y)
    finally:
        monkeypatch.undo()
        rhm_module.lookup_tables.cache_clear()


def test_split_draws_the_first_distinct_values_of_its_stream():
    """The stream method by a second method: the same draws deduplicated by a Python set, in order of first
    occurrence (p_max just above the permutation method's limit, so that many draws collide)."""
    from scalingcheck.simulate.data.rhm_seeding import TAG_SPLIT, seed_rng

    model = RandomHierarchyModel(n_c=512, v=64, m=4, s=2, L=3)
    assert 2**22 < model.p_max < 2**24
    p, n_test, seed = 90_000, 10_000, 5
    rng, seen, order, chunk = seed_rng(seed, TAG_SPLIT), set(), [], 4096
    rng.integers(0, model.p_max, size=0, dtype=np.int64)
    while len(order) < p + n_test:
        for value in rng.integers(0, model.p_max, size=chunk, dtype=np.int64).tolist():
            if value not in seen:
                seen.add(value)
                order.append(value)
        chunk = min(2 * chunk, 2**22)
    train, test = model.split(p, n_test, seed)
    assert test.tolist() == order[:n_test] and train.tolist() == order[n_test : p + n_test]
    assert len(order) - len(set(order)) == 0 and len(seen) > p + n_test  # the last chunk drew past the total


@settings(max_examples=60, deadline=None)
@given(radices=st.lists(st.integers(2, 2**33), min_size=1, max_size=9), data=st.data())
def test_mixed_radix_digits_match_python_divmod(radices, data):
    """Digits by limbs and 32-bit words against Python's own divmod, past int64 too, and back."""
    from scalingcheck.simulate.data.rhm_indexing import digits_from_indices, indices_from_digits

    total = 1
    for r in radices:
        total *= r
    picks = data.draw(st.lists(st.integers(0, total - 1), min_size=1, max_size=20))
    idx = np.array(picks, dtype=np.int64 if total <= 2**63 else object)
    expected = []
    for i in picks:
        row = []
        for r in reversed(radices):
            i, digit = divmod(i, r)
            row.append(digit)
        expected.append(row[::-1])
    digits = digits_from_indices(idx, radices)
    assert digits.dtype == np.int64 and digits.tolist() == expected
    assert [int(i) for i in indices_from_digits(np.ascontiguousarray(digits), radices)] == picks


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_distinct_values_keep_first_occurrences_in_order(data):
    """The sort-based dedupe against dict order, with repeats and with values that share their low bits."""
    from scalingcheck.simulate.data.rhm_indexing import _distinct_values

    low = data.draw(st.lists(st.integers(0, 2047), min_size=1, max_size=30))
    high = data.draw(st.lists(st.integers(0, 2**30), min_size=1, max_size=30))
    shift = data.draw(st.sampled_from([20, 32]))  # 32: values that differ only above their low 32-bit word
    values = data.draw(st.lists(st.sampled_from([h * 2**shift + lo for h in high for lo in low]), max_size=3000))
    arr = np.array(values, dtype=np.int64)
    assert _distinct_values(arr).tolist() == list(dict.fromkeys(values))
