"""The ``scalingcheck`` command line (thin: every command calls library functions).

Commands
--------
``scalingcheck predict``                       list the registry's predictions
``scalingcheck predict NAME k=v ...``          evaluate one, print formula and provenance
``scalingcheck list``                          list suites and their claims
``scalingcheck run --suite quick``             run claims, print the table, write the report
``scalingcheck report --suite quick``          rebuild the report from the store, computing nothing

Exit codes: 0 when no claim disagrees, 1 when one does (or, with
``--strict``, when one is inconclusive), 2 on bad input.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

DEFAULT_OUT = "scalingcheck-out"


class UsageError(ValueError):
    """Bad command-line input (reported in one line, exit code 2)."""


def _parse_assignments(items: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"parameter {item!r} must look like name=value, e.g. d=2")
        try:
            out[name] = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            raise UsageError(f"parameter {name}={value!r} is not a number") from None
    return out


def cmd_predict(args: argparse.Namespace) -> int:
    from ..theory.registry import REGISTRY, get

    if not args.name:
        width = max(len(n) for n in REGISTRY)
        for name, p in REGISTRY.items():
            params = ", ".join(p.parameter_names)
            print(f"{name:<{width}}  [{p.provenance.value:<7}] ({params})  {p.quantity}")
        return 0
    pred = get(args.name)
    params = _parse_assignments(args.params)
    value = None
    if pred.expr is not None and (params or not pred.parameter_names):
        value = pred.evaluate(**params)  # bad parameters fail before anything is printed
    print(pred.describe())
    if value is not None:
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        print(f"  value   : {pred.lhs}({shown}) {pred.relation.value} {value:.10g}")
    return 0


def _claims(args: argparse.Namespace):
    from .suites import get_suite

    claims = get_suite(args.suite)
    for attr, chosen, what in (("study", args.study, "study(ies)"), ("name", args.claim, "claim(s)")):
        if chosen:
            known = {getattr(c, attr) for c in claims}
            unknown = [n for n in chosen if n not in known]
            if unknown:
                raise UsageError(f"unknown {what} {', '.join(unknown)} in suite {args.suite!r}; "
                                 f"known: {', '.join(sorted(known))}")
            claims = [c for c in claims if getattr(c, attr) in chosen]
    return claims


def _store(args: argparse.Namespace, must_exist: bool = False):
    from ..simulate.runs.store import SQLiteStore

    path = Path(args.store) if args.store else Path(args.out) / "store.sqlite"
    if must_exist and not path.exists():
        raise UsageError(f"no results store at {path}; run `scalingcheck run --suite {args.suite}` first or pass --store")
    return SQLiteStore(path)


def _finish(outcomes, args: argparse.Namespace, claims, store) -> int:
    from .figures import draw_figures
    from .provenance import provenance
    from .report import exit_code, summary, terminal_table, write_report
    from .suites import suite_figures

    print(terminal_table(outcomes))
    print()
    print(summary(outcomes))
    drawn, skipped = [], []
    if not args.no_plots:
        chosen = {c.study for c in claims}
        figures = [f for f in suite_figures(args.suite) if any(c.study in chosen for c in f.claims)]
        drawn, skipped = draw_figures(figures, {c.name for c in claims}, store, args.out)
        for name, reason in skipped:
            print(f"figure {name} not drawn: {reason}", file=sys.stderr)
    written = write_report(outcomes, args.out, plots=not args.no_plots, figures=drawn, skipped=skipped,
                           provenance=provenance(suite=args.suite))
    print(f"report written to {Path(args.out) / 'report.md'} ({len(written)} files)")
    return exit_code(outcomes, strict=args.strict)


def cmd_run(args: argparse.Namespace) -> int:
    from ..simulate.runs.sweep import ProcessExecutor, SerialExecutor

    from .claim import evaluate_all

    claims = _claims(args)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers={args.workers} must be >= 1")
    if args.threads < 1:
        raise UsageError(f"--threads={args.threads} must be >= 1")
    executor = SerialExecutor() if args.workers == 1 else ProcessExecutor(args.workers, args.threads)
    if args.workers == 1:
        from ..simulate.runs.device import set_threads

        set_threads(args.threads)
    progress = False if args.no_progress else None
    with _store(args) as store:
        print(f"suite {args.suite!r}: {len(claims)} claims; store {getattr(store, 'path', 'memory')}", file=sys.stderr)
        outcomes = evaluate_all(claims, store, compute=True, executor=executor, progress=progress)
        return _finish(outcomes, args, claims, store)


def cmd_report(args: argparse.Namespace) -> int:
    from .claim import evaluate_all

    claims = _claims(args)
    with _store(args, must_exist=True) as store:
        outcomes = evaluate_all(claims, store, compute=False)
        return _finish(outcomes, args, claims, store)


def cmd_list(args: argparse.Namespace) -> int:
    from .studies import studies
    from .suites import get_suite, suite_names

    for study in studies():
        papers = ", ".join(f"arXiv:{p}" for p in study.papers)
        print(f"study {study.name}: {study.title} ({papers}); scales: {', '.join(study.scales)}")
    for name in suite_names():
        claims = get_suite(name)
        distinct = {spec.key(seed) for claim in claims for spec, seed in claim.runs()}
        print(f"suite {name}: {len(claims)} claims, {len(distinct)} distinct runs "
              "(a run that several claims share is counted once here, and with each claim below)")
        for claim in claims:
            print(f"  {claim.name:<28} {len(claim.runs()):>4} runs  [{claim.study}] {claim.statement}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scalingcheck", description="Check scaling laws of deep-learning theory against simulation.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("predict", help="list predictions, or evaluate one: predict NAME k=v ...")
    p.add_argument("name", nargs="?", help="prediction name (omit to list all)")
    p.add_argument("params", nargs="*", help="parameters as name=value")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("list", help="list suites and their claims")
    p.set_defaults(func=cmd_list)

    for name, func, help_ in (
        ("run", cmd_run, "run a suite's claims (skipping runs already in the store) and write the report"),
        ("report", cmd_report, "rebuild the report from the store without computing"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--suite", default="quick", help="suite name (see `scalingcheck list`); default: quick")
        p.add_argument("--study", action="append", help="only this study's claims (repeatable)")
        p.add_argument("--claim", action="append", help="only this claim (repeatable)")
        p.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
        p.add_argument("--store", help="results store file (default: OUT/store.sqlite)")
        p.add_argument("--strict", action="store_true", help="exit 1 on inconclusive claims too")
        p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
        if name == "run":
            p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core; 1 = in-process)")
            p.add_argument("--threads", type=int, default=1, help="torch threads per worker (default: 1)")
            p.add_argument("--no-progress", action="store_true", help="no progress bar")
        p.set_defaults(func=func)
    return parser


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Callable[[], None]:
    """Treat SIGTERM (``kill``, a batch scheduler's time limit) as Ctrl-C: stored runs are kept, workers
    stopped. Returns the function that restores the previous handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, _interrupt)
    return lambda: signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    restore = _stop_on_sigterm()
    try:
        return int(args.func(args))
    except (ValueError, KeyError) as exc:  # bad input: one line, no traceback
        message = exc.args[0] if exc.args else str(exc)
        print(f"scalingcheck: error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("scalingcheck: interrupted; finished runs are stored, re-run to resume", file=sys.stderr)
        return 130
    finally:
        restore()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
