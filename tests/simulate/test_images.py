"""Images (digits, splits, synthetic images, user arrays) and the image networks (FCN, VGG-like CNN)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from scalingcheck.simulate.data.images import as_image_batch, digits, split_indices, synthetic_images
from scalingcheck.simulate.networks.base import stack_params
from scalingcheck.simulate.networks.image import ImageCNN, ImageFCN

torch.set_num_threads(1)


# --------------------------------------------------------------------------- digits


def test_digits_shapes_labels_and_normalisation():
    x, y = digits(16, device="cpu")
    assert x.shape == (1797, 1, 16, 16) and x.dtype == torch.float32
    assert y.shape == (1797,) and y.dtype == torch.int64 and set(y.tolist()) == set(range(10))
    assert float(x.double().mean()) == pytest.approx(0.0, abs=1e-5)
    assert float(x.double().std()) == pytest.approx(1.0, abs=1e-5)


def test_digits_at_size_8_are_sklearns_images_normalised():
    from sklearn.datasets import load_digits

    raw = load_digits()
    want = (raw.images - raw.images.mean()) / raw.images.std(ddof=1)
    x, y = digits(8, device="cpu", dtype=torch.float64)
    np.testing.assert_allclose(x[:, 0].numpy(), want, atol=1e-12)
    np.testing.assert_array_equal(y.numpy(), raw.target)


def test_digits_shuffle_keeps_images_with_their_labels():
    x, y = digits(12, device="cpu")
    xs, ys = digits(12, seed=3, device="cpu")
    xs2, _ = digits(12, seed=3, device="cpu")
    assert torch.equal(xs, xs2) and not torch.equal(xs, x)
    perm = torch.randperm(1797, generator=torch.Generator().manual_seed(3))
    assert torch.equal(xs, x[perm]) and torch.equal(ys, y[perm])


def test_split_is_disjoint_reproducible_and_nested():
    train, test = split_indices(100, 30, 20, seed=4)
    assert len(train) == 30 and len(test) == 20
    assert not set(train.tolist()) & set(test.tolist())
    assert set(train.tolist()) | set(test.tolist()) <= set(range(100))
    train2, test2 = split_indices(100, 50, 20, seed=4)
    assert torch.equal(test, test2) and torch.equal(train, train2[:30])
    assert not torch.equal(test, split_indices(100, 30, 20, seed=5)[1])
    with pytest.raises(ValueError, match="p_train \\+ n_test = 90 \\+ 20 exceeds the 100 images"):
        split_indices(100, 90, 20, seed=0)


def test_synthetic_images_are_sums_of_gaussian_blobs():
    x = synthetic_images(10, 3, seed=1, blobs=1, device="cpu", dtype=torch.float64)
    assert x.shape == (3, 1, 10, 10)
    gen = torch.Generator().manual_seed(1)  # the documented draw order: amplitudes, centres, widths
    amp = torch.randn((3, 1, 1), generator=gen, dtype=torch.float64)
    centre = 0.2 + 0.6 * torch.rand((3, 1, 1, 2), generator=gen, dtype=torch.float64)
    width = 0.05 + 0.1 * torch.rand((3, 1, 1), generator=gen, dtype=torch.float64)
    u = np.linspace(0, 1, 10)
    for b in range(3):
        cu, cv = float(centre[b, 0, 0, 0]), float(centre[b, 0, 0, 1])
        want = float(amp[b, 0, 0]) * np.exp(-((u[None, :] - cu) ** 2 + (u[:, None] - cv) ** 2) / (2 * float(width[b, 0, 0]) ** 2))
        np.testing.assert_allclose(x[b, 0].numpy(), want, atol=1e-12)
    many = synthetic_images(16, 4, seed=2, channels=3, device="cpu")
    assert many.shape == (4, 3, 16, 16) and many.dtype == torch.float32
    assert torch.equal(many, synthetic_images(16, 4, seed=2, channels=3, device="cpu"))


def test_as_image_batch_accepts_and_refuses():
    a = np.random.default_rng(0).normal(size=(5, 6, 6))
    t = as_image_batch(a)
    assert t.shape == (5, 1, 6, 6) and t.dtype == torch.float64
    four = torch.zeros(2, 3, 4, 4)
    assert as_image_batch(four) is four
    with pytest.raises(ValueError, match=r"shape \[N, H, W\] or \[N, C, H, W\], got \[4, 4\]"):
        as_image_batch(torch.zeros(4, 4))
    with pytest.raises(ValueError, match="got \\[1, 2, 3, 4, 4\\]"):
        as_image_batch(torch.zeros(1, 2, 3, 4, 4))
    with pytest.raises(ValueError, match="square \\(H = W\\), got H=4, W=5"):
        as_image_batch(np.zeros((2, 4, 5)))
    with pytest.raises(ValueError, match="floating values .* dtype int64"):
        as_image_batch(np.zeros((2, 4, 4), dtype=np.int64))
    with pytest.raises(ValueError, match="floating values .* dtype torch.uint8"):
        as_image_batch(torch.zeros(2, 4, 4, dtype=torch.uint8))
    bad = np.zeros((2, 4, 4))
    bad[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        as_image_batch(bad)
    with pytest.raises(ValueError, match="finite"):
        as_image_batch(torch.full((1, 4, 4), math.inf))
    with pytest.raises(ValueError, match="numpy array or torch tensor"):
        as_image_batch([[1.0]])


# --------------------------------------------------------------------------- networks


def reference_cnn(net: ImageCNN, params, x):
    """The same CNN written with torch.nn modules: conv weights scaled by 1/sqrt(fan_in), pooling, GAP, readout."""
    layers, k = [], 0
    for block in range(net.blocks):
        for _ in range(net.convs):
            k += 1
            w = params[f"w{k}"]
            conv = torch.nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1, bias=net.bias, dtype=w.dtype)
            with torch.no_grad():
                conv.weight.copy_(w / math.sqrt(w.shape[1] * 9))
                if net.bias:
                    conv.bias.copy_(params[f"b{k}"])
            layers += [conv, torch.nn.ReLU()]
        if block < net.blocks - 1:
            layers.append(torch.nn.MaxPool2d(2) if net.pooling == "max" else torch.nn.AvgPool2d(2))
    layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()]
    with torch.no_grad():
        h = torch.nn.Sequential(*layers)(x)
    return h @ params["beta"] / math.sqrt(net.width)


@pytest.mark.parametrize("net", [ImageCNN(8, 2, 3, 5, blocks=3), ImageCNN(12, 1, 4, 3, blocks=2, convs=2, pooling="avg", bias=True)],
                         ids=["max", "avg-bias"])
def test_cnn_matches_a_torch_nn_reference_and_stacks(net):
    params = net.init(0, device="cpu", dtype=torch.float64)
    x = torch.randn(6, net.channels, net.n, net.n, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    out = net.apply(params, x)
    assert out.shape == (6, net.n_classes)
    torch.testing.assert_close(out, reference_cnn(net, params, x), atol=1e-12, rtol=1e-12)
    feats = net.features(params, x)
    assert len(feats) == net.blocks * net.convs and feats[0].shape == (6, net.width, net.n, net.n)
    assert feats[-1].shape[-1] == net.n // 2 ** (net.blocks - 1)
    # stacked parameters: E models on inputs [E, batch, ...] give each model's own outputs and features
    others = [net.init(s, device="cpu", dtype=torch.float64) for s in (0, 1, 2)]
    xs = torch.stack([x, x.flip(0), 2 * x])
    stacked = net.apply(stack_params(others), xs)
    feats_stacked = net.features(stack_params(others), xs)
    for e, p in enumerate(others):
        torch.testing.assert_close(stacked[e], net.apply(p, xs[e]), atol=1e-12, rtol=1e-12)
        for fs, f in zip(feats_stacked, net.features(p, xs[e])):
            torch.testing.assert_close(fs[e], f, atol=1e-12, rtol=1e-12)


def test_fcn_by_hand_and_stacked():
    net = ImageFCN(4, 2, 3, width=5, depth=2)
    params = net.init(1, device="cpu", dtype=torch.float64)
    x = torch.randn(7, 2, 4, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    h1 = torch.relu(x.reshape(7, 32) @ params["w1"].T / math.sqrt(32))
    h2 = torch.relu(h1 @ params["w2"].T / math.sqrt(5))
    torch.testing.assert_close(net.apply(params, x), h2 @ params["beta"] / math.sqrt(5))
    f = net.features(params, x)
    torch.testing.assert_close(f[0], h1)
    torch.testing.assert_close(f[1], h2)
    two = stack_params([params, net.init(2, device="cpu", dtype=torch.float64)])
    out = net.apply(two, torch.stack([x, x]))
    torch.testing.assert_close(out[0], net.apply(params, x))


def test_image_networks_refuse_bad_settings():
    with pytest.raises(ValueError, match=r"n=10 must be divisible by 2\*\*\(blocks - 1\) = 4"):
        ImageCNN(10, 1, 10, 8, blocks=3)
    with pytest.raises(ValueError, match="pooling='sum'; allowed: max, avg"):
        ImageCNN(8, 1, 10, 8, pooling="sum")
    with pytest.raises(ValueError, match="n_classes=1 must be an integer >= 2"):
        ImageFCN(8, 1, 1, 8)
    net = ImageFCN(8, 1, 10, 8)
    with pytest.raises(ValueError, match=r"x must have shape \[batch, C=1, 8, 8\]"):
        net.apply(net.init(0, device="cpu"), torch.zeros(3, 1, 8, 9))
