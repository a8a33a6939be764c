"""The one sensitivity observable: numerator, denominator and ratio per layer, checked by hand and by brute force."""
import itertools

import pytest
import torch

from scalingcheck.simulate.networks import HierarchicalCNN, TwoLayerReLU
from scalingcheck.simulate.observables.sensitivity import sensitivity

torch.set_num_threads(1)


def test_by_hand_on_a_linear_readout():
    """A two-layer net with w = identity rows and b = 0 on inputs >= 0: the features are x itself (relu(x/sqrt(d)))."""
    net = TwoLayerReLU(d=2, width=2)
    params = {"w": torch.eye(2, dtype=torch.float64), "b": torch.zeros(2, dtype=torch.float64),
              "beta": torch.tensor([1.0, 0.0], dtype=torch.float64)}
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]], dtype=torch.float64)
    moved = x + torch.tensor([[0.0, 1.0], [0.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    s = sensitivity(net, params, x, moved, reference="shifted")
    # hidden layer: f = x / sqrt(2); |f - f'|^2 = (0.5, 0, 0), mean 1/6; shifted pairs: (x0-x2, x1-x0, x2-x1)
    assert s.numerator[0] == pytest.approx(0.5 / 3)
    assert s.denominator[0] == pytest.approx(((1 + 4) + (1 + 1) + (4 + 1)) / 2 / 3)
    # output: f = x_1 / sqrt(2) / 2 (mean-field readout, width 2): moved changes nothing there
    assert s.numerator[1] == 0.0 and s.ratio[1] == 0.0
    assert s.denominator[1] == pytest.approx(((1 - 2) ** 2 + (0 - 1) ** 2 + (2 - 0) ** 2) / 8 / 3)
    assert s.ratio[0] == pytest.approx(s.numerator[0] / s.denominator[0])


def test_pairs_reference_equals_the_brute_force_mean_over_ordered_pairs():
    net = HierarchicalCNN(v=3, n_c=2, s=2, L=2, width=5)
    params = net.init(0, dtype=torch.float64)
    g = torch.Generator().manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(3, (7, 4), generator=g), 3).transpose(1, 2).double()
    moved = x.roll(1, dims=2)
    s = sensitivity(net, params, x, moved, reference="pairs")
    for k, f in enumerate(net.features(params, x) + [net.apply(params, x)]):
        f = f.flatten(1)
        brute = sum(float((f[i] - f[j]).pow(2).sum()) for i, j in itertools.product(range(7), repeat=2)) / 49
        assert s.denominator[k] == pytest.approx(brute, rel=1e-12)
    med = sensitivity(net, params, x, moved, reference="pairs", statistic="median")
    f = net.features(params, x)[0].flatten(1)
    pairs = sorted(float((f[i] - f[j]).pow(2).sum()) for i, j in itertools.product(range(7), repeat=2))
    assert med.denominator[0] == pytest.approx(torch.tensor(pairs).median().item())


def test_channel_mean_compares_channel_averaged_features():
    net = HierarchicalCNN(v=3, n_c=2, s=2, L=2, width=5)
    params = net.init(1, dtype=torch.float64)
    x = torch.nn.functional.one_hot(torch.tensor([[0, 1, 2, 0], [2, 2, 1, 0], [1, 0, 0, 2]]), 3).transpose(1, 2).double()
    moved = x.flip(2)
    s = sensitivity(net, params, x, moved, channel_mean=True)
    f, fm = net.features(params, x)[0].mean(1), net.features(params, moved)[0].mean(1)
    assert s.numerator[0] == pytest.approx(float((f - fm).pow(2).sum(1).mean()))


def test_bad_arguments_are_named():
    net = TwoLayerReLU(d=2, width=2)
    params = net.init(0, dtype=torch.float64)
    x = torch.zeros(3, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match="reference='all'; allowed: shifted, pairs"):
        sensitivity(net, params, x, x, reference="all")
    with pytest.raises(ValueError, match="statistic='mode'"):
        sensitivity(net, params, x, x, statistic="mode")
    with pytest.raises(ValueError, match="x_moved must have the shape"):
        sensitivity(net, params, x, x[:2])
    with pytest.raises(ValueError, match="at least two inputs"):
        sensitivity(net, params, x[:1], x[:1])
