"""Records become tables before they are fitted: one step from run records to tidy rows (pandas).

A run record is a flat dict of numbers plus provenance (``seed``, ``kind``,
...). Some fields hold one value per layer (a list, such as the sensitivity
of every hidden layer). :func:`tidy` turns records into a
:class:`pandas.DataFrame` with one row per record, or, when per-layer fields
are asked for, one row per (record, layer) with a column ``layer`` (1, 2,
...). Estimators read these rows, so a per-layer quantity against depth fits
like a learning curve against P, and a measured x against a measured y
(grouped by a column) like a swept one.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = ["tidy", "LAYER", "require_columns", "record_problem"]

LAYER = "layer"
"""Name of the column that indexes the entries of per-layer fields (1-based)."""


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def tidy(records: Sequence[Mapping[str, Any]], fields: Iterable[str] = ()) -> pd.DataFrame:
    """Tidy rows of `records`.

    Parameters
    ----------
    records : run records (dicts); every record keeps its scalar fields.
    fields : the fields the caller will read. Those that hold lists in the
        records are expanded: one row per entry, with a ``layer`` column
        counting from 1; several such fields of one record must have the same
        length (they are read side by side). Other list-valued fields (traces,
        spectra) are left out of the table.

    Returns
    -------
    A DataFrame with a column per scalar field (NaN where a record lacks it).
    """
    fields = tuple(fields)
    rows: list[dict[str, Any]] = []
    for i, record in enumerate(records):
        scalars = {k: v for k, v in record.items() if not _is_list(v) and not isinstance(v, dict)}
        lists = {k: record[k] for k in fields if k in record and _is_list(record[k])}
        if not lists:
            rows.append(scalars)
            continue
        lengths = {k: len(v) for k, v in lists.items()}
        if len(set(lengths.values())) != 1:
            raise ValueError(
                f"record {i} (kind {record.get('kind')!r}, seed {record.get('seed')!r}): per-layer fields "
                f"{', '.join(f'{k} ({n} entries)' for k, n in lengths.items())} differ in length"
            )
        if LAYER in scalars:
            raise ValueError(f"record {i} has a field named {LAYER!r}, which the per-layer expansion would overwrite")
        for layer in range(next(iter(lengths.values()))):
            rows.append({**scalars, LAYER: layer + 1, **{k: v[layer] for k, v in lists.items()}})
    return pd.DataFrame(rows)


def require_columns(rows: pd.DataFrame, columns: Iterable[str]) -> None:
    """Raise ``ValueError`` naming the missing columns and the available ones."""
    missing = [c for c in columns if c not in rows.columns]
    if missing and len(rows):
        kinds = sorted({str(k) for k in rows["kind"].dropna()}) if "kind" in rows.columns else []
        raise ValueError(
            f"records{' of kind ' + ', '.join(kinds) if kinds else ''} lack {', '.join(map(repr, missing))}; "
            f"fields: {', '.join(sorted(map(str, rows.columns)))}"
        )


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def record_problem(record: Any, fields: Iterable[str]) -> str | None:
    """Why `record` cannot enter a fit that reads `fields`, or ``None`` if it can.

    Each field read must be present and hold a finite number, a string (a group's name), or a
    non-empty list of finite numbers (one per layer); NaN, infinities, ``None``, booleans and
    anything else are refused, so that no such value reaches a fit unnoticed. The ``layer`` column
    that :func:`tidy` makes is not looked for in the record.
    """
    if not isinstance(record, Mapping):
        return f"the record is a {type(record).__name__}, not a mapping of fields"
    for name in fields:
        if name == LAYER and name not in record:
            continue
        if name not in record:
            return f"it lacks the field {name!r}"
        value = record[name]
        if isinstance(value, str) or _finite_number(value):
            continue
        if isinstance(value, (list, tuple)) and value and all(_finite_number(v) for v in value):
            continue
        if isinstance(value, (list, tuple)):
            bad = next((v for v in value if not _finite_number(v)), None) if value else None
            return (f"its field {name!r} is an empty list" if not value else
                    f"its field {name!r} holds {_show(bad)} among its {len(value)} entries")
        return f"its field {name!r} is {_show(value)}, not a finite number"
    return None
