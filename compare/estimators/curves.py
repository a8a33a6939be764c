"""Curves over seeds, from tidy rows: the matrix of a quantity per (x, seed), its seed mean and standard error."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..records import require_columns
from .measurement import Curve

__all__ = ["seed_table", "seed_mean", "seed_curve", "groups"]


def seed_table(rows: pd.DataFrame, x: str, y: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """`y` arranged as a ``(len(xs), len(seeds))`` matrix, NaN where a (x, seed) has no row.

    Returns the sorted distinct x values, the matrix and the sorted seeds.
    Raises ``ValueError`` when a column is missing or two rows share an
    (x, seed) pair (the curve would be ambiguous: group the rows first).
    """
    if len(rows) == 0:
        return np.array([]), np.zeros((0, 0)), []
    require_columns(rows, (x, y, "seed"))
    frame = pd.DataFrame({"x": rows[x].astype(float), "seed": rows["seed"].astype(int), "y": rows[y].astype(float)})
    dup = frame.duplicated(["x", "seed"])
    if dup.any():
        first = frame[dup].iloc[0]
        raise ValueError(
            f"{int(dup.sum())} row(s) repeat an ({x}, seed) pair, e.g. {x}={first['x']:g}, seed={int(first['seed'])}: "
            f"the rows mix several curves; split them by the swept parameter first"
        )
    table = frame.pivot(index="x", columns="seed", values="y").sort_index().sort_index(axis=1)
    return table.index.to_numpy(dtype=float), table.to_numpy(dtype=float), [int(s) for s in table.columns]


def seed_mean(mat: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """Mean over seeds (columns, optionally a resample of them) of a `seed_table` matrix; NaN, silently,
    where none of those seeds has a value."""
    sub = mat if columns is None else mat[:, columns]
    if sub.shape[1] and not np.isnan(sub).any():  # nanmean's sums and division, without its masked copy (2x faster)
        return sub.mean(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(sub, axis=1)


def seed_curve(rows: pd.DataFrame, x: str, y: str) -> Curve:
    """Mean and standard error over seeds of `y` at each `x`."""
    xs, mat, _ = seed_table(rows, x, y)
    n = np.sum(~np.isnan(mat), axis=1)
    mean = seed_mean(mat)
    with warnings.catch_warnings():  # one seed at some x: s.e.m. is NaN there, by design
        warnings.simplefilter("ignore", RuntimeWarning)
        sem = np.where(n > 1, np.nanstd(mat, axis=1, ddof=1) / np.sqrt(np.maximum(n, 1)), np.nan)
    return Curve(tuple(float(v) for v in xs), tuple(float(v) for v in mean), tuple(float(v) for v in sem),
                 tuple(int(v) for v in n))


def groups(rows: pd.DataFrame, column: str) -> dict[float, pd.DataFrame]:
    """Rows split by their value of `column`, in increasing order of that value."""
    if len(rows) == 0:
        return {}
    require_columns(rows, (column,))
    if rows[column].isna().any():
        raise ValueError(f"some records lack the group field {column!r}")
    return {float(k): part for k, part in sorted(rows.groupby(column, sort=True), key=lambda kv: float(kv[0]))}
