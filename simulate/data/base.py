"""The shared interface of data models: ``sample(n, seed) -> (x, y)`` and ``label(x)``.

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

from typing import Any, ClassVar

import numpy as np
import torch

from ..runs.device import resolve_device

__all__ = ["DataModel", "check_dimension", "check_count", "check_nonnegative_int"]


def check_nonnegative_int(value: Any, name: str) -> int:
    """Return `value` as an int, or raise ``ValueError`` unless it is an integer >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name}={value!r} must be a non-negative integer (0, 1, 2, ...)")
    return int(value)


def check_count(value: Any, name: str, minimum: int = 1) -> int:
    """Return `value` as an int, or raise ``ValueError`` unless it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_dimension(d: Any, name: str = "d") -> int:
    """Validate an input dimension: an integer >= 1."""
    return check_count(d, name, 1)


def _check_dtype(dtype: Any) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype={dtype!r} must be a floating torch dtype (torch.float32 or torch.float64)")
    return dtype


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

    def _draw(self, n: int, rng: Any) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def label(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        """Labels in {-1., +1.} of the inputs `x` [n, d] (same dtype and device as `x`)."""
        raise NotImplementedError

    def _check_x(self, x: Any) -> torch.Tensor:
        x = torch.as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.d:
            raise ValueError(f"x must have shape [n, d={self.d}], got {tuple(x.shape)}")
        return x

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
        n = check_nonnegative_int(n, "n")
        seed = check_nonnegative_int(seed, "seed")
        stream = check_nonnegative_int(stream, "stream")
        dtype = _check_dtype(dtype)
        dev = resolve_device(device)
        ss = np.random.SeedSequence([seed, stream])
        if self.n_substreams:
            rng: Any = [np.random.default_rng(child) for child in ss.spawn(self.n_substreams)]
        else:
            rng = np.random.default_rng(ss)
        x_np = self._draw(n, rng)
        x = torch.as_tensor(x_np).to(device=dev, dtype=dtype)
        return x, self.label(x)
