"""Studies: one per paper (claims at each scale and figures), and the registry every suite derives from.

>>> from scalingcheck.compare.studies import studies
>>> [s.name for s in studies()]
['kernel_methods', 'feature_lazy', 'rhm', 'pooling', 'stability']

Every module and subpackage of this package is a study that registers itself
on import (a subpackage's ``__init__`` imports the module that does), found
when the registry is first asked for: a new paper is one new folder here,
listed nowhere else. Installed packages add studies through the entry-point
group :data:`ENTRY_POINTS` (each entry names a module that registers its
studies on import); a user's study is added with :func:`register`. Studies
are listed by their ``order``, then in the order they registered.
"""
from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

from .base import Scale, Study

__all__ = ["Scale", "Study", "register", "studies", "get_study", "ENTRY_POINTS"]

ENTRY_POINTS = "scalingcheck.studies"
"""The entry-point group through which installed packages add studies (``[project.entry-points."scalingcheck.studies"]
my_paper = "my_package.my_study"``)."""

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
        for info in pkgutil.iter_modules(__path__):
            if info.name != "base":
                importlib.import_module(f"{__name__}.{info.name}")
        for entry in entry_points(group=ENTRY_POINTS):
            entry.load()


def studies() -> list[Study]:
    """Every registered study, by its ``order`` (the built-in ones first), then in the order they registered."""
    _load_builtin()
    return sorted(_REGISTRY.values(), key=lambda s: s.order)


def get_study(name: str) -> Study:
    """The study called `name`; ``ValueError`` listing the known ones otherwise."""
    _load_builtin()
    if name not in _REGISTRY:
        raise ValueError(f"unknown study {name!r}; known: {', '.join(_REGISTRY)}")
    return _REGISTRY[name]
