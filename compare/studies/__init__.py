"""Studies: one per paper (claims at each scale and figures), and the registry every suite derives from.

>>> from scalingcheck.compare.studies import studies
>>> [s.name for s in studies()]
['kernel_methods', 'feature_lazy', 'rhm', 'pooling', 'stability']

The built-in studies register themselves when first asked for; a user's
study is added with :func:`register`.
"""
from __future__ import annotations

import importlib

from .base import Scale, Study

__all__ = ["Scale", "Study", "register", "studies", "get_study", "BUILTIN"]

BUILTIN = ("kernel_methods", "feature_lazy.claims", "rhm.claims", "pooling.claims", "stability.claims")
"""Modules of this package holding the built-in studies, in report order."""

_REGISTRY: dict[str, Study] = {}
_loaded = False


def register(study: Study) -> Study:
    """Add `study` to the registry (returns it). A second study of the same name is an error."""
    if not isinstance(study, Study):
        raise ValueError(f"register() takes a Study instance, got {type(study).__name__}")
    if not study.name or not study.scales:
        raise ValueError(f"study {study!r} must set a name and at least one scale")
    if study.name in _REGISTRY and _REGISTRY[study.name] is not study:
        raise ValueError(f"a study named {study.name!r} is already registered")
    _REGISTRY[study.name] = study
    return study


def _load_builtin() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in BUILTIN:
            importlib.import_module(f"{__name__}.{module}")


def studies() -> list[Study]:
    """Every registered study, built-in ones first (in :data:`BUILTIN` order)."""
    _load_builtin()
    order = {f"{__name__}.{m}": i for i, m in enumerate(BUILTIN)}
    return sorted(_REGISTRY.values(), key=lambda s: order.get(type(s).__module__, len(order)))


def get_study(name: str) -> Study:
    """The study called `name`; ``ValueError`` listing the known ones otherwise."""
    _load_builtin()
    if name not in _REGISTRY:
        raise ValueError(f"unknown study {name!r}; known: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
