"""Batched seeds: a spec that runs several seeds as one batched model yields, per seed, the record of a lone run.

Bit for bit with one torch thread per run, as the sweeps' worker processes run (with several threads a
batched matrix product may split its work differently from a single one, which moves the last bits).
"""
import math

import pytest
import torch

from scalingcheck.simulate.data import Stripe
from scalingcheck.simulate.experiments.feature_lazy import AlphaTrainingSpec
from scalingcheck.simulate.experiments.rhm import RHMLearningSpec, SparseRHMLearningSpec
from scalingcheck.simulate.networks import HierarchicalCNN, LocallyConnected, ShallowFCN, TwoLayerReLU
from scalingcheck.simulate.learners.gradient_flow import FlowConfig
from scalingcheck.simulate.learners.training import TrainConfig
from scalingcheck.simulate.runs.spec import run, run_batch, run_points
from scalingcheck.simulate.runs.store import MemoryStore
from scalingcheck.simulate.runs.sweep import SerialExecutor, Sweep, execute, plan
from tests.toy import PowerLawToy

TIMING = ("seconds", "batch")


pytestmark = pytest.mark.usefixtures("one_thread")  # tests/conftest.py


def same(a, b):
    return {k: v for k, v in a.items() if k not in TIMING} == {k: v for k, v in b.items() if k not in TIMING}


SPECS = [
    RHMLearningSpec(4, 8, 3, 2, 3, p=128, net=HierarchicalCNN(width=16), n_test=128, train=TrainConfig(lr=0.1), sensitivity_level=1),
    RHMLearningSpec(4, 8, 2, 2, 3, p=64, net=ShallowFCN(width=16), n_test=64, train=TrainConfig(lr=0.1)),
    SparseRHMLearningSpec(2, 4, 2, 2, 2, p=64, net=LocallyConnected(width=16), n_test=64, train=TrainConfig(lr=0.1), s0=1),
    AlphaTrainingSpec(Stripe(d=2), p=32, alpha=1e-2, net=TwoLayerReLU(width=16), n_test=256, frozen_kernels=True,
                      flow=FlowConfig(loss="hinge", tau=100.0, max_dout=1.0, max_dgrad=math.inf, max_steps=20000)),
    AlphaTrainingSpec(Stripe(d=2), p=32, alpha=1e3, net=TwoLayerReLU(width=16), n_test=256,
                      flow=FlowConfig(loss="hinge", tau=100.0, max_dout=1.0, max_dgrad=math.inf, max_steps=20000)),
]


@pytest.mark.parametrize("spec", SPECS, ids=["rhm-cnn-sensitivity", "rhm-fcn", "sparse-lcn", "flow-feature", "flow-lazy"])
def test_batch_records_equal_lone_runs(spec):
    seeds = [0, 1, 2]
    batch = run_batch(spec, seeds)
    assert [r["seed"] for r in batch] == seeds and all(r["batch"] == 3 for r in batch)
    for seed, record in zip(seeds, batch):
        alone = run(spec, seed)
        assert same(alone, record), {k: (alone[k], record.get(k)) for k in alone if alone[k] != record.get(k)}
        assert record["key"] == spec.key(seed)


def test_batch_limit_is_enforced():
    with pytest.raises(ValueError, match="17 seeds exceed the batch limit 16"):
        run_batch(SPECS[0], list(range(17)))
    with pytest.raises(ValueError, match="exceed the batch limit 1"):
        run_batch(PowerLawToy(), [0, 1])


def test_plan_batches_the_seeds_of_batchable_specs_evenly():
    spec = SPECS[0]
    tasks = plan([(spec, s) for s in range(20)] + [(PowerLawToy(p=8), 0), (PowerLawToy(p=8), 1)])
    batched = [seeds for t in tasks for s, seeds in t.by_spec() if s is spec]
    assert sorted(len(b) for b in batched) == [10, 10] and sorted(sum(batched, ())) == list(range(20))
    assert sorted(len(t.points) for t in tasks if t.spec != spec) == [1, 1]
    assert all(len(t.points) == 1 for t in plan([(spec, s) for s in range(4)], batch=False))


def test_sweep_stores_the_same_records_batched_or_not():
    sweep = Sweep.over(SPECS[1], seeds=range(3), p=[32, 64])
    batched, single = MemoryStore(), MemoryStore()
    execute(sweep, batched, executor=SerialExecutor(), progress=False)
    execute(sweep, single, executor=SerialExecutor(), progress=False, batch=False)
    for spec, seed in sweep.points():
        assert same(batched.get(spec.key(seed)), single.get(spec.key(seed)))


@pytest.mark.parametrize("net, shape, labels", [
    ("two_layer", (512, 2), "pm1"),
    ("cnn", (256, 8, 8), "classes"),
    ("lcn", (256, 8, 8), "classes"),
    ("fcn", (256, 8, 8), "classes"),
])
def test_a_models_forward_and_backward_do_not_depend_on_its_batch(net, shape, labels):
    """Model i of a stacked ensemble of 6 gives, to the last bit, what it gives alone (an ensemble of one).

    At these sizes a batched matrix-vector product rounds differently from a single one (the two-layer
    net's readout); the networks compute such products model by model.
    """
    from scalingcheck.simulate.networks import HierarchicalCNN, LocallyConnected, ShallowFCN, TwoLayerReLU

    model = {"two_layer": TwoLayerReLU(d=2, width=64), "cnn": HierarchicalCNN(8, 4, 2, 3, 64),
             "lcn": LocallyConnected(8, 4, 2, 3, 64), "fcn": ShallowFCN(8, 4, 8, 64)}[net]
    e = 6
    g = torch.Generator().manual_seed(0)
    x = torch.randn(e, *shape, generator=g, dtype=torch.float64)
    params = model.init_ensemble(range(e), dtype=torch.float64)
    y = (torch.sign(torch.randn(e, shape[0], generator=g, dtype=torch.float64)) if labels == "pm1"
         else torch.randint(4, (e, shape[0]), generator=g))

    def forward_backward(p, xs, ys):
        leaves = {k: v.clone().requires_grad_(True) for k, v in p.items()}
        out = model.apply(leaves, xs)
        loss = (torch.relu(1 - ys * out).mean(-1) if labels == "pm1"
                else torch.nn.functional.cross_entropy(out.reshape(-1, 4), ys.reshape(-1), reduction="none")
                .view(ys.shape).mean(-1)).sum()
        return out.detach(), torch.autograd.grad(loss, list(leaves.values()))

    out, grads = forward_backward(params, x, y)
    for i in range(e):
        out_i, grads_i = forward_backward({k: v[i : i + 1] for k, v in params.items()}, x[i : i + 1], y[i : i + 1])
        assert torch.equal(out_i[0], out[i])
        assert all(torch.equal(a[0], b[i]) for a, b in zip(grads_i, grads))


@pytest.mark.parametrize("spec", SPECS[:3], ids=["rhm-cnn-sensitivity", "rhm-fcn", "sparse-lcn"])
def test_runs_of_one_learning_curve_as_one_batch_equal_lone_runs(spec):
    """Specs that differ only in p share a batch group; one batch of their runs (each network on its own
    P, some sharing a P) gives each run's lone record."""
    small, mid = spec.replace(p=spec.p // 4), spec.replace(p=spec.p // 2)
    points = [(spec, 0), (small, 1), (mid, 0), (small, 2), (spec, 1)]
    assert len({s.batch_group() for s, _ in points}) == 1
    records = run_points(points)
    assert all(r["batch"] == 5 for r in records)
    for (s, seed), record in zip(points, records):
        alone = run(s, seed)
        assert record["key"] == s.key(seed)
        assert same(alone, record), {k: (alone[k], record.get(k)) for k in alone if alone[k] != record.get(k)}


def test_a_batch_takes_runs_of_one_group_only():
    spec = SPECS[0]
    with pytest.raises(ValueError, match="share a spec kind and a batch_group"):
        run_points([(spec, 0), (spec.replace(net=HierarchicalCNN(width=8)), 0)])
    with pytest.raises(ValueError, match="share a spec kind and a batch_group"):
        run_points([(spec, 0), (SPECS[1], 0)])
    with pytest.raises(ValueError, match="17 runs exceed the batch limit 16"):
        run_points([(spec.replace(p=16 * (1 + i % 2)), i) for i in range(17)])
    with pytest.raises(NotImplementedError, match="batches only its own seeds"):
        PowerLawToy()._run_points([(PowerLawToy(), 0), (PowerLawToy(p=8), 0)])


def test_plan_batches_a_learning_curve_across_p_by_cost():
    spec = SPECS[0]
    curve = [(spec.replace(p=p), s) for p in (16, 256, 32, 64) for s in range(5)]
    other = [(spec.replace(net=HierarchicalCNN(width=8)), s) for s in range(2)]
    tasks = plan(curve + other)
    grouped = [t for t in tasks if t.spec.net.width == 16]
    assert sorted(len(t.points) for t in grouped) == [10, 10]
    assert sorted((s.p, seed) for t in grouped for s, seed in t.points) == sorted((s.p, seed) for s, seed in curve)
    # ordered by cost (the cheap P together) before the cut
    assert [sorted({s.p for s, _ in t.points}) for t in sorted(grouped, key=lambda t: t.cost())] == [[16, 32], [64, 256]]
    assert [len(t.points) for t in tasks if t.spec.net.width == 8] == [2]
    assert all(len(t.points) == 1 for t in plan(curve, batch=False))


def test_flows_of_several_alphas_as_one_batch_equal_lone_runs():
    """Alpha-trick specs that differ only in alpha share a batch group: one batch flows each network with its
    own alpha and its own inertia (tau scaled by min(1, 1/alpha)), each as it would alone."""
    lazy = SPECS[4]
    feature, middle = lazy.replace(alpha=1e-2), lazy.replace(alpha=3.0)
    assert len({s.scaled_flow().tau for s in (lazy, feature, middle)}) == 3
    points = [(lazy, 0), (feature, 1), (middle, 0), (feature, 0), (lazy, 2)]
    assert len({s.batch_group() for s, _ in points}) == 1 and SPECS[3].batch_group() != lazy.batch_group()
    records = run_points(points)
    for (s, seed), record in zip(points, records):
        alone = run(s, seed)
        assert record["key"] == s.key(seed)
        assert same(alone, record), {k: (alone[k], record.get(k)) for k in alone if alone[k] != record.get(k)}


@pytest.mark.parametrize("kind", ["rhm-cnn", "flows"])
def test_a_gpu_sized_batch_gives_each_network_its_lone_record(kind):
    """The batches a GPU forms (a whole learning curve, every seed and alpha of one p: beyond the CPU's batch
    limit) give each network, bit for bit, the record it has alone: the batched model of 48 networks is
    called directly here, on the CPU (one thread), and a sample of its networks is run alone."""
    if kind == "rhm-cnn":
        base = RHMLearningSpec(4, 8, 3, 2, 3, p=128, net=HierarchicalCNN(width=8), n_test=64,
                               train=TrainConfig(lr=0.1, max_steps=300))
        points = [(base.replace(p=p), seed) for p in (16, 32, 64, 128) for seed in range(12)]
    else:
        base = SPECS[4]
        points = [(base.replace(alpha=alpha), seed) for alpha in (1e-2, 1.0, 1e3) for seed in range(16)]
    assert len(points) == 48 > base.batch_limit and len({s.batch_group() for s, _ in points}) == 1
    batched = base._run_points(points)
    for (spec, seed), record in list(zip(points, batched))[::7]:
        alone = spec._run(seed)
        assert alone == record, {k: (alone[k], record.get(k)) for k in alone if alone[k] != record.get(k)}
