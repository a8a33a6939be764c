"""Shared helpers of the findings scripts: the records of one claim's runs in a store, seed by seed."""
from __future__ import annotations

import argparse
import dataclasses
import functools
from collections import defaultdict

import numpy as np

from scalingcheck import Scale
from scalingcheck.compare.estimators.bootstrap import seed_bootstrap
from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.rows import row
from scalingcheck.simulate.runs.store import open_store


@dataclasses.dataclass(frozen=True, kw_only=True)
class WidthScale(Scale):
    """The scale of a claims file that rebuilds a suite's claims at other network widths."""

    widths: tuple[int, ...]


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--store", default="scalingcheck-out/store.sqlite",
                        help="the store of a `scalingcheck run --suite quick` (default: %(default)s)")
    parser.add_argument("--suite", default="quick", help="the suite whose claims are read (default: %(default)s)")
    parser.add_argument("--boot", type=int, default=2000, help="bootstrap resamples over seeds (default: %(default)s)")
    parser.add_argument("--claims-file", help="read the claims of this claims file (e.g. findings/*_claims.py) at "
                        "scale --suite instead of the built-in suite")
    parser.add_argument("--claim", action="append", help="only this claim (repeatable; default: the script's own)")
    args = parser.parse_args()
    if args.claims_file:
        use_claims_file(args.claims_file)
    return args


_CLAIMS_FILE: list[str] = []


def use_claims_file(path: str) -> None:
    """Make `suite_claims` read the claims of the claims file at `path` instead of the built-in suites."""
    _CLAIMS_FILE[:] = [path]
    suite_claims.cache_clear()


@functools.lru_cache(maxsize=None)
def suite_claims(suite: str) -> dict:
    """The claims of a suite by name (built once per script: building the quick suite takes seconds), or those of
    the claims file given to `use_claims_file` at that scale."""
    if _CLAIMS_FILE:
        from scalingcheck.compare.user_claims import load_claims

        return {c.name: c for c in load_claims(_CLAIMS_FILE[0]).claims(suite)}
    return {c.name: c for c in get_suite(suite)}


@functools.lru_cache(maxsize=None)
def read_store(path: str):
    """The store at `path`, opened read-only once per script."""
    return open_store(path, readonly=True)


def claim_table(store_path: str, suite: str, claim: str, x: str, y, where=lambda spec: True) -> tuple[np.ndarray, np.ndarray]:
    """x values [n] and a table [n, seeds] of y(row) for the stored runs of `claim` (NaN where missing; a row is a
    record joined to its spec's fields, :func:`scalingcheck.simulate.runs.rows.row`),
    restricted to the claim's fit window (its estimator's ``window``) when it has one.

    Raises SystemExit naming the claim when none of its runs is in the store.
    """
    claims = suite_claims(suite)
    if claim not in claims:
        raise SystemExit(f"claim {claim!r} is not in the {suite} suite")
    store = read_store(store_path)
    cells: dict[float, dict[int, float]] = defaultdict(dict)
    low, high = getattr(claims[claim].estimator, "window", None) or (-np.inf, np.inf)
    for spec, seed in claims[claim].runs():
        if not where(spec) or not low <= float(getattr(spec, x)) <= high:
            continue
        record = store.get(spec.key(seed))
        if record is not None:  # read as a row: the record with its spec's fields and derived columns
            cells[float(getattr(spec, x))][seed] = y(row(spec, record))
    if not cells:
        raise SystemExit(f"none of the runs of {claim} is in {store_path}: run `scalingcheck run --suite {suite}` first")
    xs = sorted(cells)
    seeds = sorted({s for row in cells.values() for s in row})
    table = np.full((len(xs), len(seeds)), np.nan)
    for i, xv in enumerate(xs):
        for j, s in enumerate(seeds):
            table[i, j] = cells[xv].get(s, np.nan)
    return np.asarray(xs), table


def bootstrap(table: np.ndarray, statistic, n_boot: int, seed: int = 0) -> np.ndarray:
    """`statistic(table)` recomputed on `n_boot` resamples of the seeds (the columns), [n_boot, ...]
    (the package's seed bootstrap, :func:`scalingcheck.compare.estimators.bootstrap.seed_bootstrap`)."""
    return seed_bootstrap(lambda picks: statistic(table[:, picks[0]]), [table.shape[1]], n_boot, seed)
