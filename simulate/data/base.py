"""The shared interface of data models: ``sample(n, seed) -> (x, y)`` and ``label(x)``.

:class:`Samples` states what every data model of :mod:`simulate.data` offers:
``input_shape`` (the shape of one input) and ``sample(n, seed, *, stream=0,
device=None, ...) -> (x, y)`` with ``x`` [n, *input_shape] and ``y`` [n] the
labels or classes. Same ``(seed, stream)``, same draws; other streams of one
seed are independent; draws are nested in ``n``. Models meet it as follows:

* the vector models (:class:`DataModel` subclasses): ``x`` float [n, d],
  ``y`` labels -1. or +1. (``dtype`` keyword, default float64);
* the RHM and the sparse RHM (:class:`~.rhm_indexing.IndexedHierarchy`): ``x``
  one-hot [n, n_channels, input_dim], ``y`` int64 classes; their ``stream``
  is mixed into the seed sequence of the draw (:mod:`.rhm_seeding`), and their
  extra keywords are ``one_hot`` (``False``: int64 tokens [n, input_dim]
  instead, not [n, *input_shape]) and ``dtype`` (default float32);
* the scale-detection tasks (:mod:`.scale_detection`): ``x`` images
  [n, 1, *image_shape], ``y`` labels -1. or +1. (``dtype`` keyword, default
  float32); their training and test sets come from ``split``.

A data model is a frozen dataclass (so that it can sit inside a run spec and
be serialised to canonical JSON) that subclasses :class:`DataModel`, sets a
class-level ``kind`` and implements two methods:

* ``_draw(n, rng) -> numpy array [n, d]`` draws the inputs with the given
  ``numpy.random.Generator`` (or with several, see ``n_substreams``), in a way
  that the first ``n`` rows do not depend on how many rows are drawn;
* ``label(x)`` applies the deterministic labelling rule.

:meth:`DataModel.sample` does the seeding: the inputs of ``sample(n, seed,
stream=s)`` come from ``np.random.default_rng(np.random.SeedSequence([seed,
s]))``, so that

* the same ``(seed, stream)`` always gives the same points;
* training and test sets are independent when drawn from different streams;
* training sets are nested: the first ``n`` points of ``sample(n2, seed)`` with
  ``n2 >= n`` are exactly ``sample(n, seed)``. Learning-curve experiments rely
  on this (a larger training set contains the smaller ones).
"""
from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import torch

from ..runs.checks import check_dtype, check_finite, check_int, check_memory, check_seed, show
from ..runs.device import resolve_device

__all__ = ["DataModel", "Samples"]


@runtime_checkable
class Samples(Protocol):
    """What every data model offers (``isinstance(model, Samples)`` checks that both members exist).

    ``input_shape``: the shape of one input. ``sample(n, seed, *, stream=0, device=None, ...)``:
    ``n`` labelled draws ``(x, y)``, ``x`` [n, *input_shape] and ``y`` [n] (labels or classes),
    reproducible for one ``(seed, stream)``, independent across streams, nested in ``n``; a model
    may take further keywords (``dtype``; the RHM's ``one_hot``). See the module docstring.
    """

    @property
    def input_shape(self) -> tuple[int, ...]: ...

    def sample(self, n: int, seed: int, *, stream: int = 0, device: str | torch.device | None = None,
               **options: Any) -> tuple[torch.Tensor, torch.Tensor]: ...


class DataModel:
    """Base of all data models (mix into a frozen dataclass).

    Subclasses define the class variable ``kind``, a field ``d`` (the input
    dimension), ``_draw`` and ``label``. Labels are ``-1.`` or ``+1.``.
    """

    kind: ClassVar[str] = "data"
    n_substreams: ClassVar[int] = 0
    """0: `_draw` receives one Generator; k > 0: a list of k independent ones
    (one per random component, which keeps every component nested in n)."""

    d: int

    @property
    def input_shape(self) -> tuple[int]:
        """The shape of one input: ``(d,)``."""
        return (self.d,)

    def _draw(self, n: int, rng: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def label(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        """Labels in {-1., +1.} of the inputs `x` [n, d] (same dtype and device as `x`)."""
        raise NotImplementedError

    def _check_x(self, x: Any) -> torch.Tensor:
        """`x` as a tensor [n, d]; ``ValueError`` for another shape or a NaN or infinite entry."""
        x = torch.as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"x must have shape [n, d={self.d}], got {tuple(x.shape)}")
        return check_finite(x, "x")

    def sample(
        self,
        n: int,
        seed: int,
        *,
        stream: int = 0,
        device: str | torch.device | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw `n` labelled points.

        Parameters
        ----------
        n : number of points (integer >= 0).
        seed : non-negative integer seed.
        stream : non-negative integer; different streams of one seed are
            independent (e.g. 0 for training, 1 for testing).
        device : torch device; ``None`` -> `simulate.device.default_device()`.
        dtype : floating torch dtype of `x` and `y`.

        Returns
        -------
        x : Tensor [n, d]; y : Tensor [n] with values -1. or +1., equal to
        ``self.label(x)``. The first ``n`` points of a call with a larger ``n``
        and the same ``seed``/``stream`` are identical (nested sets).
        """
        n = check_int(n, "n", 0)
        seed = check_seed(seed)
        stream = check_int(stream, "stream", 0)
        dtype = check_dtype(dtype)
        dev = resolve_device(device)
        # numpy draws float64 [n, d], then a copy in `dtype` (at least one row, so that a huge d is refused too)
        itemsize = torch.empty(0, dtype=dtype).element_size()
        check_memory(max(n, 1) * self.d * (8 + itemsize) + n * 3 * itemsize,
                     f"n={show(n)} points of d={show(self.d)} coordinates ({type(self).__name__})", dev)
        ss = np.random.SeedSequence([seed, stream])
        if self.n_substreams:
            rng: Any = [np.random.default_rng(child) for child in ss.spawn(self.n_substreams)]
        else:
            rng = np.random.default_rng(ss)
        x_np = self._draw(n, rng)
        x = torch.as_tensor(x_np).to(device=dev, dtype=dtype)
        return x, self.label(x)
