import pytest
import torch

from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.networks import HierarchicalCNN, LocallyConnected
from scalingcheck.simulate.experiments.rhm import RHMLearningSpec
from scalingcheck.simulate.observables.perturbations import SynonymResampling
from scalingcheck.simulate.observables.sensitivity import sensitivity
from scalingcheck.simulate.runs.rows import row
from scalingcheck.simulate.runs.spec import run
from scalingcheck.simulate.learners.training import TrainConfig


def test_learning_run_record_and_determinism():
    spec = RHMLearningSpec(4, 8, 3, 2, 2 + 1, p=256, net=HierarchicalCNN(width=32), n_test=256, train=TrainConfig(lr=0.1), sensitivity_level=1)
    a, b = run(spec, 0), run(spec, 0)
    assert a["test_error"] == b["test_error"] and a["sensitivity"] == b["sensitivity"]
    assert a["converged"] and a["train_loss"] < 0.01
    assert "m" not in a and "error_over_chance" not in a, "a record holds what the run measured"
    joined = row(spec, a)  # its row: the spec's fields and the derived columns beside the record
    assert joined["error_over_chance"] == a["test_error"] / 0.75 and (joined["m"], joined["L"], joined["p"]) == (3, 3, 256)
    assert joined["net"] == "hierarchical_cnn" and joined["net.width"] == 32 and joined["train.lr"] == 0.1
    assert len(a["sensitivity"]) == 4 and a["sensitivity_top"] == a["sensitivity"][2]


def test_learning_spec_validation():
    with pytest.raises(ValueError, match="exceeds the dataset size P_max = 512"):
        RHMLearningSpec(4, 8, 2, 2, 3, p=500, n_test=100)
    with pytest.raises(ValueError, match="net must be a Network"):
        RHMLearningSpec(4, 8, 3, 2, 3, p=10, n_test=10, net="mlp")
    with pytest.raises(ValueError, match="HierarchicalCNN has v=9, but the data .RandomHierarchyModel. needs v=8"):
        RHMLearningSpec(4, 8, 3, 2, 3, p=10, n_test=10, net=HierarchicalCNN(v=9))
    with pytest.raises(ValueError, match="sensitivity_level=4"):
        RHMLearningSpec(4, 8, 3, 2, 3, p=10, n_test=10, sensitivity_level=4)


def test_sensitivity_is_zero_without_synonyms_and_positive_with_them():
    """With m = 1 re-drawing synonyms changes nothing, so S = 0 at every layer; with m > 1 it does not."""
    net = HierarchicalCNN(4, 2, 2, 2, 8)
    params = net.init(0, dtype=torch.float64)
    single = RandomHierarchyModel(2, 4, 1, 2, 2, rules_seed=3)
    x = single.sample(256, 0, device="cpu", dtype=torch.float64)[0]
    s = sensitivity(net, params, x, SynonymResampling(single, 1)(x, 0))
    assert s.ratio == (0.0, 0.0, 0.0) and s.numerator == (0.0, 0.0, 0.0) and all(d > 0 for d in s.denominator)
    rhm = RandomHierarchyModel(2, 4, 2, 2, 2, rules_seed=3)
    x = rhm.sample(256, 0, device="cpu", dtype=torch.float64)[0]
    s = sensitivity(net, params, x, SynonymResampling(rhm, 1)(x, 0))
    assert all(v > 0.05 for v in s.ratio)
    with pytest.raises(ValueError, match="level=3"):
        SynonymResampling(rhm, 3)


def test_sparse_learning_run():
    from scalingcheck.simulate.experiments.rhm import SparseRHMLearningSpec

    spec = SparseRHMLearningSpec(2, 4, 2, 2, 2, p=64, net=LocallyConnected(width=16), n_test=64, train=TrainConfig(lr=0.1), s0=1)
    net = spec.network()
    assert (net.v, net.s) == (5, 4)  # v+1 channels, patches of s*(s0+1) positions
    r = run(spec, 0)
    assert row(spec, r)["s0"] == 1 and row(spec, r)["s0_plus_1"] == 2 and r["kind"] == "sparse_rhm_learning"
    assert 0.0 <= r["test_error"] <= 1.0
    with pytest.raises(ValueError, match="s0=-1"):
        SparseRHMLearningSpec(2, 4, 2, 2, 2, p=64, n_test=64, s0=-1)
    with pytest.raises(ValueError, match="sensitivity_level"):
        SparseRHMLearningSpec(2, 4, 2, 2, 2, p=64, n_test=64, s0=1, sensitivity_level=1)
