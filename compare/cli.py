"""The ``scalingcheck`` command line (thin: every command calls library functions).

Commands
--------
``scalingcheck predict``                       list the registry's predictions
``scalingcheck predict NAME k=v ...``          evaluate one, print formula and provenance
``scalingcheck list``                          list suites and their claims
``scalingcheck list --suite toy``              one suite's claims, with their estimated time
``scalingcheck run --suite quick``             run claims, print the table, write the report
``scalingcheck run --claim 'svc_*'``           only the claims whose names match (a glob pattern)
``scalingcheck run --format pdf``              plots and figures as PDF (png, pdf or svg)
``scalingcheck report --suite quick``          rebuild the report from the store, computing nothing
``scalingcheck --version``                     the installed version
``scalingcheck run my_claims.py --baseline B`` run a user's claims file, exit 1 on a change against baseline B
``scalingcheck baseline accept``               the last run's results.json becomes the baseline
``scalingcheck reproduce 2307.02129``          run one paper's claims and figures, write OUT/reproduce.md
``scalingcheck reproduce --list``              list the papers, their titles and claims per scale

Exit codes (one meaning each, for CI):

* 0: every claim was judged, the report was written, and no claim disagrees; for
  the built-in suite ``toy`` (a check of the machinery at toy sizes, where a
  verdict means little), every claim was judged and nothing crashed, whatever
  the verdicts, unless ``--strict`` or ``--baseline`` is given;
* 1: a claim disagrees (or, with ``--strict``, is inconclusive); with
  ``--baseline``: a claim changed against the baseline (a regression);
* 2: bad input (an unknown name, a malformed parameter, option, claims file,
  spec or baseline, an output path that would overwrite the store, a
  ``report`` into a folder holding the report of other claims without
  ``--force``); nothing was computed;
* 3: the run could not be completed (the store is unusable or is not a
  scalingcheck store, a disk is full or read-only, runs failed or their
  workers were lost, a claim could not be judged, or the store holds none of
  a claim's runs); the report, written all the same, says which;
* 130: interrupted (Ctrl-C or SIGTERM); finished runs are stored.

A user's code (a claims file, a spec's run, an estimator) cannot end the
process with an exit code of its own: ``sys.exit`` or ``KeyboardInterrupt``
there is a failure of that code (exit 2 while loading the claims, 3 after).
A closed standard output (``| head``) stops the printing, not the run: the
report is written and the exit code is the run's.

Every failure prints one line saying what happened and what to do; for code
3 the full traceback goes to ``OUT/scalingcheck.log`` (``--debug`` prints it
on the terminal as well).

Progress: on a terminal a progress bar; elsewhere (a CI log) a line on standard
error at most every 30 s and as each claim is judged (runs done of all, claims
judged, time elapsed, estimated time left); a summary line at the end either way
(``--no-progress``: none of them).
"""
from __future__ import annotations

import argparse
import difflib
import errno
import fnmatch
import os
import sqlite3
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

from ..simulate.runs.errors import BadInput, RunFailure, handle_interrupts, is_interrupt

DEFAULT_OUT = "scalingcheck-out"
DEFAULT_BASELINE = "scalingcheck-baseline.json"
"""Where ``scalingcheck baseline accept`` writes when --to is not given."""
LOG_NAME = "scalingcheck.log"

EXIT_OK, EXIT_DISAGREE, EXIT_BAD_INPUT, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
"""The exit codes (see the module docstring)."""
MACHINERY_SUITE = "toy"
"""The built-in suite that checks the machinery: it exits 0 whatever the verdicts (see the module docstring)."""
FORMATS = ("png", "pdf", "svg")
"""The plot formats of ``--format`` (:data:`.figures.FORMATS`)."""


class UsageError(BadInput):
    """Bad command-line input (reported in one line, exit code 2)."""


class IncompleteError(RunFailure):
    """The run could not be completed (reported in one line, exit code 3); `details` (e.g. the workers'
    tracebacks) go to the log with its own traceback."""

    def __init__(self, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)


class _Stdout:
    """Standard output that a closed pipe (``| head``) silences instead of ending the command."""

    closed = False

    def __call__(self, *parts: object) -> None:
        if self.closed:
            return
        try:
            print(*parts, flush=True)
        except BrokenPipeError:
            self.close()

    def close(self) -> None:
        """Send what is left to /dev/null (so that the interpreter's last flush does not fail either)."""
        self.closed = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):  # pragma: no cover - no file descriptor behind sys.stdout
            pass


say = _Stdout()
"""Print to standard output (see :class:`_Stdout`)."""


@contextmanager
def _computing() -> Iterator[None]:
    """Within the block work has begun: an error that is not already of a kind (bad input, run failure) is a
    failure of the run (exit 3), never bad input, whatever its type; so is ``sys.exit`` from a user's code."""
    try:
        yield
    except (BadInput, RunFailure, BrokenPipeError, OSError, sqlite3.Error):
        raise
    except SystemExit as exc:
        raise IncompleteError(f"a user's code called sys.exit({exc.code!r}) after the work began{_where(exc)}; "
                              "finished runs are stored") from exc
    except BaseException as exc:
        if is_interrupt(exc):
            raise
        raise IncompleteError(f"internal error {type(exc).__name__}: {exc}{_where(exc)}; if it is not in your "
                              "code, please report it with the log") from exc


def _where(exc: BaseException) -> str:
    """`` (at file:line)`` of the innermost frame of `exc`, or nothing."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _parse_assignments(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"parameter {item!r} must look like name=value, e.g. d=2")
        if name in out:
            raise UsageError(f"parameter {name} is given twice ({name}={out[name]} and {item}); give it once")
        try:
            out[name] = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise UsageError(f"parameter {name}={value!r} is not a number") from None
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    from ..theory.registry import BUILTIN_NAMES, REGISTRY, get

    loaded = _source(args)
    if not args.name:
        width = max(len(n) for n in REGISTRY)
        for name, p in REGISTRY.items():
            params = ", ".join(p.parameter_names)
            origin = f"  (from {loaded.source})" if loaded is not None and name not in BUILTIN_NAMES else ""
            say(f"{name:<{width}}  [{p.provenance.value:<7}] ({params})  {p.quantity}{origin}")
        return 0
    pred = get(args.name)
    params = _parse_assignments(args.params)
    if params and pred.expr is None:
        raise UsageError(f"{pred.name} is [{pred.provenance.value}] with no formula to evaluate; "
                         f"drop the parameters ({', '.join(params)}) to see what is known")
    value = None
    if pred.expr is not None and (params or not pred.parameter_names):
        value = pred.evaluate(**params)  # bad parameters fail before anything is printed
    say(pred.describe())
    if value is not None:
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        say(f"  value   : {pred.lhs}({shown}) {pred.relation.value} {value:.10g}")
    return 0


def _source(args: argparse.Namespace):
    """The user's claims file or module named on the command line (loaded once), or None."""
    path, module = getattr(args, "claims_file", None), getattr(args, "module", None)
    if path is None and module is None:
        return None
    if not hasattr(args, "_loaded"):
        from .user_claims import load_claims

        args._loaded = load_claims(path, module)
    return args._loaded


def _claims(args: argparse.Namespace):
    """The claims chosen by --suite, --study and --claim (exact names or glob patterns, e.g. ``'svc_*'``)."""
    from .suites import select_claims

    patterns = args.claim or ()
    if not patterns:
        return select_claims(args.suite, _source(args), args.study or (), ())
    return select_claims(args.suite, _source(args), args.study or (), _match_claims(args, patterns))


def _is_pattern(text: str) -> bool:
    return any(c in text for c in "*?[")


def _close_names(pattern: str, names: Sequence[str], n: int = 3) -> list[str]:
    """The `n` names closest to `pattern` (its wildcards left out), compared whole and by their beginning."""
    stem = "".join(c for c in pattern if c not in "*?[]")
    if not stem:
        return []
    scored = []
    for name in names:
        whole = difflib.SequenceMatcher(None, stem, name).ratio()
        start = difflib.SequenceMatcher(None, stem, name[:len(stem)]).ratio()
        inside = 1.0 if stem in name else 0.0
        score = max(whole, start, inside)
        if score >= 0.6:
            scored.append((-score, name))
    return [name for _, name in sorted(scored)[:n]]


def _match_claims(args: argparse.Namespace, patterns: Sequence[str]) -> list[str]:
    """The claim names that --claim's `patterns` name (an exact name, or an fnmatch pattern), in the suite's
    order; :class:`UsageError` naming the close matches for a pattern that names none."""
    from .suites import select_claims, skipped_claims

    loaded = _source(args)
    names = [c.name for c in select_claims(args.suite, loaded, args.study or (), ())]
    skipped = dict(skipped_claims(args.suite, None if loaded is None else list(loaded.studies)))
    chosen: set[str] = set()
    unknown: list[str] = []
    for pattern in patterns:
        found = fnmatch.filter(names, pattern) if _is_pattern(pattern) else [pattern] if pattern in names else []
        if not found:
            gone = fnmatch.filter(skipped, pattern) if _is_pattern(pattern) else [pattern] if pattern in skipped else []
            if gone:
                raise UsageError(f"claim {gone[0]} cannot run on this machine: {skipped[gone[0]]}")
            unknown.append(pattern)
        chosen.update(found)
    if unknown:
        close: list[str] = []
        for pattern in unknown:
            close += [n for n in _close_names(pattern, names) if n not in close]
        where = f"suite {args.suite!r}" + (f" of {loaded.source}" if loaded is not None else "")
        hint = f"; close matches: {', '.join(close[:5])}" if close else ""
        raise UsageError(f"unknown claim(s) {', '.join(unknown)} in {where}{hint} (--claim takes a name or a "
                         f"pattern such as 'svc_*'; `scalingcheck list --suite {args.suite}` lists the claims)")
    return [n for n in names if n in chosen]


def _out_folder(args: argparse.Namespace) -> Path:
    """The output folder, created and checked writable before anything is computed (after --store's name)."""
    if args.store is not None and not args.store.strip():
        raise UsageError(f"--store={args.store!r} must name a file, e.g. --store runs.sqlite")
    if not args.out or not args.out.strip():
        raise UsageError(f"--out={args.out!r} must name a folder, e.g. --out {DEFAULT_OUT}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out={args.out!r} is an existing file, not a folder; pass a folder name")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise IncompleteError(f"the output folder {str(out)!r} is not writable ({exc.strerror or exc}); "
                              "pass a writable --out") from exc
    return out


def _check_baseline(args: argparse.Namespace) -> None:
    if not (args.baseline_tolerance >= 0 and args.baseline_tolerance < float("inf")):
        raise UsageError(f"--baseline-tolerance={args.baseline_tolerance} must be a finite number >= 0")


def _run(args: argparse.Namespace, compute: bool, executor=None) -> int:
    """`run_claims` with the options of ``run`` or ``report``; prints the outcome and returns the exit code."""
    from .session import run_claims
    from .suites import figures_of, skipped_claims

    claims = _claims(args)
    _check_baseline(args)
    _use_device(args.device if compute else None, compute=compute)
    out = _out_folder(args)
    loaded = _source(args)
    store = Path(args.store) if args.store else out / "store.sqlite"
    if not compute and not store.exists():
        raise UsageError(f"no results store at {store}; run `scalingcheck run --suite {args.suite}` first or pass --store")
    if not compute and not args.force:
        from .outputs import check_same_claims

        check_same_claims(out, args.suite, None if loaded is None else loaded.source)
    print(f"suite {args.suite!r}: {len(claims)} claims; store {store}", file=sys.stderr)
    studies = None if loaded is None else list(loaded.studies)
    skipped = [] if args.claim else [(name, why) for name, why in skipped_claims(args.suite, studies)
                                    if not args.study or any(name.startswith(s) for s in args.study)]
    if skipped:
        print(f"scalingcheck: note: {len(skipped)} claims of suite {args.suite!r} cannot run on this machine and are "
              f"left out: {skipped[0][1]}", file=sys.stderr)
    with _computing():
        result = run_claims(
            claims, store, compute=compute, executor=executor, progress=False if args.no_progress else None,
            suite=args.suite, claims_source=None if loaded is None else loaded.source,
            figures=figures_of(args.suite, claims), baseline=args.baseline,
            baseline_tolerance=args.baseline_tolerance,
            selected={c.name for c in claims} if (args.claim or args.study) else None,
            report=args.out, plots=not args.no_plots, skipped=skipped, format=args.format)
    return _conclude(result, args)


def _conclude(result, args: argparse.Namespace) -> int:
    """Print the table, the baseline's changes and where the report is; the exit code (3 raised as
    :class:`IncompleteError` with the first problem, its details for the log)."""
    from .baseline import change_table
    from .report import summary, terminal_table

    say(terminal_table(result.outcomes))
    say()
    say(summary(result.outcomes))
    for name, reason in result.skipped_figures:
        print(f"figure {name} not drawn: {reason}", file=sys.stderr)
    if result.baseline is not None:
        for note in result.baseline.notes:
            print(f"scalingcheck: note: {note}", file=sys.stderr)
        regressions = result.baseline.regressions
        say()
        say(f"against the baseline {args.baseline}: {len(regressions)} regression(s), "
            f"{len(result.baseline.changes) - len(regressions)} claims unchanged")
        if regressions:
            say(change_table(regressions))
    say(f"report written to {Path(args.out) / 'report.md'} ({len(result.written)} files)")
    if not args.no_plots:
        from .plots import plottable

        names = {p.name for p in result.written}
        missing = [o.claim for o in result.outcomes if plottable(o) and f"{o.claim}.{args.format}" not in names]
        if missing:
            print(f"scalingcheck: note: {len(missing)} claim plot(s) could not be drawn ({', '.join(missing[:3])}"
                  f"{', ...' if len(missing) > 3 else ''}); report.md says why", file=sys.stderr)
    status = result.status
    if not status["complete"]:
        first, more = status["problems"][0], len(status["problems"]) - 1
        if more:
            first += f" (and {more} more problem{'s' if more > 1 else ''}: see report.md)"
        raise IncompleteError(first, result.details)
    machinery = _machinery_check(args)
    if machinery:
        bad = sum(o.verdict.value != "agree" for o in result.outcomes)
        print(f"scalingcheck: note: suite {MACHINERY_SUITE!r} checks the machinery, not the science: exit 0 when every "
              f"claim is judged, whatever the verdicts ({bad} of {len(result.outcomes)} claims do not agree at toy "
              "sizes); pass --strict to exit 1 on them", file=sys.stderr)
    return result.exit_code(strict=args.strict, machinery_check=machinery)


def _machinery_check(args: argparse.Namespace) -> bool:
    """Whether this is a run of the built-in toy suite judged as a check of the machinery (no --strict, no
    --baseline, no claims file of the user's)."""
    return (args.suite == MACHINERY_SUITE and _source(args) is None and not args.strict
            and args.baseline is None)


def cmd_run(args: argparse.Namespace) -> int:
    from ..simulate.runs.sweep import ProcessExecutor, SerialExecutor

    if args.dry_run:
        return _dry_run(args)
    if args.assume_cuda:
        raise UsageError("--assume-cuda plans a dry run for a machine with CUDA; add --dry-run")
    cores = _cores()
    if args.workers is not None and not 1 <= args.workers <= cores:
        raise UsageError(f"--workers={args.workers} must be between 1 and {cores} (the cores available here)")
    if not 1 <= args.threads <= cores:
        raise UsageError(f"--threads={args.threads} must be between 1 and {cores} (the cores available here)")
    if args.gpu_workers < 1:
        raise UsageError(f"--gpu-workers={args.gpu_workers} must be >= 1")
    executor = SerialExecutor() if args.workers == 1 else ProcessExecutor(args.workers, args.threads,
                                                                          args.gpu_workers)
    if args.workers == 1:  # the runs are in this process: set it up as a worker is
        from ..simulate.runs.allocator import keep_freed_memory
        from ..simulate.runs.device import set_threads

        set_threads(args.threads)
        keep_freed_memory()
    return _run(args, compute=True, executor=executor)


def _dry_run(args: argparse.Namespace) -> int:
    """``run --dry-run``: the device plan of the chosen claims (:mod:`.device_plan`); computes and writes nothing.
    With ``--assume-cuda`` (or ``--device cuda``, every run on the GPU) the plan is that of a machine with
    CUDA, present here or not; --workers may then name the cores of that machine."""
    import torch

    from .device_plan import device_plan, plan_lines

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers={args.workers} must be >= 1")
    if args.gpu_workers < 1:
        raise UsageError(f"--gpu-workers={args.gpu_workers} must be >= 1")
    from ..simulate.runs.device import DEVICE_ENV, device_mode

    claims = _claims(args)
    before = os.environ.get(DEVICE_ENV)
    try:  # the plan reads the mode as a run does; this process's environment is left as it was
        _use_device(args.device, compute=False)
        mode = device_mode()
        cuda = mode == "cuda" or (mode == "auto" and (args.assume_cuda or torch.cuda.is_available()))
        workers = args.workers or _cores()
        points = [pt for claim in claims for pt in claim.runs()]
        lines = plan_lines(device_plan(points, cuda), workers, args.gpu_workers)
    finally:
        if before is None:
            os.environ.pop(DEVICE_ENV, None)
        else:
            os.environ[DEVICE_ENV] = before
    where = "a machine with CUDA" if cuda else "the CPU only"
    say(f"device plan of suite {args.suite!r} ({len(claims)} claims) with --device {mode}, for {where}, "
        f"{workers} worker(s){f' ({min(args.gpu_workers, workers)} on the GPU)' if cuda else ''}; nothing is run:")
    for line in lines:
        say(line)
    return EXIT_OK


def _use_device(device: str | None, compute: bool = True) -> None:
    """Set where the specs with ``device=None`` run, for this process and the workers it spawns; without
    `compute` (a report), only check that ``SCALINGCHECK_DEVICE`` is one of the allowed values."""
    from ..simulate.runs.device import DEVICE_ENV, device_mode

    if device is not None:
        os.environ[DEVICE_ENV] = device
    try:
        mode = device_mode()
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    import torch

    if compute and mode == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device cuda (or {DEVICE_ENV}=cuda) asked for, but CUDA is not available here; "
                         "use --device auto or cpu")


def cmd_report(args: argparse.Namespace) -> int:
    return _run(args, compute=False)


def cmd_list(args: argparse.Namespace) -> int:
    from .suites import listing

    if args.suite is not None:
        for line in suite_listing(args.suite, _source(args)):
            say(line)
        return 0
    for line in listing(_source(args)):
        say(line)
    return 0


def suite_listing(suite: str, loaded=None) -> list[str]:
    """The lines of ``scalingcheck list --suite NAME``: the suite's claims (the built-in studies', or those of
    `loaded`, a claims file's), each with its distinct runs and its estimated time on one CPU thread (the
    specs' cost model, :func:`.progress.claim_estimates`), and the total (a run that several claims share
    counted once)."""
    from .progress import claim_estimates, duration_text
    from .suites import select_claims, skipped_claims

    claims = select_claims(suite, loaded)
    rows, distinct, total = claim_estimates(claims)
    width = max(len(c.name) for c in claims)
    where = "" if loaded is None else f" (from {loaded.source})"
    lines = [f"suite {suite}{where}: {len(claims)} claims, {distinct} distinct runs, about {duration_text(total)} "
             "on one core (estimates from the specs' cost model)"]
    lines += [f"  {c.name:<{width}} {n:>5} runs  ~{duration_text(sec):>9}  [{c.study}] {c.statement}"
              for c, n, sec in rows]
    for name, why in skipped_claims(suite, None if loaded is None else list(loaded.studies)):
        lines.append(f"  {name:<{width}}   not run on this machine: {why}")
    lines.append(f"total: {len(claims)} claims, {distinct} distinct runs, about {duration_text(total)} on one core; "
                 f"divide by --workers for a run in parallel")
    return lines


def cmd_baseline(args: argparse.Namespace) -> int:
    """``baseline accept``: the results of the last run in --out become the baseline (--to)."""
    from .baseline import accept_baseline

    accepted = accept_baseline(args.out, args.to, args.allow_incomplete)
    prov, complete = accepted.provenance, (accepted.status or {"complete": True})["complete"]
    say(f"baseline {args.to} accepted: {len(accepted.outcomes)} claims of suite {prov.get('suite')!r}"
        + (f" from {prov['claims_source']}" if prov.get("claims_source") else "")
        + ("" if complete else " (an incomplete run, accepted with --allow-incomplete)"))
    return EXIT_OK


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``reproduce ARXIV_ID``: a paper's claims and figures at --scale, and OUT/reproduce.md beside the results the
    paper states (:func:`.reproduce.reproduce`); with --list or no id, the papers."""
    from .reproduce import get_paper, paper_claims, paper_listing, reproduce

    if args.list or not args.arxiv_id:
        for line in paper_listing():
            say(line)
        return EXIT_OK
    if args.workers is not None and not 1 <= args.workers <= _cores():
        raise UsageError(f"--workers={args.workers} must be between 1 and {_cores()} (the cores available here)")
    paper = get_paper(args.arxiv_id)
    claims, _ = paper_claims(paper, args.scale)
    _use_device(None, compute=not args.dry_run)
    out = _out_folder(args)
    print(f"reproducing arXiv:{paper.arxiv} at scale {args.scale!r}: {len(claims)} claims"
          + ("" if args.dry_run else f"; store {args.store or out / 'store.sqlite'}"), file=sys.stderr)
    with _computing():
        done = reproduce(paper.arxiv, args.scale, out, store=args.store, workers=args.workers,
                         progress=False if args.no_progress else None, plots=not args.no_plots, format=args.format,
                         dry_run=args.dry_run)
    if done.result is None:
        say(f"dry run: page written to {done.page} ({len(done.claims)} claims, not run)")
        return EXIT_OK
    say(f"reproduction page written to {done.page}")
    args.suite = args.scale  # the exit code follows the rules of a run of this suite
    return _conclude(done.result, args)


def build_parser() -> argparse.ArgumentParser:
    from .provenance import package_version

    parser = argparse.ArgumentParser(
        prog="scalingcheck", description="Check scaling laws of deep-learning theory against simulation.",
        epilog="exit codes: 0 no claim disagrees (for the built-in suite 'toy', a check of the machinery: every "
               "claim judged and nothing crashed, whatever the verdicts, unless --strict or --baseline); 1 a claim "
               "disagrees; 2 bad input; 3 the run could not be completed (the traceback goes to "
               "OUT/scalingcheck.log); 130 interrupted")
    parser.add_argument("--version", action="version", version=f"scalingcheck {package_version()}",
                        help="print the installed version and exit")
    parser.add_argument("--debug", action="store_true", help="print the full traceback of a failure")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="print the full traceback of a failure")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("predict", parents=[common], help="list predictions, or evaluate one: predict NAME k=v ...")
    p.add_argument("name", nargs="?", help="prediction name (omit to list all)")
    p.add_argument("params", nargs="*", help="parameters as name=value")
    p.add_argument("--claims", dest="claims_file", help="also load the predictions of this claims file")
    p.add_argument("-m", dest="module", help="also load the predictions of this module")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("list", parents=[common], help="list suites and their claims (or a claims file's)")
    p.add_argument("claims_file", nargs="?", help="a claims file (.py) to list instead of the built-in studies")
    p.add_argument("-m", dest="module", help="a claims module to list")
    p.add_argument("--suite", default=None, help="list only this suite's claims, each with its estimated time on "
                   "one core (from the specs' cost model), and the total")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("baseline", parents=[common], help="baseline accept: the last run's results become the baseline")
    p.add_argument("action", choices=["accept"], help="accept: copy OUT/results.json to the baseline file")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder of the run to accept (default: {DEFAULT_OUT})")
    p.add_argument("--to", default=DEFAULT_BASELINE, help=f"baseline file to write (default: {DEFAULT_BASELINE})")
    p.add_argument("--allow-incomplete", action="store_true",
                   help="accept a run that did not complete (failed runs, claims not measured or not judged)")
    p.set_defaults(func=cmd_baseline)

    p = sub.add_parser("reproduce", parents=[common], help="run one paper's claims and figures and write "
                       "OUT/reproduce.md beside the results it states (--list: the papers)")
    p.add_argument("arxiv_id", nargs="?", help="the paper's arXiv id, e.g. 2307.02129 (omit, or --list, to list them)")
    p.add_argument("--list", action="store_true", help="list the papers, their titles and their claims per scale")
    p.add_argument("--scale", default="quick", help="toy, quick or full (the suites' names); default: quick")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    p.add_argument("--store", help="results store file (default: OUT/store.sqlite)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core; 1 = in-process)")
    p.add_argument("--strict", action="store_true", help="exit 1 on inconclusive claims too")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots and figures")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--format", choices=FORMATS, default="png",
                   help="file format of the plots and figures: png (default), pdf or svg")
    p.add_argument("--dry-run", action="store_true", help="compute nothing: write the page with every claim 'not run'")
    p.set_defaults(func=cmd_reproduce, baseline=None)

    for name, func, help_ in (
        ("run", cmd_run, "run a suite's claims (skipping runs already in the store) and write the report"),
        ("report", cmd_report, "rebuild the report from the store without computing"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_, epilog=(
            "exit codes: 0 no claim disagrees; 1 a claim disagrees (with --strict, or is inconclusive); with "
            "--baseline, 1 on a regression against it; 2 bad input; 3 the run could not be completed; 130 "
            "interrupted. The built-in suite 'toy' checks the machinery at toy sizes: it exits 0 when every claim "
            "was judged and nothing crashed, whatever the verdicts (a note says how many do not agree), unless "
            "--strict or --baseline is given."))
        p.add_argument("claims_file", nargs="?", help="a claims file (.py) of your own, run instead of the built-in "
                       "studies (see examples/)")
        p.add_argument("-m", dest="module", help="a claims module of your own (as `python -m` names it)")
        p.add_argument("--suite", default="quick", help="suite name (see `scalingcheck list`); default: quick")
        p.add_argument("--baseline", help="results.json accepted earlier: exit 1 on a regression against it, "
                       "whatever the verdicts")
        p.add_argument("--baseline-tolerance", type=float, default=0.0,
                       help="a value may leave the baseline's interval by this much (default: 0)")
        p.add_argument("--study", action="append", help="only this study's claims (repeatable)")
        p.add_argument("--claim", action="append", help="only this claim: a name or a glob pattern such as 'svc_*' "
                       "(quote it; repeatable)")
        p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
        p.add_argument("--store", help="results store file (default: OUT/store.sqlite)")
        p.add_argument("--strict", action="store_true", help="exit 1 on inconclusive claims too (and, for the "
                       "suite 'toy', on disagreeing ones)")
        p.add_argument("--no-plots", action="store_true", help="skip the plots and figures")
        p.add_argument("--format", choices=FORMATS, default="png",
                       help="file format of the plots and figures: png (default), pdf or svg")
        p.add_argument("--no-progress", action="store_true",
                       help="no progress bar, progress lines (off a terminal) or summary line")
        if name == "report":
            p.add_argument("--force", action="store_true", help="replace a report in --out made from other claims "
                           "(another suite or claims file); without it, that is refused (exit 2)")
        if name == "run":
            p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core; 1 = in-process)")
            p.add_argument("--threads", type=int, default=1, help="torch threads per worker (default: 1)")
            p.add_argument("--device", choices=("auto", "cpu", "cuda"), default=None,
                           help="where runs go: auto (CUDA when present, except kinds slower on a GPU than on "
                           "one core), cpu, or cuda (default: $SCALINGCHECK_DEVICE, else auto)")
            p.add_argument("--gpu-workers", type=int, default=4,
                           help="worker processes that share the GPU (default: 4)")
            p.add_argument("--dry-run", action="store_true",
                           help="compute nothing: print the device plan (where each kind runs, in which batches, "
                           "its estimated time) and exit")
            p.add_argument("--assume-cuda", action="store_true",
                           help="with --dry-run: plan for a machine with CUDA, present here or not (--device auto "
                           "then decides kind by kind by the measured rates; --device cuda sends every run there)")
        p.set_defaults(func=func)
    return parser


def _log_failure(args: argparse.Namespace, exc: BaseException) -> str | None:
    """Append the traceback of `exc` (and its ``details``, e.g. the workers' tracebacks) to the log file in
    the output folder (or, if that cannot be written, in the temporary folder); returns its path, or None."""
    text = [f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} scalingcheck {' '.join(sys.argv[1:])}",
            "".join(traceback.format_exception(exc)), *getattr(exc, "details", ()), ""]
    if getattr(args, "debug", False):
        print("\n".join(text), file=sys.stderr)
    out = getattr(args, "out", None)
    candidates = ([Path(out) / LOG_NAME] if out and out.strip() and Path(out).is_dir() else []) + \
        [Path(tempfile.gettempdir()) / f"scalingcheck-{os.getpid()}.log"]
    for path in candidates:
        try:
            with open(path, "a") as log:
                log.write("\n".join(text))
            return str(path)
        except OSError:
            continue
    return None


def _describe_os_error(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return f"the disk is full (writing{where}); free space and re-run: finished runs are stored"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write{where} ({exc.strerror}); make it writable or choose another --out/--store"
    return f"{type(exc).__name__}: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` in this process; returns the exit code (see the module docstring).

    Ctrl-C and SIGTERM (``kill``, a batch scheduler's time limit) interrupt it (exit 130): stored runs
    are kept, workers stopped.
    """
    import signal

    parser = build_parser()
    args = parser.parse_args(argv)

    def fail(code: int, message: str, exc: BaseException | None = None) -> int:
        if exc is not None:
            log = _log_failure(args, exc)
            message += f" (traceback: {log})" if log else " (re-run with --debug for the traceback)"
        try:
            print(f"scalingcheck: error: {message}", file=sys.stderr)
        except OSError:  # pragma: no cover - standard error closed as well: the exit code still tells
            pass
        return code

    with handle_interrupts(signal.SIGINT, signal.SIGTERM):
        try:
            return int(args.func(args))
        except RunFailure as exc:  # runs failed, the store is unusable, a claim could not be judged
            return fail(EXIT_INCOMPLETE, str(exc), exc)
        except (ValueError, KeyError, OverflowError) as exc:  # bad input, before any work: one line
            if getattr(args, "debug", False):
                traceback.print_exception(exc)
            return fail(EXIT_BAD_INPUT, exc.args[0] if exc.args else str(exc))
        except BrokenPipeError as exc:  # a closed output that `say` did not absorb: the command did not finish
            say.close()
            return fail(EXIT_INCOMPLETE, "an output was closed before the command finished", exc)
        except OSError as exc:  # disk full, read-only folder, ...
            return fail(EXIT_INCOMPLETE, _describe_os_error(exc), exc)
        except sqlite3.Error as exc:
            return fail(EXIT_INCOMPLETE, f"the results store failed: {exc}", exc)
        except SystemExit as exc:  # a user's code (never argparse: it has parsed already) called sys.exit
            return fail(EXIT_INCOMPLETE, f"a user's code called sys.exit({exc.code!r}){_where(exc)}", exc)
        except KeyboardInterrupt as exc:
            if not is_interrupt(exc):
                return fail(EXIT_INCOMPLETE, f"a user's code raised KeyboardInterrupt{_where(exc)}", exc)
            print("scalingcheck: interrupted; finished runs are stored, re-run to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # a defect of scalingcheck or of a user's code: never mistaken for a finding
            return fail(EXIT_INCOMPLETE, f"internal error {type(exc).__name__}: {exc}; please report it with the log",
                        exc)


def console_main() -> None:
    """The ``scalingcheck`` console script: :func:`main`, then exit with its code, even if a user's code left
    threads running (a claims file that starts a non-daemon thread would otherwise keep the process alive)."""
    code = main()
    try:
        sys.stdout.flush()
    except OSError:  # a closed pipe: the exit code still tells
        say.close()
    try:
        sys.stderr.flush()
    except OSError:  # pragma: no cover
        pass
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console_main()
