"""Suites: named lists of claims, one module of claims per model.

* ``quick``: every claim at CPU scale (minutes on 2 cores);
* ``full``: the same claims with more seeds and larger sizes (hours on CPU);
* ``toy``: the same claims at toy scale (seconds; used by the end-to-end tests).
"""
from __future__ import annotations

from typing import Callable

from .studies import kernel_methods as kernel_claims
from .studies.feature_lazy import claims as feature_lazy_claims
from .studies.rhm import claims as rhm_claims
from .claim import Claim
from .figures import Figure

SCALE_NAMES = ("quick", "full", "toy")


def _check_scale(scale: str) -> None:
    if scale not in SCALE_NAMES:
        raise ValueError(f"unknown suite {scale!r}; known: {', '.join(SCALE_NAMES)}")


def build(scale: str) -> list[Claim]:
    """All claims at the named scale."""
    _check_scale(scale)
    return kernel_claims.claims(scale) + feature_lazy_claims.claims(scale) + rhm_claims.claims(scale)


def figures(scale: str) -> list[Figure]:
    """The figures spanning several claims of the suite at the named scale."""
    _check_scale(scale)
    return feature_lazy_claims.figures(scale) + rhm_claims.figures(scale)


SUITES: dict[str, Callable[[], list[Claim]]] = {name: (lambda n=name: build(n)) for name in SCALE_NAMES}


def get_suite(name: str) -> list[Claim]:
    """The claims of suite `name`; ``ValueError`` naming the known suites otherwise."""
    return build(name)
