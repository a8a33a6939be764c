"""Suites: every registered study's claims at one scale.

* ``quick``: every claim at CPU scale (minutes on 2 cores);
* ``full``: the same claims with more seeds and larger sizes (hours on CPU);
* ``toy``: the same claims at toy scale (seconds; used by the end-to-end tests).

The suites, ``scalingcheck list`` and the report derive from the study
registry (:mod:`.studies`): a study registered there is part of every suite
whose name is one of its scales.
"""
from __future__ import annotations

from .claim import Claim
from .figures import Figure
from .studies import Study, studies

__all__ = ["suite_names", "get_suite", "suite_figures", "figures_of", "studies_of"]


def suite_names() -> tuple[str, ...]:
    """Every scale offered by at least one study, in the order the studies list them."""
    names: dict[str, None] = {}
    for study in studies():
        names.update(dict.fromkeys(study.scales))
    return tuple(names)


def _check(name: str) -> None:
    known = suite_names()
    if name not in known:
        raise ValueError(f"unknown suite {name!r}; known: {', '.join(known)}")


def studies_of(name: str) -> list[Study]:
    """The studies taking part in suite `name`."""
    _check(name)
    return [s for s in studies() if name in s.scales]


def get_suite(name: str) -> list[Claim]:
    """The claims of suite `name` (each study's claims at that scale); ``ValueError`` naming the known suites."""
    claims = [c for study in studies_of(name) for c in study.claims(name)]
    names = [c.name for c in claims]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(f"suite {name!r}: claim name(s) {', '.join(clash)} used by more than one claim")
    return claims


def suite_figures(name: str, claims: list[Claim] | None = None) -> list[Figure]:
    """The figures of suite `name`, built by each study from its own claims (`claims`: the suite's, if built)."""
    claims = get_suite(name) if claims is None else claims
    out = []
    for study in studies_of(name):
        own = {c.name: c for c in claims if c.study == study.name}
        out += study.figures(own)
    return out


def figures_of(name: str, claims: list[Claim]) -> list[Figure]:
    """The figures of suite `name` that show one of `claims`' studies (a figure whose other claims were not
    chosen is among them: it is skipped when drawn, and the report says so)."""
    chosen = {c.study for c in claims}
    return [f for f in suite_figures(name) if any(c.study in chosen for c in f.claims)]
