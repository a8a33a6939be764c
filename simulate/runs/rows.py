"""Records joined to their specs: what a run measured, beside what it was asked to do.

A record holds what a run measured (and its provenance: kind, seed, key, seconds). The spec that
produced it is stored beside it, so a record need not copy its spec's fields: :func:`row` joins the
two, and a spec may add columns computed from its fields and its record when read (``derived``,
e.g. the test error over chance error). Claims, figures and findings read rows, never bare records.

Spec fields become columns under their own names; a field holding a dataclass (a network, a data
model, a training configuration) becomes a column with its ``kind`` and one column per field of it,
named ``field.subfield`` (``net.width``, ``train.lr``), recursively. A nested field is also a column
under its own short name (``d`` beside ``data.d``, ``sigma`` beside ``kernel.sigma``) when that name is
unambiguous: no field of the spec itself bears it and no other nested field ends with it. So the rows of
two claims (an SVC learning curve with a Laplace kernel at ``d=2`` and one at ``d=3``, say) concatenate
into one table with a ``d``, a ``kernel`` and a ``sigma`` column, whichever way each spec nests them.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Mapping

__all__ = ["spec_columns", "row"]


def _flatten(obj: Any, prefix: str, out: dict[str, Any]) -> None:
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            out[name] = getattr(value, "kind", type(value).__name__)
            _flatten(value, f"{name}.", out)
        elif value is None or isinstance(value, (bool, int, float, str)):
            out[name] = value
        elif isinstance(value, tuple) and all(isinstance(v, (bool, int, float, str)) for v in value):
            out[name] = list(value)


def spec_columns(spec: Any) -> dict[str, Any]:
    """The fields of `spec` as columns (see the module docstring), with ``kind``."""
    out: dict[str, Any] = {"kind": spec.kind}
    _flatten(spec, "", out)
    leaves: dict[str, list[str]] = {}
    for name in out:
        if "." in name:
            leaves.setdefault(name.rpartition(".")[2], []).append(name)
    for leaf, names in leaves.items():
        if len(names) == 1 and leaf not in out:
            out[leaf] = out[names[0]]
    return out


def row(spec: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with its spec's columns and the spec's derived columns (:meth:`.spec.Spec.derived`); the
    record's own fields come last, so a record stored by an older version that copied a field keeps its value."""
    derive = getattr(spec, "derived", None)
    return {**spec_columns(spec), **(derive(record) if derive is not None else {}), **record}
