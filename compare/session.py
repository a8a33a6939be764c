"""One run of claims, in the library: what ``scalingcheck run`` and ``scalingcheck report`` do, as a function.

:func:`run_claims` checks its inputs before anything is computed (the baseline, the output paths),
runs what the store lacks, judges every claim (each as soon as its runs are in), draws its plot and
the figures meanwhile when a report folder is given, compares with a baseline, and returns one
:class:`RunResult`: the outcomes, the run's provenance and status, the figures, the changes against
the baseline. The result writes the report, turns into a pandas DataFrame, and gives the exit code
that the command line returns::

    from scalingcheck import SQLiteStore, get_suite, run_claims

    if __name__ == "__main__":
        with SQLiteStore("store.sqlite") as store:
            result = run_claims(get_suite("toy")[:2], store, suite="toy")
        print(result.to_frame()[["claim", "verdict", "value", "low", "high"]])
        result.write_report("toy-out")
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from ..simulate.runs.store import Store
from ..simulate.runs.sweep import SweepError
from .baseline import Comparison, baseline_notes, compare_to_baseline, load_baseline
from .claim import Claim, Outcome, Verdict, evaluate_all
from .figures import Figure, check_format, draw_figures
from .outputs import ReportFolder, check_outputs, report_names
from .provenance import provenance as run_provenance
from .results import claim_rows, outcomes_frame, run_status

__all__ = ["RunResult", "run_claims"]


@dataclass
class RunResult:
    """What one run of claims gave (see :func:`run_claims`).

    Attributes
    ----------
    outcomes: one per claim, in the claims' order.
    provenance: the run's provenance (see :func:`.provenance.provenance`), with ``claims_source``.
    problems: what kept the run from completing besides the outcomes (failed runs); see :attr:`status`.
    details: the failed runs' tracebacks (for a log).
    figures: the figures that show these claims' studies.
    baseline: the changes against the baseline, when one was given.
    written: the report's files in place, once written.
    store: the store the outcomes were judged from (figures are drawn from it); None once closed (a store
        that run_claims opened from a path).
    """

    claims: list[Claim]
    outcomes: list[Outcome]
    provenance: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    baseline: Comparison | None = None
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(claim, why) of the suite's claims this machine cannot run (their data is not here)."""
    written: list[Path] = field(default_factory=list)
    skipped_figures: list[tuple[str, str]] = field(default_factory=list)
    """(name, reason) of the figures :meth:`write_report` could not draw."""
    store: Store | None = field(default=None, repr=False, compare=False)
    store_path: Path | None = field(default=None, repr=False, compare=False)
    """The path of the SQLite store, when it has one (:meth:`rows` reopens it once :attr:`store` is closed)."""
    _drawn: Any = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> dict[str, Any]:
        """``{"complete": bool, "problems": [...]}``: complete when no run failed and every claim was measured
        and judged (:func:`.results.run_status`)."""
        return run_status(self.outcomes, self.problems, self.skipped)

    @property
    def complete(self) -> bool:
        return self.status["complete"]

    def counts(self) -> dict[str, int]:
        """Claims per verdict."""
        return {v.value: sum(o.verdict is v for o in self.outcomes) for v in Verdict}

    def to_frame(self) -> pd.DataFrame:
        """One row per claim, every number at full precision (:func:`.results.outcomes_frame`): value, low,
        high, predicted, tolerance, n_points, n_seeds, verdict, relation, study, provenance, citation,
        reason, method, ..."""
        return outcomes_frame(self.outcomes)

    def rows(self, claims: Sequence[str] | None = None, store: Store | str | Path | None = None) -> pd.DataFrame:
        """The stored records of the claims (all, or those named in `claims`) as tidy rows, one per record,
        with a ``claim`` column and their spec's fields (``d``, ``kernel``, ``sigma``, ...: see
        :func:`.results.claim_rows`). Read from `store`, else the result's store (reopened read-only from
        its path once closed)."""
        chosen = self.claims if claims is None else [c for c in self.claims if c.name in set(claims)]
        if claims is not None and len(chosen) != len(set(claims)):
            from ..simulate.runs.errors import BadInput

            unknown = sorted(set(claims) - {c.name for c in chosen})
            raise BadInput(f"claims: {', '.join(unknown)} not among this result's claims; "
                           f"known: {', '.join(c.name for c in self.claims)}")
        source = store if store is not None else self.store if self.store is not None else self.store_path
        if source is None:
            from ..simulate.runs.errors import BadInput

            raise BadInput("store: this result's store is closed and has no path; pass store=")
        return claim_rows(chosen, source)

    def exit_code(self, strict: bool = False, machinery_check: bool = False) -> int:
        """What the command line returns: 3 if the run is incomplete; with a baseline, 1 on a regression;
        else 1 if a claim disagrees (with `strict`, or is inconclusive); else 0. With `machinery_check` (the
        command line's run of the built-in suite ``toy``, without --strict or --baseline) the verdicts do not
        count: 0 for a complete run whatever they are."""
        if not self.complete:
            return 3
        if self.baseline is not None:
            return int(bool(self.baseline.regressions))
        if machinery_check and not strict:
            return 0
        bad = {Verdict.DISAGREE} | ({Verdict.INCONCLUSIVE} if strict else set())
        return int(any(o.verdict in bad for o in self.outcomes))

    def write_report(self, folder: str | Path | ReportFolder, plots: bool = True, format: str = "png") -> list[Path]:
        """Write the report into `folder` (see :func:`.report.write_report`), drawing the figures whose runs
        are all stored (the plots and figures already drawn while the runs went on are not drawn again),
        plots and figures as `format` (png, pdf or svg); returns the files written, also kept in
        :attr:`written`. Figures not drawn say why in report.md."""
        from .report import write_report

        fmt = check_format(format)
        report = folder if isinstance(folder, ReportFolder) else ReportFolder(folder)
        early = self._drawn if self._drawn is not None and self._drawn.report is report else None
        if early is not None and early.format != fmt:
            early = None
        drawn, skipped = [], []
        if plots and self.store is None:  # the store run_claims opened from a path is closed again
            skipped = [(fig.name, "its store is closed: give run_claims report= to draw it") for fig in self.figures]
        elif plots:
            selected = {c.name for c in self.claims}
            for fig in self.figures:  # in the suite's order, whichever were drawn during the runs
                if early is not None and fig.name in early.drawn:
                    drawn.append(early.drawn[fig.name])
                else:
                    now, why = draw_figures([fig], selected, self.store, report.staging, format=fmt)
                    drawn += now
                    skipped += why
        self.skipped_figures = skipped
        try:
            self.written = write_report(self.outcomes, report, plots=plots, figures=drawn, skipped=skipped,
                                        provenance=self.provenance, baseline=self.baseline, status=self.status,
                                        drawn_plots=early.plots if early is not None else None, format=fmt)
        finally:
            report.discard()
        return self.written


class _DrawMeanwhile:
    """`evaluate_all`'s ``on_outcome``: each claim's plot, and each figure whose claims are all judged, drawn
    into the report's staging area while the workers compute the other runs. What fails here is drawn
    again when the report is written, which says why it failed."""

    def __init__(self, report: ReportFolder, figures: Sequence[Figure], claims: Sequence[Claim], store: Store,
                 format: str = "png"):
        self.report, self.store, self.figures, self.format = report, store, list(figures), format
        self.selected = {c.name for c in claims}
        self.judged: set[str] = set()
        self.tried: set[str] = set()
        self.plots: dict[str, Path] = {}
        self.drawn: dict[str, tuple[Path, str]] = {}

    def __call__(self, outcome: Outcome) -> None:
        from .plots import claim_plot, plottable

        self.judged.add(outcome.claim)
        if plottable(outcome):
            try:
                self.plots[outcome.claim] = claim_plot(outcome, self.report.path(f"{outcome.claim}.{self.format}"),
                                                       format=self.format)
            except Exception:  # drawn again (and reported) by write_report
                pass
        for fig in self.figures:
            if fig.name not in self.tried and all(c.name in self.judged for c in fig.claims):
                self.tried.add(fig.name)
                drawn, _ = draw_figures([fig], self.selected, self.store, self.report.staging, format=self.format)
                self.drawn.update((fig.name, d) for d in drawn)


def run_claims(
    claims: Sequence[Claim],
    store: Store | str | Path,
    *,
    compute: bool = True,
    executor: Any = None,
    progress: bool | None = None,
    suite: str | None = None,
    claims_source: str | None = None,
    figures: Sequence[Figure] | None = None,
    baseline: str | Path | None = None,
    baseline_tolerance: float = 0.0,
    selected: set[str] | None = None,
    report: str | Path | None = None,
    plots: bool = True,
    on_outcome: Callable[[Outcome], None] | None = None,
    skipped: Sequence[tuple[str, str]] = (),
    format: str = "png",
) -> RunResult:
    """Run (with `compute`) what `store` lacks of `claims`, judge them, and return a :class:`RunResult`.

    Parameters
    ----------
    claims, store:
        The claims (unique names) and the results store, or the path of a SQLite store, opened here
        once the inputs are checked (read-only without `compute`) and closed at the end.
    compute:
        Run the missing runs (``False``: judge what is stored; claims with missing runs are inconclusive).
    executor, progress:
        Where the runs go, and whether progress shows: ``None`` (default) a progress bar on a terminal and,
        when standard error is not a terminal (a CI log), a line at most every 30 s and at each claim judged
        (:class:`.progress.RunProgress`), then a one-line summary either way; ``False`` nothing; ``True`` the
        bar and the summary.
    suite, claims_source:
        Recorded in the provenance; a baseline must be of the same suite and claims source.
    figures:
        Figures to draw with the report (default: none; the command line passes the suite's figures of
        these claims' studies, :func:`.suites.figures_of`).
    baseline, baseline_tolerance, selected:
        A ``results.json`` accepted earlier: the outcomes are compared with it claim by claim
        (:func:`.baseline.compare_to_baseline`; `selected` are the claims this run chose, so that the
        others are not reported as gone).
    report, plots, format:
        A folder: the report is written there (plots and figures drawn while the runs go on, unless
        `plots` is False), as `format`: png (default), pdf or svg.
    on_outcome:
        Called with each outcome as soon as its claim is judged.
    skipped:
        (claim, why) of the suite's claims this machine cannot run (:func:`.suites.skipped_claims`): listed in
        the result and the report.

    Raises
    ------
    BadInput
        Before anything is computed: a malformed or foreign baseline, a store or baseline that the
        report would overwrite, two claims of one name, a malformed spec.

    A run that fails, a claim that cannot be judged, or a claim with none of its runs stored does not
    raise: the result is incomplete (:attr:`RunResult.status`, exit code 3) and its report says why.
    """
    claims = list(claims)
    figures = list(figures or ())
    fmt = check_format(format)
    base = None
    if baseline is not None:
        if not (isinstance(baseline_tolerance, (int, float)) and 0 <= baseline_tolerance < float("inf")):
            from ..simulate.runs.errors import BadInput

            raise BadInput(f"baseline_tolerance={baseline_tolerance!r} must be a finite number >= 0")
        base = load_baseline(baseline, suite, claims_source)
    folder = None
    store_path = store if isinstance(store, (str, Path)) else getattr(store, "path", None)
    if report is not None:
        names = report_names([c.name for c in claims], [f.name for f in figures], plots=plots, format=fmt)
        check_outputs(report, names, store=store_path, baseline=baseline)
        folder = ReportFolder(report)
    if isinstance(store, (str, Path)):
        from ..simulate.runs.store import SQLiteStore

        with SQLiteStore(store, readonly=not compute) as opened:
            result = run_claims(claims, opened, compute=compute, executor=executor, progress=progress, suite=suite,
                                claims_source=claims_source, figures=figures, baseline=baseline,
                                baseline_tolerance=baseline_tolerance, selected=selected, report=report, plots=plots,
                                on_outcome=on_outcome, skipped=skipped, format=fmt)
        result.store = None  # closed here: a later write_report cannot draw figures from it, and says so
        result.store_path = Path(store)
        return result
    meanwhile = _DrawMeanwhile(folder, figures, claims, store, fmt) if folder is not None and plots else None
    shown = None
    if compute and progress is not False:
        from .progress import RunProgress

        shown = RunProgress(claims, store, lines=False if progress else None)

    def judged(outcome: Outcome) -> None:
        if shown is not None:
            shown.judged(outcome)
        if meanwhile is not None:
            meanwhile(outcome)
        if on_outcome is not None:
            on_outcome(outcome)

    problems: list[str] = []
    details: list[str] = []
    try:
        if shown is not None:
            shown.start()
        outcomes = evaluate_all(claims, store, compute=compute, executor=executor, progress=progress,
                                on_outcome=judged)
        if shown is not None:
            shown.close()
    except SweepError as exc:  # what the stored runs say; the run is incomplete
        outcomes = evaluate_all(claims, store, compute=False)
        problems.append(f"{exc}; re-run to retry them")
        details = [f"{kind} seeds {list(seeds)}: {message}\n{trace}" for kind, seeds, message, trace in exc.failures]
    finally:
        if shown is not None:
            shown.close(failed=True)  # stops the lines; the summary was written if the runs finished
    prov = run_provenance(suite=suite)
    prov["claims_source"] = claims_source
    comparison = None
    if base is not None:
        base_prov, base_outcomes = base
        changes = compare_to_baseline(outcomes, base_outcomes, baseline_tolerance, selected)
        comparison = Comparison(str(baseline), tuple(changes), tuple(baseline_notes(base_prov, prov)))
    result = RunResult(claims, outcomes, prov, problems, details, figures, comparison, skipped=list(skipped), store=store,
                       store_path=Path(store_path) if store_path is not None else None, _drawn=meanwhile)
    if folder is not None:
        result.write_report(folder, plots=plots, format=fmt)
    return result
