"""Standard image architectures (networks/standard.py) through TorchNetwork: shapes, features, stacked models
(vmap), training, the shape errors, and a relative-stability run."""
from __future__ import annotations

import inspect
import math
import pickle
from dataclasses import dataclass

import pytest
import torch

from scalingcheck.simulate.data.images import Digits
from scalingcheck.simulate.experiments.stability import RelativeStabilitySpec
from scalingcheck.simulate.learners.training import TrainConfig, evaluate, train_one
from scalingcheck.simulate.networks import (FCN, VGG, LeNet, PoolingCNN, ResNet, TorchNetwork, fcn, lenet, pooling_cnn,
                                            resnet, vgg)
from scalingcheck.simulate.runs.spec import run, to_dict


@dataclass(frozen=True)
class FakeData:
    input_shape: tuple[int, ...]
    n_classes: int


FASHION = FakeData((1, 28, 28), 10)

ARCHS = {
    "fcn": fcn(),
    "lenet": lenet(),
    "vgg": vgg(),
    "vgg_bn": vgg(batch_norm=True),
    "resnet": resnet(),
    "resnet_bn": resnet(batch_norm=True),
    "pool_max": pooling_cnn("max"),
    "pool_avg": pooling_cnn("avg"),
    "pool_stride": pooling_cnn("stride"),
    "pool_channel": pooling_cnn("max", channel_pool=True),
}

# The parameter counts of the defaults on 1 x 28 x 28, 10 classes (the module docstring's table).
N_PARAMS = {"fcn": 400_906, "lenet": 61_706, "vgg": 287_722, "vgg_bn": 288_170, "resnet": 77_418,
            "resnet_bn": 77_754, "pool_max": 25_258, "pool_avg": 25_258, "pool_stride": 33_514, "pool_channel": 34_826}

ULP = 32
"""Stacked (vmap) against lone models: |difference| <= ULP * eps(float32) * max |lone| (measured at most 8 ulp of
the largest output or feature, LeNet's, with one thread; a convolution of E models is one grouped convolution)."""


def images(n, seed, lead=(), shape=(1, 28, 28)):
    return torch.randn(*lead, n, *shape, generator=torch.Generator().manual_seed(seed))


def close(a, b):
    return bool((a - b).abs().max() <= ULP * torch.finfo(a.dtype).eps * b.abs().max())


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_shapes_features_and_stacked_models(name, one_thread):
    net = ARCHS[name].for_data(FASHION)
    assert isinstance(net, TorchNetwork) and net.shape == (1, 28, 28) and net.outputs == 10
    assert net.n_params() == N_PARAMS[name]
    params = net.init(0)
    x = images(6, 1)
    out = net.apply(params, x)
    assert out.shape == (6, 10) and torch.isfinite(out).all()
    features = net.features(params, x)
    assert len(features) == len(net.layers) > 0
    assert all(f.shape[0] == 6 and f.ndim >= 2 and torch.isfinite(f).all() for f in features)
    # stacked models: E = 2 through vmap (not the loop), each as it runs alone
    seeds = [0, 1]
    stacked = net.init_ensemble(seeds)
    xs = images(6, 2, lead=(2,))
    out2 = net.apply(stacked, xs)
    assert out2.shape == (2, 6, 10)
    lone = [net.init(s) for s in seeds]
    assert close(out2, torch.stack([net.apply(p, xs[i]) for i, p in enumerate(lone)]))
    for k, f in enumerate(net.features(stacked, xs)):
        want = torch.stack([net.features(p, xs[i])[k] for i, p in enumerate(lone)])
        assert f.shape == want.shape and close(f, want)
    assert "_loop" not in net.__dict__, "vmap fell back to the loop over the models"


@pytest.mark.parametrize("name", sorted(ARCHS))
def test_a_few_steps_lower_the_loss(name, one_thread):
    """A tiny random task (16 images of noise, random labels): five full-batch Adam steps lower the loss."""
    net = ARCHS[name].for_data(FASHION)
    x = images(16, 3)
    y = torch.randint(10, (16,), generator=torch.Generator().manual_seed(4))
    params = net.init(0)
    start = float(evaluate(net, params, x, y)[0])
    config = TrainConfig(optimizer="adam", lr=1e-3, batch_size=16, max_steps=5, eval_every=100)
    trained, result = train_one(net, params, x, y, seed=0, config=config)
    assert result.steps == 5 and not result.diverged and result.train_loss < start
    assert all(torch.isfinite(f).all() for f in net.features(trained, x))


def test_batch_norm_uses_batch_statistics_and_trains(one_thread):
    net = vgg(widths=(8, 16), convs=1, batch_norm=True).for_data(FakeData((1, 16, 16), 10))
    norms = [m for m in net._template.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(norms) == 2 and not any(m.track_running_stats for m in norms)
    assert not any(isinstance(m, torch.nn.Conv2d) and m.bias is not None for m in net._template.modules())
    params = net.init(0)
    x = images(8, 5, shape=(1, 16, 16))
    # batch statistics in evaluation too: an image's output depends on the rest of its batch
    assert not torch.allclose(net.apply(params, x)[:4], net.apply(params, x[:4]))
    y = torch.arange(8) % 10
    # the protocol of Petrini et al.: SGD with momentum, weight decay on the weights (".weight"), cosine schedule
    config = TrainConfig(lr=0.05, batch_size=8, max_steps=10, eval_every=100, weight_decay=5e-4,
                         decay_params=(".weight",), schedule="cosine")
    assert config.decays("blocks.0.0.weight") and config.decays("blocks.0.1.weight") and not config.decays("head.bias")
    trained, result = train_one(net, params, x, y, seed=0, config=config)
    assert result.train_loss < float(evaluate(net, params, x, y)[0]) and not result.diverged
    assert all(torch.isfinite(f).all() for f in net.features(trained, x))


@pytest.mark.parametrize("net, shape, message", [
    (vgg(), (1, 30, 30), "vgg with widths=(32, 64, 128) (2 poolings) needs n divisible by 4; n=30"),
    (vgg(widths=(8, 16, 32, 64)), (1, 28, 28), "vgg with widths=(8, 16, 32, 64) (3 poolings) needs n divisible by 8; "
                                               "n=28"),
    (resnet(), (1, 30, 30), "resnet with blocks=(1, 1, 1) (2 downsamplings) needs n divisible by 4; n=30"),
    (pooling_cnn(depth=3), (1, 28, 28), "pooling_cnn with depth=3 (3 poolings) needs n divisible by 8; n=28"),
    (pooling_cnn("stride", depth=2), (3, 18, 18), "pooling_cnn with depth=2 (2 poolings) needs n divisible by 4; n=18"),
    (lenet(), (1, 8, 8), "lenet (2 poolings, an unpadded 5 x 5 convolution) needs n divisible by 4 and n >= 12; n=8"),
    (lenet(), (1, 30, 30), "needs n divisible by 4 and n >= 12; n=30"),
    (lenet(), (1, 28, 24), "lenet takes square images (C, n, n); input_shape=(1, 28, 24)"),
    (resnet(), (28, 28), "resnet takes square images (C, n, n); input_shape=(28, 28)"),
])
def test_sizes_the_downsampling_forbids_are_refused(net, shape, message):
    with pytest.raises(ValueError) as info:
        net.for_data(FakeData(shape, 10))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_other_sizes_and_channels_are_accepted():
    cases = ((fcn(depth=1, width=8), (3, 5, 5)), (lenet(), (3, 12, 12)), (vgg(widths=(4,), convs=1), (2, 7, 7)),
             (resnet(width=4, blocks=(2,)), (3, 9, 9)), (pooling_cnn("avg", width=4, depth=1), (3, 6, 6)))
    for net, shape in cases:
        fitted = net.for_data(FakeData(shape, 3))
        assert fitted.apply(fitted.init(0), images(2, 0, shape=shape)).shape == (2, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: pooling_cnn("min"), "pool='min'; allowed: max, avg, stride"),
    (lambda: pooling_cnn(channel_pool=1), "channel_pool=1 must be True or False"),
    (lambda: pooling_cnn(channel_pool=True, channel_group=1), "channel_group=1 must be an integer >= 2"),
    (lambda: vgg(widths=[32, 64]), "widths=[32, 64] must be a non-empty tuple of integers >= 1"),
    (lambda: vgg(widths=()), "widths=() must be a non-empty tuple"),
    (lambda: vgg(convs=0), "convs=0 must be an integer >= 1"),
    (lambda: resnet(blocks=(1, 0)), "blocks[1]=0 must be an integer >= 1"),
    (lambda: resnet(batch_norm="yes"), "batch_norm='yes' must be True or False"),
    (lambda: fcn(depth=0), "depth=0 must be an integer >= 1"),
])
def test_bad_options_are_refused(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)


def test_layers_name_every_hidden_block_and_run_keys_cover_the_classes():
    assert lenet().layers == ("blocks.0", "blocks.1", "blocks.2", "blocks.3")
    assert vgg(widths=(8, 16), convs=3).layers == tuple(f"blocks.{k}" for k in range(6))
    assert resnet(blocks=(2, 1)).layers == ("stem", "blocks.0", "blocks.1", "blocks.2")
    assert pooling_cnn(depth=3).layers == ("blocks.0", "blocks.1", "blocks.2")
    assert fcn(depth=2).layers == ("blocks.0", "blocks.1")
    factories = [f.factory for f in (fcn(), lenet(), vgg(), resnet(), pooling_cnn())]
    assert factories == [FCN, LeNet, VGG, ResNet, PoolingCNN]
    d = to_dict(resnet().for_data(FASHION))
    assert d["factory"]["callable"] == "scalingcheck.simulate.networks.standard:ResNet"
    assert "class Block" in inspect.getsource(ResNet) and "class Block" in inspect.getsource(PoolingCNN)
    keys = {repr(to_dict(pooling_cnn(pool))["options"]) for pool in ("max", "avg", "stride")}
    assert len(keys) == 3 and "channel_group" not in repr(to_dict(pooling_cnn()))
    net = vgg(batch_norm=True).for_data(FASHION)
    copy = pickle.loads(pickle.dumps(net))
    assert copy == net and torch.equal(copy.apply(copy.init(1), images(2, 0)), net.apply(net.init(1), images(2, 0)))


@pytest.mark.parametrize("net", [lenet(), pooling_cnn("avg"), pooling_cnn("stride", channel_pool=True)],
                         ids=["lenet", "pool_avg", "pool_stride_channel"])
def test_relative_stability_spec_runs(net, one_thread):
    spec = RelativeStabilitySpec(data=Digits(16), net=net, p_train=32, n_test=16, n_probe=8,
                                 train=TrainConfig(optimizer="adam", lr=1e-3, batch_size=16, max_steps=3), device="cpu")
    r = run(spec, 0)
    assert r["steps"] == 3 and len(r["R_layers"]) == len(net.layers) + 1
    assert all(math.isfinite(r[k]) for k in ("R", "R_init", "D", "G", "test_error"))
    assert all(math.isfinite(v) for v in r["R_layers"] + r["R_layers_init"])
