"""Suites: every registered study's claims at one scale.

* ``quick``: every claim at CPU scale (minutes on 2 cores);
* ``full``: the same claims with more seeds and larger sizes (hours on CPU);
* ``toy``: the same claims at toy scale (seconds; used by the end-to-end tests).

The suites, ``scalingcheck list`` and the report derive from the study
registry (:mod:`.studies`): a study registered there is part of every suite
whose name is one of its scales.
"""
from __future__ import annotations

from typing import Any, Sequence

from ..simulate.runs.errors import BadInput
from .claim import Claim
from .figures import Figure
from .studies import Study, studies

__all__ = ["suite_names", "get_suite", "suite_figures", "figures_of", "studies_of", "select_claims", "listing",
           "skipped_claims"]


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


def skipped_claims(name: str, studies_: list[Study] | None = None) -> list[tuple[str, str]]:
    """(claim name, why) of the claims of suite `name` (or of `studies_` at that scale) that this machine
    cannot run (their data is not here): left out of the suite, said in the report."""
    chosen = studies_of(name) if studies_ is None else [s for s in studies_ if name in s.scales]
    return [pair for study in chosen for pair in study.skipped(name)]


def select_claims(suite: str, loaded: Any = None, study: Sequence[str] = (), claim: Sequence[str] = ()) -> list[Claim]:
    """The claims a run of `suite` judges: the built-in studies', or those of `loaded` (a claims file's, see
    :func:`.user_claims.load_claims`), restricted to the studies `study` and the claims `claim` when given.

    Raises :class:`BadInput` for an unknown suite, study or claim, a claims file's claim named like a
    built-in one of the suite, or a selection with no claim (nothing judged is not a pass).
    """
    if loaded is None:
        claims = get_suite(suite)
    else:
        claims = loaded.claims(suite)
        theirs = {s.name for s in loaded.studies}
        builtin = {c.name for s in studies() if s.name not in theirs and suite in s.scales for c in s.claims(suite)}
        clash = sorted({c.name for c in claims} & builtin)
        if clash:
            raise BadInput(f"{loaded.source}: claim name(s) {', '.join(clash)} are built-in claims of suite "
                           f"{suite!r}; rename them")
    for attr, chosen, what in (("study", study, "study(ies)"), ("name", claim, "claim(s)")):
        if chosen:
            known = {getattr(c, attr) for c in claims}
            unknown = [n for n in chosen if n not in known]
            skipped = dict(skipped_claims(suite, None if loaded is None else list(loaded.studies)))
            if attr == "name" and any(n in skipped for n in unknown):
                name = next(n for n in unknown if n in skipped)
                raise BadInput(f"claim {name} cannot run on this machine: {skipped[name]}")
            if unknown:
                raise BadInput(f"unknown {what} {', '.join(unknown)} in suite {suite!r}; "
                               f"known: {', '.join(sorted(known))}")
            claims = [c for c in claims if getattr(c, attr) in chosen]
    if not claims:
        where = loaded.source if loaded is not None else "the built-in studies"
        raise BadInput(f"suite {suite!r} of {where} has no claims to run: a study builds none at this scale")
    return claims


def listing(loaded: Any = None) -> list[str]:
    """The lines of ``scalingcheck list``: each study (papers, scales), then each suite with its distinct runs
    and its claims; the built-in studies, or those of `loaded` (a claims file's)."""
    from ..theory.prediction import cite

    shown = studies() if loaded is None else list(loaded.studies)
    lines = []
    for study in shown:
        papers = ", ".join(cite(p) for p in study.papers)
        origin = "" if loaded is None else f" [from {loaded.source}]"
        lines.append(f"study {study.name}: {study.title}{f' ({papers})' if papers else ''}; scales: "
                     f"{', '.join(study.scales)}{origin}")
    for name in (suite_names() if loaded is None else dict.fromkeys(n for s in shown for n in s.scales)):
        claims = get_suite(name) if loaded is None else loaded.claims(name)
        distinct = {spec.key(seed) for claim in claims for spec, seed in claim.runs()}
        lines.append(f"suite {name}: {len(claims)} claims, {len(distinct)} distinct runs "
                     "(a run that several claims share is counted once here, and with each claim below)")
        lines += [f"  {c.name:<28} {len(c.runs()):>4} runs  [{c.study}] {c.statement}" for c in claims]
    return lines
