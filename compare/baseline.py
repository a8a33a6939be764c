"""Baselines: the accepted state of a suite's claims, and what changed since.

A baseline is a ``results.json`` that a user accepted (``scalingcheck
baseline accept``). :func:`compare_to_baseline` lines today's outcomes up
with it, claim by claim; a claim is a **regression** when

* its verdict changed (in either direction: a CI guard says "this changed",
  and a newly agreeing claim is accepted by accepting a new baseline);
* its measured value left the baseline's interval, widened by `tolerance`
  (``--baseline-tolerance``; 0 by default: the baseline's own 95% interval);
* it is new, or it is gone (among the claims this run selected).

A baseline is checked as data when read (:func:`.report.load_results`: every
value a number, every decided claim's interval finite and ordered, every claim
once). A baseline of another suite or of another claims file, or one that is
not a ``results.json``, is refused (:class:`BadInput`); one measured on another
device or package version is compared, with a note saying so
(:func:`baseline_notes`).
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..simulate.runs.errors import BadInput
from .claim import Outcome
from .results import RESULTS_FORMAT, Results, load_results

__all__ = ["Change", "Comparison", "load_baseline", "accept_baseline", "compare_to_baseline", "baseline_notes",
           "change_table"]


@dataclass(frozen=True)
class Change:
    """One claim against the baseline: what it was, what it is, and whether that is a regression."""

    claim: str
    baseline: str
    now: str
    change: str
    regression: bool

    def to_dict(self) -> dict[str, Any]:
        return {"claim": self.claim, "baseline": self.baseline, "now": self.now, "change": self.change,
                "regression": self.regression}


@dataclass(frozen=True)
class Comparison:
    """A run against a baseline: the baseline's file, each claim's :class:`Change`, and notes on how the
    baseline's provenance differs from the run's."""

    file: str
    changes: tuple[Change, ...]
    notes: tuple[str, ...] = ()

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regression]

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.file), "notes": list(self.notes), "changes": [c.to_dict() for c in self.changes]}


def _show(o: Outcome | None) -> str:
    if o is None:
        return "-"
    m = o.measurement
    if m is None or not math.isfinite(m.value):
        return o.verdict.value
    return f"{o.verdict.value} {m.value:.3f} [{m.low:.3f}, {m.high:.3f}]"


_ANY_SOURCE: Any = object()


def load_baseline(path: str | Path, suite: str, claims_source: str | None = _ANY_SOURCE
                  ) -> tuple[dict[str, Any], list[Outcome]]:
    """(provenance, outcomes) of the baseline at `path`; :class:`BadInput` with one line if it cannot serve
    as the baseline of `suite`: missing, malformed (see :func:`.report.load_results`), another suite, or,
    when `claims_source` is given (the run's claims file or ``-m`` module; ``None`` for the built-in
    studies), measured on other claims (a file is compared by name, so that a checkout elsewhere matches)."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"--baseline={str(path)!r}: no such file; write one with `scalingcheck baseline accept`")
    results = load_results(path)
    theirs = results.provenance.get("suite")
    if theirs != suite:
        raise BadInput(f"--baseline={str(path)!r} holds suite {theirs!r}, this run is suite {suite!r}; "
                       "compare like with like (or accept a new baseline)")
    recorded = results.provenance.get("claims_source")
    if claims_source is not _ANY_SOURCE and _source_name(recorded) != _source_name(claims_source):
        raise BadInput(f"--baseline={str(path)!r} was measured on {recorded or 'the built-in studies'}, this run "
                       f"on {claims_source or 'the built-in studies'}; compare like with like (or accept a new "
                       "baseline)")
    return results.provenance, results.outcomes


def accept_baseline(folder: str | Path, target: str | Path, allow_incomplete: bool = False) -> Results:
    """Make the ``results.json`` of the run in `folder` the baseline at `target` (written atomically: an
    interrupted accept leaves the old baseline whole); returns what was accepted.

    Raises :class:`BadInput` (nothing written) when there is no results.json, the run was not complete
    (failed runs, claims not measured or not judged) unless `allow_incomplete`, or `target` is a folder,
    the run's own results.json, or an existing file that is not a baseline (a store, say).
    """
    from .outputs import write_atomic

    source, target = Path(folder) / "results.json", Path(target)
    if not source.is_file():
        raise BadInput(f"no results at {source}; run `scalingcheck run ... --out {folder}` first")
    results = load_results(source)
    status = results.status or {"complete": True, "problems": []}
    if not status["complete"] and not allow_incomplete:
        problems = status["problems"]
        raise BadInput(f"{source}: the run was not complete ({problems[0] if problems else 'see report.md'}); "
                       "complete it (re-run) before accepting it, or pass --allow-incomplete")
    if target.is_dir():
        raise BadInput(f"--to={str(target)!r} is a folder; name the baseline file")
    if target.exists() and os.path.samefile(target, source):
        raise BadInput(f"--to={str(target)!r} is the run's own results.json; name a file outside --out")
    if target.exists():  # only a baseline is replaced: never a store, a script or anything else
        try:
            is_results = json.loads(target.read_text()).get("format") == RESULTS_FORMAT["format"]
        except (OSError, ValueError, AttributeError):
            is_results = False
        if not is_results:
            raise BadInput(f"--to={str(target)!r} exists and is not a scalingcheck baseline (results.json); "
                           "refusing to overwrite it: name another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, source.read_bytes())
    return results


def _source_name(source: Any) -> str | None:
    """A claims source as compared between machines: a file by its name, a module (``-m x``) as it is."""
    if not source:
        return None
    source = str(source)
    return source if source.startswith("-m ") else Path(source).name


def baseline_notes(baseline: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """One line for each way the baseline's provenance differs from this run's (device, versions, claims)."""
    notes = []
    for key, what in (("device", "device"), ("cuda_device", "GPU"), ("version", "scalingcheck version"),
                      ("torch", "torch version"), ("claims_source", "claims file")):
        if baseline.get(key) != now.get(key):
            notes.append(f"the baseline's {what} is {baseline.get(key)!r}, this run's {now.get(key)!r}: "
                         "values may differ for that reason alone")
    return notes


def compare_to_baseline(outcomes: Sequence[Outcome], baseline: Sequence[Outcome], tolerance: float = 0.0,
                        selected: set[str] | None = None) -> list[Change]:
    """Line up `outcomes` with the `baseline`'s, claim by claim (see the module docstring).

    `selected`: the claim names this run chose (``--claim``/``--study``); baseline claims outside it are
    not reported as gone. ``None``: every baseline claim was expected.
    """
    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"baseline tolerance={tolerance!r} must be a finite number >= 0")
    before = {o.claim: o for o in baseline}
    changes = []
    for o in outcomes:
        b = before.pop(o.claim, None)
        if b is None:
            changes.append(Change(o.claim, "-", _show(o), "new claim", True))
            continue
        reasons = []
        if o.verdict != b.verdict:
            reasons.append(f"verdict {b.verdict.value} -> {o.verdict.value}")
        moved = _value_change(o.measurement, b.measurement, tolerance)
        if moved:
            reasons.append(moved)
        changes.append(Change(o.claim, _show(b), _show(o), "; ".join(reasons) or "unchanged", bool(reasons)))
    for name, b in before.items():
        if selected is None or name in selected:
            changes.append(Change(name, _show(b), "-", "claim gone", True))
    return changes


def _value_change(m: Any, bm: Any, tolerance: float) -> str | None:
    """How the measured value moved against the baseline's, or ``None`` if it did not (see the module
    docstring). A value that became, or stopped being, finite is a change; so is, where the baseline has
    no finite interval, a value that moved by more than `tolerance`."""
    if m is None or bm is None:
        return None if (m is None) == (bm is None) else "measurement " + ("lost" if m is None else "appeared")
    now, before = math.isfinite(m.value), math.isfinite(bm.value)
    if now != before:
        return f"value {bm.value:g} -> {m.value:g}: {'now' if now else 'no longer'} finite"
    if not now:
        return None
    if math.isfinite(bm.low) and math.isfinite(bm.high):
        if not bm.low - tolerance <= m.value <= bm.high + tolerance:
            return (f"value moved by {m.value - bm.value:+.3f}, out of the baseline interval"
                    + (f" +- {tolerance:g}" if tolerance else ""))
        return None
    if abs(m.value - bm.value) > tolerance:
        return f"value moved by {m.value - bm.value:+.3f} (the baseline has no interval to allow for it)"
    return None


def change_table(changes: Sequence[Change], markdown: bool = False, only_regressions: bool = False) -> str:
    """The diff table (claim, baseline, now, change) as plain text or Markdown."""
    from tabulate import tabulate

    rows = [[c.claim, c.baseline, c.now, ("REGRESSION: " if c.regression else "") + c.change]
            for c in changes if c.regression or not only_regressions]
    return tabulate(rows, headers=["claim", "baseline", "now", "change"], tablefmt="github" if markdown else "simple")
