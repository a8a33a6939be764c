"""Run specifications: frozen dataclasses that describe one simulation.

A run is a pure function of a spec and a seed::

    record = run(spec, seed)

Every experiment spec subclasses :class:`Spec`, sets a class-level ``kind``
(a stable name) and ``version`` (bump it when the meaning of a run changes,
so that stale cached records are not reused), and implements
``_run(seed) -> dict`` returning a flat dict of JSON-serialisable values.

Specs nest: a field may hold another frozen dataclass (a data model, a
kernel). `to_dict` serialises the whole tree with a ``"kind"`` tag on every
node, and `canonical_json` gives the byte-stable text whose sha256 (with a
code-version salt) keys the results store.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from typing import Any, ClassVar

CODE_SALT = "scalingcheck-1"
"""Global salt of the cache key; bump to invalidate every stored record."""


def to_dict(obj: Any) -> Any:
    """Serialise a (nested) frozen dataclass to plain JSON-able Python objects."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"kind": getattr(obj, "kind", type(obj).__name__)}
        for f in dataclasses.fields(obj):
            out[f.name] = to_dict(getattr(obj, f.name))
        return out
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot serialise {type(obj).__name__} in a spec: {obj!r}")


def canonical_json(obj: Any) -> str:
    """Sorted-key, compact JSON of `to_dict(obj)`: identical specs give identical text."""
    return json.dumps(to_dict(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


class Spec:
    """Base of all experiment specs (mix into a frozen dataclass).

    Subclasses define ``kind``, optionally ``version``, and ``_run``.
    """

    kind: ClassVar[str] = "spec"
    version: ClassVar[int] = 1

    def _run(self, seed: int) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def cost(self) -> float:
        """Rough relative cost of one run; sweeps start the most expensive runs first."""
        return 1.0

    def key(self, seed: int) -> str:
        """Content hash of (spec, seed, code version): the results-store key."""
        return run_key(self, seed)

    def replace(self, **changes: Any) -> "Spec":
        """A copy with some fields changed (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)


def run_key(spec: Spec, seed: int) -> str:
    payload = json.dumps(
        {"spec": to_dict(spec), "seed": int(seed), "salt": CODE_SALT, "version": spec.version},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r} must be a non-negative integer")
    return int(seed)


def run(spec: Spec, seed: int) -> dict[str, Any]:
    """Execute one run and return its record.

    The record is the dict returned by the spec's ``_run`` plus provenance:
    ``kind``, ``seed``, ``key`` and ``seconds`` (wall time).
    """
    seed = check_seed(seed)
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a simulate.spec.Spec, got {type(spec).__name__}")
    start = time.perf_counter()
    out = dict(spec._run(seed))
    out.update(kind=spec.kind, seed=seed, key=spec.key(seed), seconds=time.perf_counter() - start)
    json.dumps(out, allow_nan=True)  # fail here, not in the store, if a value is not serialisable
    return out


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless `condition`: parameter checks in specs."""
    if not condition:
        raise ValueError(message)
