"""The registry of every theoretical prediction the package encodes.

>>> from theory.registry import get, names
>>> get("beta_lazy").evaluate(d=2)
0.5
>>> "rhm_p_max" in names()
True

One module per docs/science.md section holds the predictions; this module gathers
them in a read-only mapping ``REGISTRY`` (name -> :class:`Prediction`).
"""
from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Mapping

from . import diffeomorphisms, geometric_compression, kernel_regression, pooling, rhm, supporting
from .prediction import Prediction

_MODULES = (geometric_compression, kernel_regression, rhm, pooling, diffeomorphisms, supporting)


def _build() -> dict[str, Prediction]:
    table: dict[str, Prediction] = {}
    for module in _MODULES:
        for pred in module.PREDICTIONS:
            if pred.name in table:
                raise RuntimeError(f"duplicate prediction name {pred.name!r} in {module.__name__}")
            table[pred.name] = pred
    return table


_TABLE = _build()
BUILTIN_NAMES: frozenset[str] = frozenset(_TABLE)
"""The predictions this package ships (a user's are added by :func:`register`)."""
REGISTRY: Mapping[str, Prediction] = MappingProxyType(_TABLE)
"""Read-only view of every registered prediction, the package's and then a user's."""


def register(prediction: Prediction) -> Prediction:
    """Add a user's `prediction` (e.g. from a claims file) to the registry; returns it.

    Registering the same object twice is harmless (a claims file imported again
    in a worker process); another prediction under a taken name is an error.
    """
    if not isinstance(prediction, Prediction):
        raise ValueError(f"register() takes a Prediction, got {type(prediction).__name__}")
    known = _TABLE.get(prediction.name)
    if known is not None and known is not prediction:
        if prediction.name in BUILTIN_NAMES:
            raise ValueError(f"prediction name {prediction.name!r} is a built-in prediction; choose another name")
        if known.describe() != prediction.describe():
            raise ValueError(f"a different prediction named {prediction.name!r} is already registered")
    _TABLE[prediction.name] = prediction
    return prediction


def names() -> tuple[str, ...]:
    """All registered prediction names, in registry order (docs/science.md sections)."""
    return tuple(REGISTRY)


def get(name: str) -> Prediction:
    """The prediction called `name`.

    Raises
    ------
    ValueError
        If no prediction has that name; the message suggests close matches
        and lists every known name.
    """
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        pass
    close = difflib.get_close_matches(str(name), list(REGISTRY), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ";"
    raise ValueError(f"unknown prediction {name!r}{hint} known: {', '.join(REGISTRY)}")


__all__ = ["REGISTRY", "BUILTIN_NAMES", "get", "names", "register"]
