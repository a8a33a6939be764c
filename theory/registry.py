"""The registry of every theoretical prediction the package encodes.

>>> from theory.registry import get, names
>>> get("beta_lazy").evaluate(d=2)
0.5
>>> "rhm_p_max" in names()
True

One module per THEORY.md section holds the predictions; this module gathers
them in a read-only mapping ``REGISTRY`` (name -> :class:`Prediction`).
"""
from __future__ import annotations

import difflib
from types import MappingProxyType
from typing import Mapping

from . import diffeomorphisms, geometric_compression, kernel_regression, pooling, rhm, supporting
from .prediction import Prediction

_MODULES = (geometric_compression, kernel_regression, rhm, pooling, diffeomorphisms, supporting)


def _build() -> Mapping[str, Prediction]:
    table: dict[str, Prediction] = {}
    for module in _MODULES:
        for pred in module.PREDICTIONS:
            if pred.name in table:
                raise RuntimeError(f"duplicate prediction name {pred.name!r} in {module.__name__}")
            table[pred.name] = pred
    return MappingProxyType(table)


REGISTRY: Mapping[str, Prediction] = _build()


def names() -> tuple[str, ...]:
    """All registered prediction names, in registry order (THEORY.md sections)."""
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


__all__ = ["REGISTRY", "get", "names"]
