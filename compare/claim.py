"""Claims: a prediction, an experiment, an estimator and a tolerance -> a verdict.

A :class:`Claim` says "the exponent measured by `estimator` on the runs of
`sweep` equals (or, with ``relation="differ"``, differs from) the value
given by `predicted`, within `tolerance`". Evaluating it against a results
store yields an :class:`Outcome` with a :class:`Verdict`:

* **agree**: the predicted value lies inside the confidence interval widened
  by the tolerance (``relation="equal"``), or outside it (``"differ"``);
* **disagree**: the opposite;
* **inconclusive**: too few points or seeds, missing runs, or an interval
  wider than ``tolerance.max_interval`` (nothing can be decided).

With ``relation="greater"`` (e.g. "the final NTK beats the initial one": a
log-ratio above 0) agree means the interval lies above the predicted value,
disagree below it, inconclusive when it contains it; ``relation="less"`` is its
mirror (e.g. "R_f falls with training": a log-ratio below 0).
"""
from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import pandas as pd

from ..simulate.runs.errors import BadInput, handle_interrupts, is_interrupt
from ..simulate.runs.spec import Spec
from ..simulate.runs.store import Store
from ..simulate.runs.sweep import Sweep, SweepUnion, collect, execute
from .estimators.measurement import Measurement, measurement_from_dict
from .records import LAYER, record_problem, tidy
from .targets import Target


RELATIONS = ("equal", "differ", "greater", "less")
"""equal: the prediction is inside the interval (widened by the tolerance); differ: outside it;
greater (less): the whole interval (narrowed by the tolerance) lies above (below) the predicted value."""

RELATION_SYMBOLS = {"equal": "=", "differ": "!=", "greater": ">", "less": "<"}
"""How tables and plots write each relation (measured <symbol> predicted)."""

MAX_FAILED_SHARE = 0.1
"""Above this share of runs left out (not converged, or records that cannot enter the fit) a claim is
inconclusive."""

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""What a claim or figure name may be: it names files of the report (``NAME.png``), so letters, digits,
``_``, ``.`` and ``-``, starting with a letter or digit, at most 100 characters."""


def check_name(name: Any, what: str) -> str:
    """`name` if it can name a claim or figure (and so a file of the report); else :class:`BadInput`."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or name.endswith("."):
        raise BadInput(f"{what} name {name!r} must be 1-100 letters, digits, '_', '.' or '-', starting with a "
                       "letter or digit (it names the report's files)")
    return name


def describe_run(spec: Spec, seed: int, fields: Sequence[str] = ()) -> str:
    """A run in a few words: its kind, the values of `fields` (the swept ones), its seed and key."""
    shown = " ".join(f"{f}={getattr(spec, f)!r}" for f in fields if hasattr(spec, f))
    return f"{spec.kind}{' ' + shown if shown else ''} seed {seed} (key {spec.key(seed)[:12]})"


class Verdict(str, enum.Enum):
    AGREE = "agree"
    DISAGREE = "disagree"
    INCONCLUSIVE = "inconclusive"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Tolerance:
    """How close is close enough, and why.

    Attributes
    ----------
    absolute:
        Allowed distance between the interval and the prediction (finite-size
        and pre-asymptotic corrections the interval does not capture).
    reason:
        Why this tolerance: stated once, in the claim, before the run.
    max_interval:
        An interval wider than this (high - low) makes the claim inconclusive.
    """

    absolute: float
    reason: str
    max_interval: float = 0.3

    def __post_init__(self) -> None:
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise ValueError(f"tolerance reason={self.reason!r}: say why this tolerance, before the run "
                             "(e.g. \"finite-size corrections of order 1/sqrt(P) at these sizes\")")
        if not self.absolute >= 0:
            raise ValueError(f"tolerance absolute={self.absolute} must be >= 0")
        if not self.max_interval > 0:
            raise ValueError(f"tolerance max_interval={self.max_interval} must be > 0")


class Estimator(Protocol):
    """From tidy rows of records to a measured value (see :mod:`.estimators`)."""

    def columns(self) -> tuple[str, ...]: ...
    def describe(self) -> str: ...
    def fit(self, rows: pd.DataFrame) -> Measurement: ...


@dataclass(frozen=True)
class Outcome:
    """The result of evaluating a claim."""

    claim: str
    statement: str
    verdict: Verdict
    reason: str
    predicted: float
    predicted_text: str
    provenance: str
    citation: str
    relation: str
    tolerance: Tolerance
    measurement: Measurement | None
    extra: dict[str, Any] = field(default_factory=dict)
    study: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim": self.claim,
            "study": self.study,
            "statement": self.statement,
            "verdict": self.verdict.value,
            "reason": self.reason,
            "predicted": self.predicted,
            "predicted_text": self.predicted_text,
            "provenance": self.provenance,
            "citation": self.citation,
            "relation": self.relation,
            "tolerance": {
                "absolute": self.tolerance.absolute,
                "reason": self.tolerance.reason,
                "max_interval": self.tolerance.max_interval,
            },
            "measurement": None if self.measurement is None else self.measurement.to_dict(),
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Outcome":
        """Inverse of :meth:`to_dict` (an entry of ``results.json``)."""
        try:
            tol = data["tolerance"]
            return cls(
                claim=data["claim"],
                statement=data["statement"],
                verdict=Verdict(data["verdict"]),
                reason=data["reason"],
                predicted=float(data["predicted"]),
                predicted_text=data["predicted_text"],
                provenance=data["provenance"],
                citation=data["citation"],
                relation=data["relation"],
                tolerance=Tolerance(float(tol["absolute"]), tol["reason"], float(tol["max_interval"])),
                measurement=measurement_from_dict(data["measurement"]),
                extra=dict(data.get("extra", {})),
                study=data.get("study", ""),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an outcome of results.json: missing or malformed {exc}") from exc


def decide(m: Measurement, predicted: float, tol: Tolerance, relation: str = "equal") -> tuple[Verdict, str]:
    """Verdict and its reason for a measurement against a predicted value."""
    if m.n_points < m.min_points:
        return Verdict.INCONCLUSIVE, f"only {m.n_points} points in the fit window (need {m.min_points})"
    if m.n_seeds < 2:
        return Verdict.INCONCLUSIVE, f"only {m.n_seeds} seed(s): no interval"
    if not all(math.isfinite(v) for v in (m.value, m.low, m.high, predicted)):
        return Verdict.INCONCLUSIVE, "measured or predicted value is not finite"
    width = m.high - m.low
    if width > tol.max_interval:
        return Verdict.INCONCLUSIVE, f"interval width {width:.3f} > {tol.max_interval:g}"
    lo, hi = m.low - tol.absolute, m.high + tol.absolute
    inside = lo <= predicted <= hi
    gap = max(m.low - predicted, predicted - m.high, 0.0)
    if gap == 0:
        where = f"{predicted:.3f} inside the interval [{m.low:.3f}, {m.high:.3f}]"
    else:
        where = (
            f"{predicted:.3f} is {gap:.3f} outside the interval [{m.low:.3f}, {m.high:.3f}], "
            f"{'within' if inside else 'beyond'} the tolerance {tol.absolute:g}"
        )
    if relation == "equal":
        return (Verdict.AGREE if inside else Verdict.DISAGREE), where
    if relation == "differ":
        if not inside:
            return Verdict.AGREE, where
        if predicted - tol.absolute <= m.low and m.high <= predicted + tol.absolute:
            return Verdict.DISAGREE, f"{where}: the whole interval is within tolerance of the prediction"
        return Verdict.INCONCLUSIVE, f"{where}: the interval neither excludes nor pins the prediction"
    if relation in ("greater", "less"):
        above, below = m.low - tol.absolute > predicted, m.high + tol.absolute < predicted
        interval = f"the interval [{m.low:.3f}, {m.high:.3f}]"
        if above or below:
            agree = above if relation == "greater" else below
            return (Verdict.AGREE if agree else Verdict.DISAGREE), \
                f"{interval} lies {'above' if above else 'below'} {predicted:.3f}"
        return Verdict.INCONCLUSIVE, f"{interval} contains {predicted:.3f}"
    raise ValueError(f"relation={relation!r}; allowed: {', '.join(RELATIONS)}")


@dataclass(frozen=True)
class Claim:
    """A checkable statement: `estimator` on `sweep`'s runs vs `predicted`."""

    name: str
    statement: str
    predicted: Target
    sweep: Sweep | SweepUnion
    estimator: Estimator
    tolerance: Tolerance
    relation: str = "equal"
    study: str = ""
    """The study that owns the claim (set by the study registry)."""

    def __post_init__(self) -> None:
        check_name(self.name, "claim")
        if self.relation not in RELATIONS:
            raise ValueError(f"relation={self.relation!r}; allowed: {', '.join(RELATIONS)}")

    def swept(self) -> tuple[str, ...]:
        """The spec fields the claim's sweep varies."""
        sweeps = self.sweep.sweeps if isinstance(self.sweep, SweepUnion) else (self.sweep,)
        return tuple(dict.fromkeys(name for s in sweeps for name, _ in s.grid))

    def runs(self) -> list[tuple[Spec, int]]:
        """Every (spec, seed) the claim needs: its experiment and its target's."""
        return self.sweep.points() + list(self.predicted.runs())

    def evaluate(self, store: Store, compute: bool = True, executor: Any = None, progress: bool | None = None) -> Outcome:
        """Run (if `compute`) what is missing, fit, and decide.

        With ``compute=False`` nothing is simulated: missing runs make the
        claim inconclusive.
        """
        if compute:
            execute(self.runs(), store, executor=executor, progress=progress, desc=self.name)
        return self._judge(store)

    def _judge(self, store: Store) -> Outcome:
        """The outcome from the stored records; a failure of the estimator or the target (after the runs)
        is an inconclusive outcome whose ``extra["error"]`` says what failed, never an exception."""
        needed = self.runs()
        found = collect(needed, store)
        missing = [point for point, r in zip(needed, found) if r is None]
        base = dict(
            claim=self.name,
            statement=self.statement,
            predicted_text=self.predicted.describe(),
            provenance=self.predicted.provenance,
            citation=self.predicted.citation,
            relation=self.relation,
            tolerance=self.tolerance,
            study=self.study,
        )
        if missing:
            reason = (f"none of its {len(needed)} runs is in the store: nothing measured" if len(missing) == len(needed)
                      else f"{len(missing)} of {len(needed)} runs missing from the store")
            damaged = [(spec, seed) for spec, seed in missing if spec.key(seed) in store.damaged]
            if damaged:
                spec, seed = damaged[0]
                reason += (f" ({len(damaged)} stored but unusable, first {describe_run(spec, seed, self.swept())}: "
                           f"{store.damaged[spec.key(seed)]}; `scalingcheck run` computes them again)")
            return Outcome(
                verdict=Verdict.INCONCLUSIVE,
                reason=reason,
                predicted=math.nan,
                measurement=None,
                extra={"missing_runs": len(missing), "runs": len(needed)},
                **base,
            )
        try:
            return self._decide(store, needed, found, base)
        except BaseException as exc:  # the estimator or the target failed after the runs: said, not raised
            if is_interrupt(exc):
                raise
            error = (f"SystemExit: sys.exit({exc.code!r}) was called" if isinstance(exc, SystemExit)
                     else f"{type(exc).__name__}: {exc}")
            return Outcome(verdict=Verdict.INCONCLUSIVE, reason=f"could not be judged: {error}", predicted=math.nan,
                           measurement=None, extra={"error": error}, **base)

    def _decide(self, store: Store, needed: list[tuple[Spec, int]], found: list, base: dict[str, Any]) -> Outcome:
        columns = tuple(self.estimator.columns())
        points, records = needed[: len(self.sweep)], found[: len(self.sweep)]
        # A run that reports converged=False (training never reached its stopping loss) is a
        # failed experiment, not a data point: it is left out of the fit and counted, unless the claim
        # reads none of the fields that its training sets (a spec's ``trained_fields``: say, a network at
        # initialisation does not depend on how its training went).
        def failed_run(spec: Spec, record: dict) -> bool:
            trained = getattr(spec, "trained_fields", None)
            reads_training = trained is None or any(c in trained for c in columns)
            return record.get("converged") is False and reads_training

        failing = [failed_run(p[0], r) for p, r in zip(points, records)]
        failed = [r for r, bad in zip(records, failing) if bad]
        kept = [(p, r) for p, r, bad in zip(points, records, failing) if not bad]
        problems = [(p, record_problem(r, columns)) for p, r in kept]
        unusable = [(p, why) for p, why in problems if why is not None]
        if unusable and len(unusable) == len(kept):
            absent = [c for c in columns if c != LAYER and not any(c in r for _, r in kept)]
            if absent:  # no record has it: the claim reads a field its experiment does not write
                kinds = sorted({p[0].kind for p, _ in kept})
                fields = sorted({f for _, r in kept for f in r})
                raise ValueError(f"its estimator reads {', '.join(map(repr, absent))}, which no record of "
                                 f"{', '.join(kinds)} has; fields: {', '.join(fields)}")
        records = [r for (p, r), (_, why) in zip(kept, problems) if why is None]
        measurement = self.estimator.fit(tidy(records, columns))
        predicted = self.predicted.value(store)
        verdict, reason = decide(measurement, predicted, self.tolerance, self.relation)
        extra: dict[str, Any] = {}
        notes = []
        total = len(points)
        if failed:
            extra["failed_runs"] = len(failed)
            notes.append(f"{len(failed)} of {total} runs did not converge and were left out")
        if unusable:
            (spec, seed), why = unusable[0]
            extra["unusable_runs"] = len(unusable)
            extra["unusable"] = [f"{describe_run(s, n, self.swept())}: {w}" for (s, n), w in unusable[:20]]
            notes.append(f"{len(unusable)} of {total} runs were left out, their records unusable (first "
                         f"{describe_run(spec, seed, self.swept())}: {why})")
        if notes:
            note = "; ".join(notes)
            share = (len(failed) + len(unusable)) / total
            if share > MAX_FAILED_SHARE:
                verdict, reason = Verdict.INCONCLUSIVE, f"{note} (more than {MAX_FAILED_SHARE:.0%})"
            else:
                reason = f"{reason}; {note}"
        curve = getattr(self.predicted, "curve", None)
        if curve is not None:
            extra["predicted_curve"] = curve(store)
        return Outcome(verdict=verdict, reason=reason, predicted=predicted, measurement=measurement, extra=extra, **base)


def evaluate_all(
    claims: Sequence[Claim],
    store: Store,
    compute: bool = True,
    executor: Any = None,
    progress: bool | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Evaluate several claims, running all their missing runs in one batch first.

    With `compute`, a claim is judged as soon as its last run is stored, in this process while the
    workers compute the other claims' runs, so that judging a suite costs next to no time after its
    runs; the outcome is the same as judged afterwards (the same records, the bootstrap's own seed).
    `on_outcome(outcome)` is called once per claim when it is judged (e.g. to draw its plot meanwhile).
    A claim whose estimator or target fails is an inconclusive outcome saying so (``extra["error"]``,
    see `Claim._judge`); an error in `on_outcome` during the runs does not stop them: that claim is
    judged again after the runs, where the error is raised.

    Raises
    ------
    BadInput
        Before anything is computed, if two claims share a name or a spec is malformed.
    SweepError
        After the runs, if some failed (the others are stored).
    """
    names = [c.name for c in claims]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise BadInput(f"claim names must be unique; given more than once: {', '.join(twice)}")
    with handle_interrupts():
        return _evaluate_all(claims, names, store, compute, executor, progress, on_outcome)


def _evaluate_all(claims, names, store, compute, executor, progress, on_outcome) -> list[Outcome]:
    judged: dict[str, Outcome] = {}

    def judge(claim: Claim) -> None:
        judged[claim.name] = claim._judge(store)
        if on_outcome is not None:
            on_outcome(judged[claim.name])

    if compute:
        runs = {c.name: c.runs() for c in claims}
        needs = {name: {spec.key(seed) for spec, seed in points} for name, points in runs.items()}
        stored = store.present(set().union(*needs.values()))
        waiting = {name: keys - stored for name, keys in needs.items()}
        failed: set[str] = set()

        def stored_now(keys: list[str]) -> None:
            for claim in claims:
                if claim.name in judged or claim.name in failed:
                    continue
                left = waiting[claim.name]
                left.difference_update(keys)
                if not left:
                    try:
                        judge(claim)
                    except Exception:  # judged again after the runs, where the error surfaces
                        failed.add(claim.name)
                        judged.pop(claim.name, None)

        points = [p for name in names for p in runs[name]]
        execute(points, store, executor=executor, progress=progress, desc="runs", on_stored=stored_now)
    for claim in claims:
        if claim.name not in judged:
            judge(claim)
    return [judged[name] for name in names]
