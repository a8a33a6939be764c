"""The registry of every theoretical prediction the package encodes.

>>> from theory.registry import get, names
>>> get("beta_lazy").evaluate(d=2)
0.5
>>> "rhm_p_max" in names()
True

One module per docs/science.md section holds the predictions (a tuple ``PREDICTIONS`` and its
``SECTION``, "N. Title"); this module finds every such module of the ``theory`` package and gathers
their predictions, in section order, in a read-only mapping ``REGISTRY`` (name -> :class:`Prediction`).
A new paper's predictions are one new module here, listed nowhere else.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
from types import MappingProxyType, ModuleType
from typing import Mapping

from .prediction import Prediction


def _modules() -> list[ModuleType]:
    """The modules of this package that hold predictions (``PREDICTIONS``), by the number of their ``SECTION``."""
    package = __name__.rpartition(".")[0]
    found = []
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if info.name != "registry":
            module = importlib.import_module(f"{package}.{info.name}")
            if hasattr(module, "PREDICTIONS"):
                found.append(module)
    return sorted(found, key=lambda m: (float(str(m.SECTION).split(".")[0]), m.__name__))


def _build() -> dict[str, Prediction]:
    table: dict[str, Prediction] = {}
    for module in _modules():
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
