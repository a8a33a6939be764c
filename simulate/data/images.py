"""Images for the relative-stability study (docs/science.md section 5): shipped digits, synthetic images, user arrays.

* :func:`digits`: scikit-learn's 8 x 8 handwritten digits (1797 images, 10
  classes; ``sklearn.datasets.load_digits`` ships them, no download),
  upsampled bilinearly to size x size. On 8 x 8 images a one-pixel
  displacement at c = 3 exceeds the diffeomorphism bound n / (pi c); upsample.
  :class:`Digits` is the same set as a data model a run spec holds.
* :func:`split_indices`: disjoint seeded training and test indices.
* :func:`synthetic_images`: smooth random images (sums of Gaussian blobs).
* :func:`as_image_batch`: checks and converts a user's image array.

All images are float tensors [N, C, n, n].
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from ..runs.checks import check_dtype, check_int, check_memory, check_seed, require, show
from ..runs.device import resolve_device

__all__ = ["Digits", "digits", "split_indices", "synthetic_images", "as_image_batch", "DIGITS_COUNT",
           "DIGITS_CLASSES"]

DIGITS_COUNT = 1797
DIGITS_CLASSES = 10


@functools.lru_cache(maxsize=1)
def _digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images.astype(np.float64), data.target.astype(np.int64)


def digits(
    size: int = 16,
    *,
    seed: int | None = None,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's handwritten digits upsampled to ``size x size``: images [1797, 1, size, size], labels [1797].

    The 8 x 8 grey levels (0..16) are upsampled with ``torch.nn.functional.interpolate``
    (bilinear, ``align_corners=False``), then normalised with two numbers of the whole
    upsampled set: ``(x - mean) / std`` over all pixels of all images (so the set has
    pixel mean 0 and pixel variance 1; every image keeps its own contrast).

    Parameters
    ----------
    size : side of the returned images (>= 8; 8 keeps the originals).
    seed : None (default) keeps scikit-learn's order; an integer shuffles the images
        with ``torch.randperm`` from a generator seeded with it.
    device : None: CUDA when present, else CPU.
    dtype : floating dtype of the images (labels are int64).
    """
    size = check_int(size, "size", 8)
    dtype = check_dtype(dtype)
    check_memory(DIGITS_COUNT * size * size * 8 * 4, f"size={show(size)}: {DIGITS_COUNT} digits of size x size pixels")
    images, labels = _digits_8x8()
    x = torch.from_numpy(images).unsqueeze(1)  # [N, 1, 8, 8], float64
    if size != 8:
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    x = (x - x.mean()) / x.std()
    y = torch.from_numpy(labels)
    if seed is not None:
        perm = torch.randperm(x.shape[0], generator=torch.Generator(device="cpu").manual_seed(check_seed(seed)))
        x, y = x[perm], y[perm]
    dev = resolve_device(device)
    return x.to(device=dev, dtype=dtype), y.to(dev)


@dataclass(frozen=True)
class Digits:
    """scikit-learn's handwritten digits upsampled to ``size x size`` (:func:`digits`), as a data model: a
    labelled image set a run spec holds (:class:`.image_sets.ImageSet`; one split, ``"all"``).

    Parameters
    ----------
    size : side of the images (>= 8).
    """

    kind: ClassVar[str] = "digits"
    size: int = 16

    def __post_init__(self) -> None:
        check_int(self.size, "size", 8)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The shape of one image, ``(1, size, size)``."""
        return (1, self.size, self.size)

    @property
    def n_classes(self) -> int:
        return DIGITS_CLASSES

    @property
    def count(self) -> int:
        """The number of images, 1797."""
        return DIGITS_COUNT

    def split_sizes(self) -> dict[str, int]:
        """One set, ``{"all": 1797}``, for the experiment to split."""
        return {"all": DIGITS_COUNT}

    def missing(self) -> str | None:
        """None: scikit-learn ships the digits."""
        return None

    def load(self, split: str = "all", device: str | torch.device | None = None, dtype: torch.dtype = torch.float32
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Every image [count, 1, size, size] and label [count] (:func:`digits`, in scikit-learn's order)."""
        require(split == "all", f"split={split!r}; the digits have one split, 'all'")
        return digits(self.size, device=device, dtype=dtype)


def split_indices(n: int, p_train: int, n_test: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Disjoint training and test indices into a set of `n` items: ``(train [p_train], test [n_test])``, int64.

    One ``torch.randperm(n)`` from a generator seeded with `seed`: the test set is its
    first `n_test` entries (it does not depend on `p_train`), the training set the next
    `p_train` (training sets of one seed are nested in `p_train`).
    """
    n = check_int(n, "n", 1)
    p_train = check_int(p_train, "p_train", 0)
    n_test = check_int(n_test, "n_test", 0)
    seed = check_seed(seed)
    require(p_train + n_test <= n, f"p_train + n_test = {p_train} + {n_test} exceeds the {n} images available")
    check_memory(8 * n, f"n={show(n)} indices")
    perm = torch.randperm(n, generator=torch.Generator(device="cpu").manual_seed(seed))
    return perm[n_test: n_test + p_train], perm[:n_test]


def synthetic_images(
    n: int,
    count: int,
    seed: int,
    *,
    channels: int = 1,
    blobs: int = 3,
    device: str | torch.device | None = None,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Smooth random images [count, channels, n, n]: each channel a sum of `blobs` Gaussian blobs.

    Blob k of an image channel: amplitude ~ N(0, 1), centre uniform in [0.2, 0.8]^2, width
    uniform in [0.05, 0.15] (coordinates u, v in [0, 1] on ``linspace(0, 1, n)``):
    ``a_k exp(-|(u, v) - centre_k|^2 / (2 width_k^2))``. Drawn on the CPU in float64
    from ``torch.Generator().manual_seed(seed)``, then moved to `device` and cast.
    """
    n = check_int(n, "n", 2)
    count = check_int(count, "count", 1)
    channels = check_int(channels, "channels", 1)
    blobs = check_int(blobs, "blobs", 1)
    check_memory(8 * 4 * count * channels * blobs * n * n,
                 f"count={show(count)} images of channels={show(channels)} x n={show(n)} x n pixels with "
                 f"blobs={show(blobs)} blobs", resolve_device(device))
    gen = torch.Generator(device="cpu").manual_seed(check_seed(seed))
    shape = (count, channels, blobs)
    amp = torch.randn(shape, generator=gen, dtype=torch.float64)
    centre = 0.2 + 0.6 * torch.rand(shape + (2,), generator=gen, dtype=torch.float64)
    width = 0.05 + 0.1 * torch.rand(shape, generator=gen, dtype=torch.float64)
    g = torch.linspace(0.0, 1.0, n, dtype=torch.float64)
    du = (g - centre[..., 0, None]).pow(2)  # [count, C, blobs, n] along u (columns)
    dv = (g - centre[..., 1, None]).pow(2)  # along v (rows)
    r2 = dv[..., :, None] + du[..., None, :]  # [count, C, blobs, n(v), n(u)]
    x = (amp[..., None, None] * torch.exp(-r2 / (2 * width[..., None, None] ** 2))).sum(2)
    return x.to(device=resolve_device(device), dtype=check_dtype(dtype))


def as_image_batch(images: Any) -> torch.Tensor:
    """A user's images as a floating tensor [N, C, n, n] (a view where possible; device kept).

    Accepts a numpy array or torch tensor [N, H, W] (one channel, C = 1 is added) or [N, C, H, W]
    with H = W, a floating dtype and finite values; anything else raises a ``ValueError``
    saying what is wrong. Numpy arrays become CPU tensors of their own dtype.
    """
    if isinstance(images, np.ndarray):
        if not np.issubdtype(images.dtype, np.floating):
            raise ValueError(f"images must hold floating values (convert integers with .astype(float)), got dtype {images.dtype}")
        images = torch.from_numpy(images)
    if not isinstance(images, torch.Tensor):
        raise ValueError(f"images must be a numpy array or torch tensor [N, H, W] or [N, C, H, W], got {type(images).__name__}")
    if not images.is_floating_point():
        raise ValueError(f"images must hold floating values (convert integers with .float()), got dtype {images.dtype}")
    if images.ndim not in (3, 4):
        raise ValueError(f"images must have shape [N, H, W] or [N, C, H, W], got {list(images.shape)}")
    if images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must be square (H = W), got H={images.shape[-2]}, W={images.shape[-1]}")
    if images.shape[0] < 1 or images.shape[-1] < 2 or (images.ndim == 4 and images.shape[1] < 1):
        raise ValueError(f"images must hold at least one image of at least 2 x 2 pixels, got shape {list(images.shape)}")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images must be finite (found NaN or inf)")
    return images.unsqueeze(1) if images.ndim == 3 else images
