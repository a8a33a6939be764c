"""Scale-detection tasks (arXiv:2210.01506) and their label-preserving shift, against brute force and hand counts."""
import itertools
import math

import pytest
import torch

from scalingcheck.simulate.data.scale_detection import ScaleDetection1D, ScaleDetection2D
from scalingcheck.simulate.observables.perturbations import BlockShift

torch.set_num_threads(1)


def brute_1d(d, xi, task, gap=0.0):
    """Every unordered pair r1 < r2 with its label by the rule written out directly (0: discarded)."""
    out = {}
    for r1, r2 in itertools.combinations(range(d), 2):
        if task == 2:
            out[(r1, r2)] = 1 if r1 // xi == r2 // xi else -1
        else:
            dist = min(abs(r1 - r2), d - abs(r1 - r2))
            out[(r1, r2)] = 1 if dist < xi - gap else (-1 if dist >= xi + gap else 0)
    return {k: v for k, v in out.items() if v != 0}


def brute_2d(d, xi, gap):
    out = {}
    for a, b in itertools.combinations(range(d * d), 2):
        dist = math.hypot(a // d - b // d, a % d - b % d)
        lab = 1 if dist < xi - gap else (-1 if dist >= xi + gap else 0)
        if lab:
            out[(a, b)] = lab
    return out


def as_dict(task):
    pos, lab = task.pairs()
    return {(int(a), int(b)): int(y) for (a, b), y in zip(pos.tolist(), lab.tolist())}


# --------------------------------------------------------------------------- enumeration


def test_task2_pair_counts_by_hand():
    """d = 16, xi = 4: C(16, 2) = 120 pairs, of which 4 blocks x C(4, 2) = 24 share a block (+1), 96 do not."""
    task = ScaleDetection1D(16, 4)
    assert task.class_sizes() == (24, 96)
    assert task.n_balanced() == 48
    assert as_dict(task) == brute_1d(16, 4, 2)


@pytest.mark.parametrize("d, xi", [(8, 2), (8, 4), (32, 8)])
def test_task2_pairs_equal_brute_force(d, xi):
    assert as_dict(ScaleDetection1D(d, xi)) == brute_1d(d, xi, 2)


def test_task1_pairs_equal_brute_force_and_hand_count():
    """d = 12, xi = 3, gap = 1: periodic distance 1 (+1: 12 pairs), 2..3 discarded, 4, 5 (12 each) and 6 (6) -> -1."""
    task = ScaleDetection1D(12, 3, task=1, gap=1)
    assert task.class_sizes() == (12, 30)
    assert as_dict(task) == brute_1d(12, 3, 1, gap=1)
    assert as_dict(ScaleDetection1D(16, 4, task=1)) == brute_1d(16, 4, 1)


def test_2d_pairs_equal_brute_force():
    assert as_dict(ScaleDetection2D(5, 2.5, 0.5)) == brute_2d(5, 2.5, 0.5)
    assert as_dict(ScaleDetection2D(4, 2, 0)) == brute_2d(4, 2, 0)


# --------------------------------------------------------------------------- split


def positions_of(x):
    flat = x.reshape(x.shape[0], -1)
    return [tuple(row.nonzero().flatten().tolist()) for row in flat]


@pytest.mark.parametrize("task, n_train, n_test", [
    (ScaleDetection1D(32, 8), 100, 60),
    (ScaleDetection1D(32, 8), 37, 187),  # all 224 balanced pairs, odd sizes
    (ScaleDetection1D(24, 4, task=1, gap=1), 40, 30),
    (ScaleDetection2D(6, 3, 1), 50, 50),
])
def test_split_labels_balance_and_disjointness(task, n_train, n_test):
    (x, y), (xt, yt) = task.split(n_train, n_test, seed=3, device="cpu", dtype=torch.float64)
    assert x.shape == (n_train, 1, *task.image_shape) and xt.shape == (n_test, 1, *task.image_shape)
    truth = brute_2d(task.d, task.xi, task.gap) if isinstance(task, ScaleDetection2D) else \
        brute_1d(task.d, task.xi, task.task, task.gap)
    for xs, ys in ((x, y), (xt, yt)):
        pos = positions_of(xs)
        assert all(len(p) == 2 for p in pos)
        assert [truth[p] for p in pos] == ys.tolist()  # labels follow the rule
        assert bool((xs.reshape(len(xs), -1).sum(1) == 2 * task.amplitude).all())
        assert abs(int((ys > 0).sum()) - int((ys < 0).sum())) <= 1  # balanced up to one
    train, test = positions_of(x), positions_of(xt)
    assert len(set(train)) == n_train and len(set(test)) == n_test and not set(train) & set(test)


def test_split_is_seeded_and_test_set_does_not_depend_on_n_train():
    task = ScaleDetection1D(32, 8)
    (x1, _), (t1, _) = task.split(50, 40, 0, device="cpu")
    (x2, _), (t2, _) = task.split(80, 40, 0, device="cpu")
    _, (t3, _) = task.split(50, 40, 1, device="cpu")
    assert torch.equal(t1, t2) and torch.equal(x1, x2[:50])
    assert not torch.equal(t1, t3)


def test_split_balancing_truncates_the_larger_class_from_the_seed():
    """Which -1 pairs survive the balancing depends on the seed; all +1 pairs are always used."""
    task = ScaleDetection1D(32, 8)
    n = task.n_balanced()
    kept = []
    for seed in (0, 1):
        (x, y), _ = task.split(n, 0, seed, device="cpu")
        pos = positions_of(x)
        assert len({p for p, lab in zip(pos, y.tolist()) if lab > 0}) == task.class_sizes()[0]
        kept.append({p for p, lab in zip(pos, y.tolist()) if lab < 0})
    assert kept[0] != kept[1]


def test_value_and_dtype():
    task = ScaleDetection1D(16, 4)
    assert task.amplitude == math.sqrt(8)
    (x, y), _ = ScaleDetection1D(16, 4, value=2.5).split(4, 0, 0, device="cpu", dtype=torch.float64)
    assert x.dtype == y.dtype == torch.float64 and set(x.unique().tolist()) == {0.0, 2.5}
    assert ScaleDetection2D(28, 14, 2).amplitude == math.sqrt(28 * 28 / 2)


def test_errors_name_the_parameter():
    with pytest.raises(ValueError, match="xi=6 must be a power of 2"):
        ScaleDetection1D(24, 6)
    with pytest.raises(ValueError, match="must be a power of 2"):
        ScaleDetection1D(16, 16)  # one block only: no -1 pair
    with pytest.raises(ValueError, match="gap"):
        ScaleDetection1D(16, 4, gap=1)
    with pytest.raises(ValueError, match="task=3"):
        ScaleDetection1D(16, 4, task=3)
    with pytest.raises(ValueError, match="xi - gap > 1"):
        ScaleDetection1D(16, 2, task=1, gap=1)
    with pytest.raises(ValueError, match="exceeds the 48 balanced pairs"):
        ScaleDetection1D(16, 4).split(40, 9, 0, device="cpu")
    with pytest.raises(ValueError, match="exactly two active"):
        ScaleDetection1D(16, 4).positions(torch.zeros(2, 1, 16))


# --------------------------------------------------------------------------- BlockShift


def all_images(task):
    pos, lab = task.pairs()
    return task.images(pos, device="cpu", dtype=torch.float64), lab


def test_block_shift_task2_keeps_blocks_and_moves_by_at_most_one():
    task = ScaleDetection1D(16, 4)
    x, y = all_images(task)
    before = torch.tensor(positions_of(x))
    seen = [set() for _ in range(2 * len(x))]
    for seed in range(40):
        moved = BlockShift(task)(x, seed)
        assert moved.shape == x.shape and moved.dtype == x.dtype
        after = torch.tensor(positions_of(moved))  # exactly two active pixels (else the tensor is ragged)
        assert bool(((after - before).abs() <= 1).all())
        assert torch.equal(after // 4, before // 4)  # blocks kept, hence labels
        assert torch.equal(task.label(moved), y)
        assert bool((moved.reshape(len(x), -1).sum(1) == 2 * task.amplitude).all())
        for i, (a, b) in enumerate(after.tolist()):
            seen[2 * i].add(a)
            seen[2 * i + 1].add(b)
    # far-apart pixels: every move allowed by the rule (stay in the block) is taken for some seed
    for i, (r1, r2) in enumerate(before.tolist()):
        if r2 - r1 >= 3:
            for j, r in enumerate((r1, r2)):
                allowed = {r + s for s in (-1, 1) if (r + s) // 4 == r // 4}
                stays = len(allowed) < 2
                assert seen[2 * i + j] == allowed | ({r} if stays else set()), (r1, r2, r)


def test_block_shift_task1_keeps_the_label_and_moves_periodically():
    task = ScaleDetection1D(24, 5, task=1, gap=1)
    x, y = all_images(task)
    before = torch.tensor(positions_of(x))
    moved_any = 0
    for seed in range(10):
        moved = BlockShift(task)(x, seed)
        assert torch.equal(task.label(moved), y)
        after = torch.tensor(positions_of(moved))
        # each active pixel of `moved` is within periodic distance 1 of one of the original ones
        for (a1, a2), (b1, b2) in zip(before.tolist(), after.tolist()):
            for b in (b1, b2):
                assert min(task.distance(torch.tensor(b), torch.tensor(a)).item() for a in (a1, a2)) <= 1
        moved_any += int((after != before).any(1).sum())
    assert moved_any > 0


def test_block_shift_2d_keeps_the_label_and_moves_one_step():
    task = ScaleDetection2D(6, 3, 1)
    x, y = all_images(task)
    before = positions_of(x)
    for seed in range(5):
        moved = BlockShift(task)(x, seed)
        assert torch.equal(task.label(moved), y)
        for (a1, a2), after in zip(before, positions_of(moved)):
            assert len(after) == 2
            for b in after:  # one step up/down/left/right (or none) from one of the original pixels
                assert min(abs(b // 6 - a // 6) + abs(b % 6 - a % 6) for a in (a1, a2)) <= 1


def test_block_shift_is_seeded_and_checks_its_input():
    task = ScaleDetection1D(16, 4)
    x, _ = all_images(task)
    shift = BlockShift(task)
    assert torch.equal(shift(x, 7), shift(x, 7)) and not torch.equal(shift(x, 7), shift(x, 8))
    with pytest.raises(ValueError, match="exactly two active"):
        shift(x + 1.0, 0)
    with pytest.raises(ValueError, match="task must be"):
        BlockShift("not a task")
