"""Networks on images [C, n, n] with class logits: a fully connected net and a small VGG-like CNN.

The image classifiers of the relative-stability study (Petrini et al.,
arXiv:2105.02468; docs/science.md section 5), on the feature-map interface of
:mod:`.base`: weights standard normal at initialisation, every hidden
pre-activation divided by sqrt(fan_in), ReLU, and a readout ``beta / sqrt(H)``
("standard", default) or ``beta / H`` ("mean_field").

* :class:`ImageFCN`: ``depth`` fully connected ReLU layers of width H on the
  flattened image; features [batch, H].
* :class:`ImageCNN`: ``blocks`` blocks of ``convs`` 3 x 3 convolutions (zero
  padding 1, stride 1) of H channels and ReLU, a 2 x 2 pooling (max or average)
  after every block but the last, global average pooling, linear readout;
  features [batch, H, n_k, n_k], one per convolution.

Stacked parameters [E, ...] evaluate E models on inputs [E, batch, C, n, n]:
the FCN by batched matmuls, the CNN by a grouped convolution (E groups).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F

from ..runs.checks import MAX_DEPTH, check_bool, check_choice, check_size, require
from .base import Network, Params, layer_shapes

__all__ = ["ImageFCN", "ImageCNN", "POOLINGS"]

POOLINGS = ("max", "avg")


class ImageClassifier(Network):
    """Fields and shapes shared by the image networks: n x n images with `channels` channels, `n_classes` logits."""

    shape_fields: ClassVar[tuple[str, ...]] = ("n", "channels", "n_classes")
    n: int | None
    channels: int | None
    n_classes: int | None

    def _check_image_fields(self) -> None:
        for name, low in (("n", 1), ("channels", 1), ("n_classes", 2)):
            if getattr(self, name) is not None:
                check_size(getattr(self, name), name, low)
        check_size(self.width, "width", 1)
        check_bool(self.bias, "bias")
        self._check_readout()

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From image data: the side n of its images [C, n, n], their channels, and the classes."""
        channels, n, _ = data.input_shape
        return {"n": n, "channels": channels, "n_classes": data.n_classes}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.channels, self.n, self.n)

    @property
    def input_description(self) -> str:
        return f"C={self.channels}, {self.n}, {self.n}"

    @property
    def n_out(self) -> int:
        return self.n_classes


@dataclass(frozen=True)
class ImageFCN(ImageClassifier):
    """Fully connected ReLU network on flattened images [batch, C, n, n]: `depth` hidden layers of `width`
    (default 64); n, channels and n_classes may be left None (:meth:`for_data` takes them from the data).

    Parameters: ``w1`` [H, C n n], ``w2..w_depth`` [H, H], ``b_k`` [H] when `bias`, ``beta`` [H, n_classes].
    """

    kind: ClassVar[str] = "image_fcn"
    n: int | None = None
    channels: int | None = None
    n_classes: int | None = None
    width: int = 64
    depth: int = 2
    readout: str = "standard"
    bias: bool = False

    def __post_init__(self) -> None:
        self._check_image_fields()
        check_size(self.depth, "depth", 1, MAX_DEPTH)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        weights = [(self.width, self.channels * self.n * self.n if k == 1 else self.width)
                   for k in range(1, self.depth + 1)]
        return layer_shapes(weights, [(self.width,)] * self.depth if self.bias else None, (self.width, self.n_classes))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = x.flatten(-3)
        layers = []
        for k in range(1, self.depth + 1):
            w = params[f"w{k}"]
            pre = torch.matmul(h, w.transpose(-1, -2)) / math.sqrt(w.shape[-1])
            if self.bias:
                pre = pre + params[f"b{k}"].unsqueeze(-2)
            h = torch.relu(pre)
            layers.append(h)
        if features:
            return layers
        return self._readout_positions(h.unsqueeze(-2), params["beta"])


@dataclass(frozen=True)
class ImageCNN(ImageClassifier):
    """VGG-like CNN on images [batch, C, n, n].

    Parameters
    ----------
    n, channels, n_classes : image side, input channels, classes (logits); None: from the data (:meth:`for_data`).
    width : channels H of every convolution (default 64).
    blocks : number of blocks (>= 1); a 2 x 2 pooling follows every block but the last,
        so n must be divisible by 2**(blocks - 1).
    convs : 3 x 3 convolutions per block (>= 1).
    pooling : ``"max"`` (default) or ``"avg"``.
    readout : ``"standard"`` (beta / sqrt(H), default) or ``"mean_field"``.
    bias : add a bias (standard normal at init) to every pre-activation.

    Parameters: ``w1`` [H, C, 3, 3], ``w2..`` [H, H, 3, 3] (conv2d layout, one per convolution in order),
    ``b_k`` [H] when `bias`, ``beta`` [H, n_classes].
    """

    kind: ClassVar[str] = "image_cnn"
    n: int | None = None
    channels: int | None = None
    n_classes: int | None = None
    width: int = 64
    blocks: int = 3
    convs: int = 1
    pooling: str = "max"
    readout: str = "standard"
    bias: bool = False

    def __post_init__(self) -> None:
        self._check_image_fields()
        check_size(self.blocks, "blocks", 1, MAX_DEPTH)
        check_size(self.convs, "convs", 1, MAX_DEPTH)
        check_choice(self.pooling, "pooling", POOLINGS)
        require(self.n is None or self.n % 2 ** (self.blocks - 1) == 0,
                f"n={self.n} must be divisible by 2**(blocks - 1) = {2 ** (self.blocks - 1)} (a 2 x 2 pooling "
                f"follows each of the first blocks - 1 = {self.blocks - 1} blocks)")

    @property
    def layers(self) -> int:
        """Number of convolutions (hidden layers): blocks * convs."""
        return self.blocks * self.convs

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        weights = [(self.width, self.channels if k == 1 else self.width, 3, 3) for k in range(1, self.layers + 1)]
        return layer_shapes(weights, [(self.width,)] * self.layers if self.bias else None, (self.width, self.n_classes))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        ensemble = x.ndim == 5
        e = x.shape[0] if ensemble else 1
        # Grouped layout: [batch, E * C, n, n]; model m owns channels [m C, (m + 1) C).
        h = x.transpose(0, 1).flatten(1, 2) if ensemble else x
        pool = F.max_pool2d if self.pooling == "max" else F.avg_pool2d
        layers = []
        k = 0
        for block in range(self.blocks):
            for _ in range(self.convs):
                k += 1
                w = params[f"w{k}"]
                fan_in = w.shape[-3] * 9
                b = params[f"b{k}"].reshape(-1) if self.bias else None
                h = torch.relu(F.conv2d(h, w.reshape(-1, *w.shape[-3:]) / math.sqrt(fan_in), b, padding=1, groups=e))
                layers.append(h)
            if block < self.blocks - 1:
                h = pool(h, 2)

        def split(a: torch.Tensor) -> torch.Tensor:  # [batch, E * H, m, m] -> [(E,) batch, H, m, m]
            return a.unflatten(1, (e, self.width)).transpose(0, 1) if ensemble else a

        if features:
            return [split(a) for a in layers]
        last = split(h)
        return self._readout_positions(last.flatten(-2).transpose(-1, -2), params["beta"])
