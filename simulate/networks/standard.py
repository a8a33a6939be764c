"""Standard image architectures as ``torch.nn.Module`` classes behind :class:`.torch_module.TorchNetwork`.

The networks of the relative-stability experiments (Petrini, Favero, Geiger,
Wyart, arXiv:2105.02468: fully connected nets, LeNet, VGG, ResNet) and the
small CNNs of the pooling paper (Tomasini, Petrini, Cagnetta, Wyart,
arXiv:2210.01506: max, average or strided pooling, with or without a channel
pooling), small enough to train on a few CPU cores. One function per
architecture returns a :class:`TorchNetwork` with the class as its factory and
every hidden block as a feature layer, ready for ``for_data`` and a run spec::

    net = vgg(widths=(32, 64, 128)).for_data(FashionMNIST())
    spec = RelativeStabilitySpec(data=Digits(16), net=pooling_cnn("avg"))

Each class is its own factory, ``Class(input_shape=(C, n, n), n_out, **options)``,
and holds all the code its model runs (the residual block is a class nested
in :class:`ResNet`), so that the source hash in a run key covers the model.
Inputs are ``[batch, C, n, n]`` for any C and any n that the downsampling
allows (the constructor raises a one-line ``ValueError`` naming the option and
the constraint otherwise); outputs are ``[batch, n_out]`` logits.

Adaptations to small images (Fashion-MNIST 1 x 28 x 28, digits at 16 x 16):
no pooling ever drops a row (n must be divisible by 2 per downsampling); VGG
pools after every stage but the last and ResNet downsamples at the start of
every stage but the first, both then average over positions before a linear
head (global average pooling), so that the head does not depend on n; LeNet
pads its first convolution by 2 (LeNet-5's 32 x 32 input is MNIST padded by 2)
and flattens 16 x m x m maps, m = n / 4 - 2; the pooling CNNs flatten their
last maps into the linear head (no global pooling: the only spatial pooling is
the one under study).

Initialisation: convolutions and linear layers followed by a ReLU are He
(Kaiming) normal, fan-in, zero biases; the rest (the linear head, the strided
convolutions of ``pool="stride"``, ResNet's projection shortcuts) keep
PyTorch's default initialisation. Batch normalisation (``batch_norm=True`` of
VGG and ResNet) is ``BatchNorm2d(..., track_running_stats=False)``: the
package trains functionally and keeps no running statistics, so the statistics
of the batch are used both in training and in evaluation: an image's outputs
then depend on the other images of its batch (in a stability measurement the
clean, deformed and noisy batches are normalised by their own statistics).
That is why it is off by default.

Every architecture runs stacked models [E, ...] through ``torch.func.vmap`` (a
convolution of E models becomes one grouped convolution), batch normalisation
included; none needs :class:`TorchNetwork`'s loop over the models.

Default configurations on Fashion-MNIST's shape (1 x 28 x 28, 10 classes): the
number of parameters, and the time of one SGD step at batch 32 with one torch
thread (forward, cross-entropy, backward, update with momentum), measured on the
2-core AMD EPYC development machine, torch 2.13 (CPU): "module" for the plain
module and ``torch.optim.SGD`` (median of 20 steps, two runs), "train_one" per
step of the package's :func:`..learners.training.train_one` (functional call,
stacked ensemble of one; 21 steps minus 1)::

    network                         parameters   module     train_one
    fcn()                              400,906   1.4-2 ms   3-4 ms
    lenet()                             61,706   4 ms       5-6 ms
    vgg()                              287,722   76-78 ms   73-76 ms
    vgg(batch_norm=True)               288,170   74-86 ms   82-83 ms
    resnet()                            77,418   26-27 ms   29-30 ms
    resnet(batch_norm=True)             77,754   33-35 ms   42-45 ms
    pooling_cnn("max")                  25,258   12-13 ms   13 ms
    pooling_cnn("avg")                  25,258   10 ms      11-12 ms
    pooling_cnn("stride")               33,514   11-12 ms   14 ms
    pooling_cnn(channel_pool=True)      34,826   25-27 ms   27-30 ms

At 16 x 16 (digits) a convolutional step costs a quarter to two fifths of that
(VGG 22 ms). VGG is the costly one: 1000 steps at 28 x 28 take about 80 s on
one thread; ``vgg(convs=1)`` (93,962 parameters) is about three times cheaper
(27 ms). Timings vary by about 20% with the machine's load.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..runs.checks import MAX_DEPTH, check_bool, check_choice, check_size, require, show
from .torch_module import TorchNetwork

__all__ = ["FCN", "LeNet", "VGG", "ResNet", "PoolingCNN", "POOLS", "fcn", "lenet", "vgg", "resnet", "pooling_cnn"]

POOLS = ("max", "avg", "stride")
"""The spatial poolings of :class:`PoolingCNN`: 2 x 2 max or average pooling, or a 2 x 2 convolution of stride 2."""


# -- checks shared by the constructors (they raise; they compute nothing a model runs) -----------------------
def _image_side(input_shape: Any, name: str) -> tuple[int, int]:
    """(C, n) of an input shape (C, n, n); a one-line ValueError otherwise."""
    ok = isinstance(input_shape, (tuple, list)) and len(input_shape) == 3 and input_shape[1] == input_shape[2]
    require(ok, f"{name} takes square images (C, n, n); input_shape={show(input_shape)}")
    c, n, _ = (check_size(v, f"input_shape[{i}]") for i, v in enumerate(input_shape))
    return c, n


def _divisible(n: int, downsamplings: int, what: str, verb: str = "poolings") -> None:
    """n must be divisible by 2**downsamplings (every 2 x 2 downsampling keeps every row)."""
    step = 2**downsamplings
    require(n % step == 0, f"{what} ({downsamplings} {verb}) needs n divisible by {step}; n={n}")


def _sizes(values: Any, name: str) -> tuple[int, ...]:
    """A non-empty tuple of sizes >= 1."""
    require(isinstance(values, tuple) and 0 < len(values) <= MAX_DEPTH,
            f"{name}={show(values)} must be a non-empty tuple of integers >= 1")
    return tuple(check_size(v, f"{name}[{i}]") for i, v in enumerate(values))


# -- the modules ----------------------------------------------------------------------------------------------
class FCN(nn.Module):
    """Fully connected ReLU network on flattened inputs: `depth` hidden layers of `width` units, a linear head.

    Parameters
    ----------
    input_shape : the shape of one input (any: it is flattened), e.g. (C, n, n).
    n_out : outputs (class logits).
    depth : hidden layers (>= 1).
    width : units per hidden layer (>= 1).

    Submodules ``blocks.k`` (Linear, ReLU) give the features [batch, width]; ``head`` the logits.
    """

    def __init__(self, input_shape: tuple[int, ...], n_out: int, depth: int = 4, width: int = 256):
        super().__init__()
        depth, width = check_size(depth, "depth", 1, MAX_DEPTH), check_size(width, "width")
        d = math.prod(check_size(v, f"input_shape[{i}]") for i, v in enumerate(input_shape))
        self.blocks = nn.ModuleList(nn.Sequential(nn.Linear(d if k == 0 else width, width), nn.ReLU())
                                    for k in range(depth))
        self.head = nn.Linear(width, n_out)
        for block in self.blocks:  # He normal before every ReLU; PyTorch's default for the head
            nn.init.kaiming_normal_(block[0].weight, nonlinearity="relu")
            nn.init.zeros_(block[0].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x.flatten(1)
        for block in self.blocks:
            h = block(h)
        return self.head(h)


class LeNet(nn.Module):
    """LeNet-5 with ReLU and max pooling: conv 5 x 5 (6 channels, padding 2), pool, conv 5 x 5 (16), pool,
    linear 120, linear 84, linear head.

    Parameters
    ----------
    input_shape : (C, n, n), n divisible by 4 and >= 12 (the second convolution has no padding: the maps
        before the head are 16 x m x m, m = n / 4 - 2; 5 x 5 at n = 28 as in LeNet-5, 2 x 2 at n = 16).
    n_out : outputs (class logits).

    Submodules ``blocks.0`` and ``blocks.1`` (conv, ReLU, 2 x 2 max pool) give features [batch, 6, n/2, n/2]
    and [batch, 16, m, m]; ``blocks.2`` and ``blocks.3`` (linear, ReLU) [batch, 120] and [batch, 84].
    """

    def __init__(self, input_shape: tuple[int, int, int], n_out: int):
        super().__init__()
        c, n = _image_side(input_shape, "lenet")
        require(n % 4 == 0 and n >= 12, f"lenet (2 poolings, an unpadded 5 x 5 convolution) needs n divisible "
                                        f"by 4 and n >= 12; n={n}")
        m = n // 4 - 2
        self.blocks = nn.ModuleList([
            nn.Sequential(nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Flatten(), nn.Linear(16 * m * m, 120), nn.ReLU()),
            nn.Sequential(nn.Linear(120, 84), nn.ReLU()),
        ])
        self.head = nn.Linear(84, n_out)
        for layer in self.blocks.modules():  # He normal before every ReLU; PyTorch's default for the head
            if isinstance(layer, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class VGG(nn.Module):
    """A small VGG: stages of `convs` 3 x 3 convolutions (padding 1) of `widths[s]` channels, each followed by
    (batch normalisation and) a ReLU; a 2 x 2 max pooling after every stage but the last; global average
    pooling and a linear head.

    Parameters
    ----------
    input_shape : (C, n, n), n divisible by 2**(len(widths) - 1).
    n_out : outputs (class logits).
    widths : channels of each stage.
    convs : convolutions per stage (>= 1).
    batch_norm : ``BatchNorm2d(track_running_stats=False)`` between each convolution (then without bias) and
        its ReLU: batch statistics in training and in evaluation (the package keeps no running statistics).

    Submodules ``blocks.k`` (conv, [batch norm], ReLU), one per convolution in order, give the features
    [batch, widths[s], n / 2**s, n / 2**s] (before the stage's pooling); ``head`` the logits.
    """

    def __init__(self, input_shape: tuple[int, int, int], n_out: int, widths: tuple[int, ...] = (32, 64, 128),
                 convs: int = 2, batch_norm: bool = False):
        super().__init__()
        widths, convs = _sizes(widths, "widths"), check_size(convs, "convs", 1, MAX_DEPTH)
        batch_norm = check_bool(batch_norm, "batch_norm")
        c, n = _image_side(input_shape, "vgg")
        _divisible(n, len(widths) - 1, f"vgg with widths={widths}")
        blocks = []
        for w in widths:
            for _ in range(convs):
                conv = nn.Conv2d(c, w, 3, padding=1, bias=not batch_norm)
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                if conv.bias is not None:
                    nn.init.zeros_(conv.bias)
                norm = [nn.BatchNorm2d(w, track_running_stats=False)] if batch_norm else []
                blocks.append(nn.Sequential(conv, *norm, nn.ReLU()))
                c = w
        self.stages, self.convs = len(widths), convs
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(c, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, block in enumerate(self.blocks):
            x = block(x)
            if (k + 1) % self.convs == 0 and k + 1 < len(self.blocks):  # the end of a stage but the last
                x = F.max_pool2d(x, 2)
        return self.head(x.mean(dim=(-2, -1)))


class ResNet(nn.Module):
    """A small ResNet (He et al.'s CIFAR ResNets): a 3 x 3 stem of `width` channels, stages of basic residual
    blocks of width * 2**s channels (the first block of every stage but the first has stride 2 and a 1 x 1
    projection shortcut), global average pooling and a linear head.

    Parameters
    ----------
    input_shape : (C, n, n), n divisible by 2**(len(blocks) - 1).
    n_out : outputs (class logits).
    width : channels of the stem and the first stage.
    blocks : residual blocks per stage (>= 1 each); (1, 1, 1): 8 layers with weights, (3, 3, 3): ResNet-20.
    batch_norm : ``BatchNorm2d(track_running_stats=False)`` after every convolution (then without bias):
        batch statistics in training and in evaluation (the package keeps no running statistics).

    Submodules ``stem`` (conv, [batch norm], ReLU) and ``blocks.k`` (a residual block, after its final ReLU)
    give the features [batch, channels, n_s, n_s]; ``head`` the logits.
    """

    class Block(nn.Module):
        """relu(shortcut(x) + bn(conv(relu(bn(conv_stride(x)))))), the shortcut a 1 x 1 projection (with batch
        normalisation) where the shape changes, else the identity."""

        def __init__(self, c_in: int, c_out: int, stride: int, batch_norm: bool):
            super().__init__()
            norm = (lambda c: nn.BatchNorm2d(c, track_running_stats=False)) if batch_norm else (lambda c: nn.Identity())
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=not batch_norm)
            self.norm1 = norm(c_out)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=not batch_norm)
            self.norm2 = norm(c_out)
            for conv in (self.conv1, self.conv2):
                nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
                if conv.bias is not None:
                    nn.init.zeros_(conv.bias)
            self.shortcut = nn.Identity()
            if stride != 1 or c_in != c_out:
                self.shortcut = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=not batch_norm),
                                              norm(c_out))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = F.relu(self.norm1(self.conv1(x)))
            return F.relu(self.shortcut(x) + self.norm2(self.conv2(h)))

    def __init__(self, input_shape: tuple[int, int, int], n_out: int, width: int = 16,
                 blocks: tuple[int, ...] = (1, 1, 1), batch_norm: bool = False):
        super().__init__()
        width, blocks = check_size(width, "width"), _sizes(blocks, "blocks")
        batch_norm = check_bool(batch_norm, "batch_norm")
        c, n = _image_side(input_shape, "resnet")
        _divisible(n, len(blocks) - 1, f"resnet with blocks={blocks}", "downsamplings")
        stem = nn.Conv2d(c, width, 3, padding=1, bias=not batch_norm)
        nn.init.kaiming_normal_(stem.weight, nonlinearity="relu")
        if stem.bias is not None:
            nn.init.zeros_(stem.bias)
        norm = [nn.BatchNorm2d(width, track_running_stats=False)] if batch_norm else []
        self.stem = nn.Sequential(stem, *norm, nn.ReLU())
        layers, c = [], width
        for s, count in enumerate(blocks):
            for j in range(count):
                layers.append(ResNet.Block(c, width * 2**s, 2 if s > 0 and j == 0 else 1, batch_norm))
                c = width * 2**s
        self.blocks = nn.ModuleList(layers)
        self.head = nn.Linear(c, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for block in self.blocks:
            x = block(x)
        return self.head(x.mean(dim=(-2, -1)))


class PoolingCNN(nn.Module):
    """The small CNN of the pooling study (Tomasini et al., arXiv:2210.01506): `depth` blocks of a 3 x 3
    convolution (padding 1) and a ReLU, [a channel pooling,] then a spatial pooling that halves the side;
    the last maps are flattened into a linear head (no global pooling).

    Parameters
    ----------
    input_shape : (C, n, n), n divisible by 2**depth.
    n_out : outputs (class logits).
    pool : the spatial pooling of every block: ``"max"`` or ``"avg"`` (2 x 2, stride 2), or ``"stride"``: a
        learnt 2 x 2 convolution of stride 2 (width -> width channels, with bias, He-initialised) followed by a
        ReLU in its place, the all-convolutional replacement of pooling (Springenberg et al., arXiv:1412.6806).
        Without that ReLU (a linear map, average pooling one of its values) the quick stability claims'
        protocol (SGD lr 0.05, momentum 0.9) diverged in 3 of 4 seeds, and 1 of 4 at lr 0.02.
    channel_pool : after each block's ReLU, a max (not an average) over groups of `channel_group`
        consecutive channels (maxout): the convolution has width * channel_group channels and the block
        keeps `width`. The paper finds stability to diffeomorphisms achieved by both spatial and channel
        pooling, the latter learnt (channels responding to deformed versions of one pattern, combined by
        the next layers); this option builds a channel pooling in, as max pooling builds a spatial one.
    width : channels of every block's output.
    depth : blocks (>= 1).
    channel_group : channels per group of the channel pooling (>= 2; used only with `channel_pool`).

    Submodules ``blocks.k`` give the features [batch, width, n / 2**(k+1), n / 2**(k+1)] (after both
    poolings); ``head`` the logits.
    """

    class Block(nn.Module):
        """conv 3 x 3 -> ReLU -> [max over groups of channels] -> spatial pooling."""

        def __init__(self, c_in: int, width: int, pool: str, group: int):
            super().__init__()
            self.pool, self.group = pool, group
            self.conv = nn.Conv2d(c_in, width * group, 3, padding=1)
            nn.init.kaiming_normal_(self.conv.weight, nonlinearity="relu")
            nn.init.zeros_(self.conv.bias)
            self.down = nn.Conv2d(width, width, 2, stride=2) if pool == "stride" else None
            if self.down is not None:
                nn.init.kaiming_normal_(self.down.weight, nonlinearity="relu")
                nn.init.zeros_(self.down.bias)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = F.relu(self.conv(x))
            if self.group > 1:  # channels [g k, g (k + 1)) -> channel k
                h = h.unflatten(1, (h.shape[1] // self.group, self.group)).amax(dim=2)
            if self.pool == "max":
                return F.max_pool2d(h, 2)
            if self.pool == "avg":
                return F.avg_pool2d(h, 2)
            return F.relu(self.down(h))

    def __init__(self, input_shape: tuple[int, int, int], n_out: int, pool: str = "max", channel_pool: bool = False,
                 width: int = 32, depth: int = 2, channel_group: int = 2):
        super().__init__()
        check_choice(pool, "pool", POOLS)
        channel_pool = check_bool(channel_pool, "channel_pool")
        width, depth = check_size(width, "width"), check_size(depth, "depth", 1, MAX_DEPTH)
        channel_group = check_size(channel_group, "channel_group", 2)
        c, n = _image_side(input_shape, "pooling_cnn")
        _divisible(n, depth, f"pooling_cnn with depth={depth}")
        group = channel_group if channel_pool else 1
        self.blocks = nn.ModuleList(PoolingCNN.Block(c if k == 0 else width, width, pool, group) for k in range(depth))
        m = n // 2**depth
        self.head = nn.Linear(width * m * m, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.head(x.flatten(1))


# -- the networks -----------------------------------------------------------------------------------------------
def fcn(depth: int = 4, width: int = 256) -> TorchNetwork:
    """A fully connected ReLU net (:class:`FCN`), its features read after every hidden layer.

    Parameters
    ----------
    depth : hidden layers (>= 1).
    width : units per hidden layer (>= 1).

    Returns a :class:`TorchNetwork` without shape (``for_data(data)`` takes it from the data);
    layers ``blocks.0 .. blocks.{depth-1}``.
    """
    depth, width = check_size(depth, "depth", 1, MAX_DEPTH), check_size(width, "width")
    return TorchNetwork(FCN, options=(("depth", depth), ("width", width)),
                        layers=tuple(f"blocks.{k}" for k in range(depth)))


def lenet() -> TorchNetwork:
    """LeNet-5 with ReLU and max pooling (:class:`LeNet`; images n x n, n divisible by 4 and >= 12).

    Returns a :class:`TorchNetwork` without shape (``for_data(data)`` takes it from the data); layers
    ``blocks.0 .. blocks.3``: its two convolutional blocks and its two hidden linear layers.
    """
    return TorchNetwork(LeNet, layers=("blocks.0", "blocks.1", "blocks.2", "blocks.3"))


def vgg(widths: tuple[int, ...] = (32, 64, 128), convs: int = 2, batch_norm: bool = False) -> TorchNetwork:
    """A small VGG (:class:`VGG`), its features read after every convolution (and its ReLU).

    Parameters
    ----------
    widths : channels of each stage; max pooling between stages, so n must be divisible by
        2**(len(widths) - 1).
    convs : 3 x 3 convolutions per stage (>= 1).
    batch_norm : batch normalisation with batch statistics in training and in evaluation (see :class:`VGG`).

    Returns a :class:`TorchNetwork` without shape; layers ``blocks.0 .. blocks.{len(widths) * convs - 1}``.
    """
    widths, convs = _sizes(widths, "widths"), check_size(convs, "convs", 1, MAX_DEPTH)
    options = (("widths", widths), ("convs", convs), ("batch_norm", check_bool(batch_norm, "batch_norm")))
    return TorchNetwork(VGG, options=options, layers=tuple(f"blocks.{k}" for k in range(len(widths) * convs)))


def resnet(width: int = 16, blocks: tuple[int, ...] = (1, 1, 1), batch_norm: bool = False) -> TorchNetwork:
    """A small ResNet (:class:`ResNet`), its features read after the stem and after every residual block.

    Parameters
    ----------
    width : channels of the stem and the first stage; stage s has width * 2**s.
    blocks : residual blocks per stage; every stage but the first halves the side, so n must be
        divisible by 2**(len(blocks) - 1).
    batch_norm : batch normalisation with batch statistics in training and in evaluation (see :class:`ResNet`).

    Returns a :class:`TorchNetwork` without shape; layers ``stem``, ``blocks.0 .. blocks.{sum(blocks) - 1}``.
    """
    width, blocks = check_size(width, "width"), _sizes(blocks, "blocks")
    options = (("width", width), ("blocks", blocks), ("batch_norm", check_bool(batch_norm, "batch_norm")))
    return TorchNetwork(ResNet, options=options, layers=("stem", *(f"blocks.{k}" for k in range(sum(blocks)))))


def pooling_cnn(pool: str = "max", channel_pool: bool = False, width: int = 32, depth: int = 2,
                channel_group: int = 2) -> TorchNetwork:
    """The pooling study's small CNN (:class:`PoolingCNN`; Tomasini et al., arXiv:2210.01506), its features
    read after every block.

    Parameters
    ----------
    pool : ``"max"`` or ``"avg"`` (2 x 2 pooling), or ``"stride"``: a learnt 2 x 2 convolution of stride 2 in
        the place of each pooling; every block halves the side, so n must be divisible by 2**depth.
    channel_pool : a max over groups of `channel_group` consecutive channels after each block's ReLU.
    width : channels of every block's output.
    depth : blocks (>= 1).
    channel_group : channels per group of the channel pooling (>= 2); in the options (and the run key)
        only with `channel_pool`.

    Returns a :class:`TorchNetwork` without shape; layers ``blocks.0 .. blocks.{depth-1}``.
    """
    options = (("pool", check_choice(pool, "pool", POOLS)), ("channel_pool", check_bool(channel_pool, "channel_pool")),
               ("width", check_size(width, "width")), ("depth", check_size(depth, "depth", 1, MAX_DEPTH)))
    channel_group = check_size(channel_group, "channel_group", 2)
    if channel_pool:  # the option only where it is used: run keys of the other variants do not hold it
        options += (("channel_group", channel_group),)
    return TorchNetwork(PoolingCNN, options=options, layers=tuple(f"blocks.{k}" for k in range(depth)))
