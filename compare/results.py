"""Results as data: ``results.json`` written and read back, checked, and as a pandas DataFrame.

``results.json`` holds a run's provenance (which code, software, device, suite, date), its status
(``"run": {"complete": bool, "problems": [...]}``: a run is complete when no run failed and every
claim was measured and judged), every outcome and, with a baseline, the changes against it.
:func:`load_results` reads one back and checks it as data (every value a number, every decided
claim's interval finite around its value, each claim once), so that a hand-edited or damaged file
is refused in one line instead of compared; :func:`outcomes_frame` gives outcomes as a DataFrame,
one row per claim with every number at full precision (``results.csv`` is that frame); :func:`claim_rows`
gives the claims' stored records as one tidy table, each row with its claim and its spec's fields.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from ..simulate.runs.errors import BadInput
from .claim import Outcome, Verdict

__all__ = ["RESULTS_FORMAT", "results_json", "run_status", "Results", "load_results", "read_results",
           "outcomes_frame", "OUTCOME_COLUMNS", "claim_rows"]

OUTCOME_COLUMNS = ("study", "claim", "verdict", "relation", "predicted", "value", "low", "high", "confidence",
                   "n_points", "n_seeds", "tolerance", "max_interval", "window_low", "window_high", "provenance",
                   "citation", "method", "statement", "reason")
"""The columns of :func:`outcomes_frame` (and of ``results.csv``), in order."""

RESULTS_FORMAT = {"format": "scalingcheck-results", "version": 1}
"""Header of ``results.json``."""


def results_json(outcomes: Sequence[Outcome], provenance: dict[str, Any] | None = None,
                 baseline: Any = None, status: dict[str, Any] | None = None) -> str:
    """The text of ``results.json``: header, provenance, the run's status, every outcome (and the changes
    against a baseline: a :class:`.baseline.Comparison`). `status`: ``{"complete": bool, "problems": [str]}``
    (see :func:`run_status`)."""
    body = {**RESULTS_FORMAT, "provenance": provenance or {}, "run": status or run_status(outcomes),
            "outcomes": [o.to_dict() for o in outcomes]}
    if baseline is not None:
        body["baseline"] = baseline.to_dict()
    return json.dumps(body, indent=2, default=float)


def run_status(outcomes: Sequence[Outcome], problems: Sequence[str] = (),
               skipped: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    """Whether a run is complete: no `problems` (runs that failed, say) and every claim measured and judged.

    A claim none of whose runs is in the store, or whose estimator or target failed, is a problem too.
    `skipped`: (claim, why) of the suite's claims this machine cannot run (their data is not here); they are
    listed (``"skipped"``), not problems: the run is complete for what the machine holds.
    """
    found = list(problems)
    unmeasured = [o.claim for o in outcomes if o.extra.get("missing_runs")
                  and o.extra.get("missing_runs") == o.extra.get("runs")]
    if unmeasured:
        found.append(f"{len(unmeasured)} of {len(outcomes)} claims have none of their runs in the store "
                     f"({', '.join(unmeasured[:3])}{', ...' if len(unmeasured) > 3 else ''}): nothing was measured "
                     "for them")
    for o in outcomes:
        if o.extra.get("error"):
            found.append(f"claim {o.claim} could not be judged: {o.extra['error']}")
    status: dict[str, Any] = {"complete": not found, "problems": found}
    if skipped:
        status["skipped"] = [{"claim": name, "why": why} for name, why in skipped]
    return status


@dataclass(frozen=True)
class Results:
    """A ``results.json`` read back: the run's provenance, status and outcomes (see :func:`load_results`)."""

    provenance: dict[str, Any]
    status: dict[str, Any] | None
    outcomes: list[Outcome]


def _number(value: Any, where: str, finite: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where} is {value!r} ({type(value).__name__}), not a number")
    if finite and not math.isfinite(value):
        raise ValueError(f"{where} is {value!r}, not a finite number")


def _check_entry(entry: Any, i: int) -> None:
    """Check one outcome of a results.json as data: types and intervals, before it is used."""
    if not isinstance(entry, dict):
        raise ValueError(f"outcome {i} is a {type(entry).__name__}, not an object")
    name = entry.get("claim")
    where = f"outcome {i} ({name!r})"
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: its claim name must be a non-empty string")
    _number(entry.get("predicted"), f"{where}: predicted")
    tol = entry.get("tolerance")
    if not isinstance(tol, dict):
        raise ValueError(f"{where}: tolerance must be an object")
    for key in ("absolute", "max_interval"):
        _number(tol.get(key), f"{where}: tolerance {key}", finite=True)
    m = entry.get("measurement")
    if m is None:
        return
    if not isinstance(m, dict):
        raise ValueError(f"{where}: measurement must be an object or null")
    for key in ("value", "low", "high", "confidence"):
        _number(m.get(key), f"{where}: measurement {key}")
    for key in ("n_points", "n_seeds"):
        if isinstance(m.get(key), bool) or not isinstance(m.get(key), int):
            raise ValueError(f"{where}: measurement {key} is {m.get(key)!r}, not an integer")
    if entry.get("verdict") in (Verdict.AGREE.value, Verdict.DISAGREE.value):
        for key in ("value", "low", "high"):
            _number(m[key], f"{where}: measurement {key} of a claim that was decided", finite=True)
    if all(math.isfinite(m[key]) for key in ("value", "low", "high")):
        if not m["low"] <= m["value"] <= m["high"]:
            raise ValueError(f"{where}: its interval [{m['low']}, {m['high']}] is not ordered around its value "
                             f"{m['value']}")


def load_results(path: str | Path) -> Results:
    """A ``results.json`` read and checked as data.

    Raises
    ------
    BadInput
        Naming the file and the entry, if it is not a results.json of this format, an outcome is
        malformed (a value that is not a number; for a decided claim, a value or interval that is not
        finite; a finite interval that does not hold its value) or a claim appears twice.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: not a readable results.json ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT["format"]:
        raise BadInput(f"{path}: not a scalingcheck results.json (no header {RESULTS_FORMAT['format']!r})")
    if data.get("version") != RESULTS_FORMAT["version"]:
        raise BadInput(f"{path}: results format version {data.get('version')!r}; this package reads "
                       f"version {RESULTS_FORMAT['version']}")
    entries, provenance, status = data.get("outcomes"), data.get("provenance") or {}, data.get("run")
    try:
        if not isinstance(entries, list):
            raise ValueError(f"'outcomes' is {type(entries).__name__}, not a list of outcomes")
        if not isinstance(provenance, dict):
            raise ValueError(f"'provenance' is {type(provenance).__name__}, not an object")
        if status is not None and not (isinstance(status, dict) and isinstance(status.get("complete"), bool)
                                       and isinstance(status.get("problems", []), list)):
            raise ValueError("'run' must be an object with a boolean 'complete' and a list 'problems'")
        seen: set[str] = set()
        for i, entry in enumerate(entries):
            _check_entry(entry, i)
            if entry["claim"] in seen:
                raise ValueError(f"claim {entry['claim']!r} appears more than once")
            seen.add(entry["claim"])
        outcomes = [Outcome.from_dict(o) for o in entries]
    except ValueError as exc:
        raise BadInput(f"{path}: {exc}") from exc
    return Results(dict(provenance), status, outcomes)


def read_results(path: str | Path) -> tuple[dict[str, Any], list[Outcome]]:
    """(provenance, outcomes) of a ``results.json`` (see :func:`load_results`, which also gives its status)."""
    results = load_results(path)
    return results.provenance, results.outcomes


def outcomes_frame(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Outcomes as a DataFrame, one row per claim (:data:`OUTCOME_COLUMNS`): study, claim, verdict, relation,
    predicted, the measured value and its interval (value, low, high, confidence), n_points, n_seeds,
    tolerance (absolute) and max_interval, the fit window (window_low, window_high; NaN without one),
    provenance tag, citation, method, statement and reason. Every number is a float (n_points and
    n_seeds integers) at full precision, NaN where nothing was measured; ``results.csv`` is this frame.

    The same as ``pd.json_normalize([o.to_dict() for o in outcomes])`` flattened by hand::

        frame = outcomes_frame(result.outcomes)   # or result.to_frame()
        frame[frame.verdict == "disagree"][["claim", "value", "low", "high", "predicted"]]
    """
    rows = []
    for o in outcomes:
        m = o.measurement
        window = getattr(m, "window", None)
        nan = math.nan
        rows.append({
            "study": o.study, "claim": o.claim, "verdict": o.verdict.value, "relation": o.relation,
            "predicted": float(o.predicted), "value": float(m.value) if m else nan, "low": float(m.low) if m else nan,
            "high": float(m.high) if m else nan, "confidence": float(m.confidence) if m else nan,
            "n_points": int(m.n_points) if m else 0, "n_seeds": int(m.n_seeds) if m else 0,
            "tolerance": float(o.tolerance.absolute), "max_interval": float(o.tolerance.max_interval),
            "window_low": float(window[0]) if window else nan, "window_high": float(window[1]) if window else nan,
            "provenance": o.provenance, "citation": o.citation, "method": m.method if m else "",
            "statement": o.statement, "reason": o.reason,
        })
    frame = pd.DataFrame(rows, columns=list(OUTCOME_COLUMNS))
    return frame.astype({"n_points": "int64", "n_seeds": "int64"}) if len(frame) else frame


def claim_rows(claims: Sequence[Any], store: Any) -> pd.DataFrame:
    """The stored records of `claims` as one tidy table: a row per record (per run of a claim's sweep and
    target), with a ``claim`` column, the record's fields and its spec's fields (``kind``, ``p``, ``d``,
    ``kernel``, ``sigma``, ...; :func:`scalingcheck.simulate.runs.rows.row`), so the rows of several claims
    concatenate into one frame. Runs not in the store are left out. `store`: a store, or the path of a
    SQLite store (opened read-only). Per-layer list fields stay lists (:func:`.records.tidy` expands them)."""
    from ..simulate.runs.sweep import collect

    if isinstance(store, (str, Path)):
        from ..simulate.runs.store import SQLiteStore

        with SQLiteStore(store, readonly=True) as opened:
            return claim_rows(claims, opened)
    frames = []
    for claim in claims:
        found = [r for r in collect(claim.runs(), store) if r is not None]
        if found:
            frame = pd.DataFrame(found)
            frame.insert(0, "claim", claim.name)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame(columns=["claim"])
