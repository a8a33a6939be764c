"""Run specifications: frozen dataclasses that describe one simulation.

A run is a pure function of a spec and a seed::

    record = run(spec, seed)
    records = run_batch(spec, seeds)      # several seeds at once, one record each

Every experiment spec subclasses :class:`Spec`, sets a class-level ``kind``
(a stable name) and ``version`` (bump it when the meaning of a run changes,
so that stale cached records are not reused), and implements
``_run(seed) -> dict`` returning a flat dict of JSON-serialisable values: what the
run measured. The spec's own fields are stored beside the record and join it when
it is read (:mod:`.rows`), with the columns :meth:`Spec.derived` computes.

A spec that can run several seeds as one batched model (E networks trained
together) sets ``batch_limit`` > 1 and implements ``_run_batch(seeds)``; its
records must be those of ``_run`` seed by seed (tests/simulate/test_batched_runs.py).
Sweeps group the seeds of such a spec into batches of at most ``batch_limit``.
A spec whose runs can also share a batch with those of other specs (networks
that differ only in their training-set size, say) returns a common
``batch_group()`` for them and implements ``_run_points(points)``; sweeps
then batch the runs of the whole group, and `run_points` runs such a batch::

    records = run_points([(spec_a, 0), (spec_b, 0), (spec_b, 1)])

Specs nest: a field may hold another frozen dataclass (a data model, a
kernel). `to_dict` serialises the whole tree with a ``"kind"`` tag on every
node, and `canonical_json` gives the byte-stable text whose sha256 (with a
code-version salt) keys the results store.
"""
from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import pickle
import sys
import time
from pathlib import Path
from typing import Any, ClassVar, Hashable, Sequence

import numpy as np

from .checks import check_seed
from .errors import SpecError

CODE_SALT = "scalingcheck-1"
"""Global salt of the cache key; bump to invalidate every stored record."""


KEY_OMITS_DEFAULT = "scalingcheck_key_omits_default"
"""Field metadata: leave the field out of :func:`to_dict` (and so of run keys) while it holds its default. A
field added to a dataclass that specs hold, whose default keeps the old behaviour, is declared
``field(default=..., metadata={KEY_OMITS_DEFAULT: True})``: the keys of every stored run stay valid."""


def to_dict(obj: Any) -> Any:
    """Serialise a (nested) frozen dataclass to plain JSON-able Python objects.

    numpy scalars count as the Python numbers they hold (``np.int64(64)`` keys as ``64``); a field marked
    :data:`KEY_OMITS_DEFAULT` is left out while it holds its default.
    A function or class (a network's model factory, say) serialises as
    ``{"callable": "module:qualname", "source": source_hash(obj)}``, so that
    editing its code changes the run key; it must be defined at a module's top
    level (not a lambda or a nested function), where worker processes can import it.
    """
    if isinstance(obj, np.generic):
        obj = obj.item()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {"kind": getattr(obj, "kind", type(obj).__name__)}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.metadata.get(KEY_OMITS_DEFAULT) and value == f.default:
                continue  # a field added later, at the value that means what the objects before it meant
            out[f.name] = to_dict(value)
        return out
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return repr(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if inspect.isfunction(obj) or isinstance(obj, type):
        name = callable_name(obj)
        try:
            return {"callable": name, "source": source_hash(obj)}
        except ValueError as exc:
            raise TypeError(f"cannot serialise {type(obj).__name__} in a spec: {exc}") from None
    raise TypeError(f"cannot serialise {type(obj).__name__} in a spec: {obj!r}")


def callable_name(obj: Any) -> str:
    """``"module:qualname"`` of a function or class defined at a module's top level (what worker processes
    import); the ``TypeError`` of :func:`to_dict` for a lambda or a nested function."""
    qualname = getattr(obj, "__qualname__", "")
    if "<locals>" in qualname or "<lambda>" in qualname:
        raise TypeError(f"cannot serialise {type(obj).__name__} in a spec: {obj!r} is a lambda or a nested "
                        "function; define it at a module's top level, so that worker processes can import it")
    return f"{obj.__module__}:{qualname}"


def plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays turned into Python numbers and lists (recursively in lists,
    tuples and dicts): what a record may hold once stored. Other values are returned as they are."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _check_record(spec: "Spec", record: dict[str, Any]) -> None:
    """Raise ``TypeError`` naming the first field of `record` that JSON cannot hold."""
    for name, value in record.items():
        if not isinstance(name, str):
            raise TypeError(f"a record of {spec.kind} has the key {name!r}: record fields are named by strings")
        try:
            json.dumps(value, allow_nan=True)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"field {name!r} of a record of {spec.kind} holds a {type(value).__name__} ({exc}); "
                            "records hold numbers, strings, booleans, None and lists or dicts of them") from None


def check_spec(spec: Any, picklable: bool = False) -> None:
    """Raise :class:`SpecError` (bad input) unless `spec` can key, hash and (with `picklable`) travel.

    A spec must subclass :class:`Spec` and be a frozen dataclass whose fields are hashable and
    serialisable (numbers, strings, booleans, None, tuples and frozen dataclasses of these), so that
    its run key is a function of its fields; with `picklable` it must also survive pickling, as it
    does when sent to a worker process.
    """
    name = type(spec).__name__
    if not isinstance(spec, Spec):
        raise SpecError(f"a run spec must subclass scalingcheck.Spec, got {name}: {spec!r}")
    if not dataclasses.is_dataclass(spec) or not getattr(type(spec), "__dataclass_params__").frozen:
        raise SpecError(f"spec {name} must be declared @dataclass(frozen=True): its run key hashes its fields, "
                        "which must not change after it is made")
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        try:
            hash(value)
        except TypeError:
            raise SpecError(f"spec {name}: field {f.name} holds a {type(value).__name__}, which is mutable "
                            "(unhashable); use a tuple, or a dataclass declared with frozen=True") from None
        try:
            to_dict(value)
        except TypeError as exc:
            raise SpecError(f"spec {name}: field {f.name}: {exc}; fields hold numbers, strings, booleans, "
                            "None, tuples or frozen dataclasses") from None
    if picklable:
        try:
            pickle.loads(pickle.dumps(spec))
        except Exception as exc:
            raise SpecError(f"spec {name} cannot be sent to a worker process ({type(exc).__name__}: {exc}); give "
                            "it fields that pickle (plain values, frozen dataclasses defined at a module's top "
                            "level), or run in this process (--workers 1, or SerialExecutor())") from None


def runs_only_here(spec: Any) -> bool:
    """Whether `spec` (or a dataclass it holds) is defined in a ``__main__`` that a worker cannot import
    (``python -c``, a notebook, standard input): its runs execute in the calling process."""
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__file__", None) and Path(main.__file__).is_file():
        return False
    stack = [spec]
    while stack:
        obj = stack.pop()
        if type(obj).__module__ == "__main__":
            return True
        if (inspect.isfunction(obj) or isinstance(obj, type)) and obj.__module__ == "__main__":
            return True  # a function or class (a network's model factory) defined there
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            stack.extend(getattr(obj, f.name) for f in dataclasses.fields(obj))
        elif isinstance(obj, (list, tuple)):
            stack.extend(obj)
    return False


def canonical_json(obj: Any) -> str:
    """Sorted-key, compact JSON of `to_dict(obj)`: identical specs give identical text."""
    return json.dumps(to_dict(obj), sort_keys=True, separators=(",", ":"), allow_nan=False)


class Spec:
    """Base of all experiment specs (mix into a frozen dataclass).

    Subclasses define ``kind``, optionally ``version``, and ``_run``.
    """

    kind: ClassVar[str] = "spec"
    version: ClassVar[int] = 1
    batch_limit: ClassVar[int] = 1
    """Most seeds one call of ``_run_batch`` takes (1: the spec runs one seed at a time)."""
    gpu_batch_limit: ClassVar[int | None] = None
    """Most runs of one batch on a GPU (None: ``batch_limit``): a GPU gains from many networks per kernel,
    so the batched kinds set it to a whole claim's curve; each record is that of a lone run up to rounding."""
    gpu_gain: ClassVar[bool | None] = None
    """Whether runs of this kind with ``device=None`` go to a GPU in 'auto' mode: None (default) decides by the
    kind's measured speed-up at the task's batch size (`simulate.runs.device_rates`); True or False decides
    for the kind whatever was measured (see `simulate.runs.device`)."""

    def _run(self, seed: int) -> dict[str, Any]:  # pragma: no cover - interface
        raise NotImplementedError

    def _run_batch(self, seeds: list[int]) -> list[dict[str, Any]]:
        """Records of several seeds; the default runs them one after the other."""
        return [self._run(seed) for seed in seeds]

    def batch_group(self) -> Hashable:
        """Which specs' runs may share one batch: sweeps batch the runs of specs of one kind whose groups are
        equal (at most ``batch_limit`` runs per batch, through ``_run_points``). The default, the spec
        itself, batches the seeds of one spec only."""
        return self

    def _run_points(self, points: list[tuple["Spec", int]]) -> list[dict[str, Any]]:
        """Records of (spec, seed) runs of specs of this spec's batch group, computed as one batch; called on
        the first point's spec, when the points hold more than one spec. A spec whose ``batch_group`` is
        wider than the spec itself implements it; each record must be that of a lone run."""
        raise NotImplementedError(f"{type(self).__name__} batches only its own seeds (no _run_points)")

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        """Columns computed from the spec and one of its records when the record is read
        (:func:`.rows.row`), e.g. the test error over chance error: a record holds what the run measured,
        never a copy of the spec's fields or a quantity derived from them. Default: none."""
        return {}

    def cost(self) -> float:
        """Estimated seconds of one run on one CPU thread; sweeps start the most expensive tasks first.

        Sweeps mix kinds, so every kind states its cost in this one unit. The
        built-in kinds fit their formulas to the run times their records report
        (the quick suite on a 2-core machine, 2026-11-24); only the order of the
        tasks depends on it, never a record. The default, 1 second, suits a
        user's spec of unknown cost.
        """
        return 1.0

    def key(self, seed: int) -> str:
        """Content hash of (spec, seed, code version): the results-store key."""
        return run_key(self, seed)

    def replace(self, **changes: Any) -> "Spec":
        """A copy with some fields changed (`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)


def batch_limit(spec: Spec, device_type: str = "cpu") -> int:
    """Most runs of `spec`'s kind computed as one batch on a device of type `device_type` ("cpu" or "cuda"):
    ``gpu_batch_limit`` on CUDA where the kind sets one, else ``batch_limit``."""
    limit = spec.gpu_batch_limit if device_type == "cuda" and spec.gpu_batch_limit else spec.batch_limit
    return max(1, int(limit))


def run_key(spec: Spec, seed: int) -> str:
    payload = json.dumps(
        {"spec": to_dict(spec), "seed": int(seed), "salt": CODE_SALT, "version": spec.version},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _provenance(spec: Spec, seed: int, seconds: float, batch: int, device: Any) -> dict[str, Any]:
    out = {"kind": spec.kind, "seed": seed, "key": spec.key(seed), "seconds": seconds}
    if batch > 1:
        out["batch"] = batch
    if device is not None:
        out["device"] = str(device)
    return out


def _batch_device(spec: Spec, batch: int) -> Any:
    """The torch device a batch of `batch` runs of `spec` runs on (None: a spec without a ``device`` field,
    which runs on the CPU and whose records name no device)."""
    if not hasattr(spec, "device"):
        return None
    from .device import spec_device

    return spec_device(spec, batch)


def _check(spec: Any) -> None:
    if not isinstance(spec, Spec):
        raise TypeError(f"spec must be a scalingcheck.simulate.runs.spec.Spec, got {type(spec).__name__}")


def run(spec: Spec, seed: int) -> dict[str, Any]:
    """Execute one run and return its record.

    The record is the dict returned by the spec's ``_run`` plus provenance:
    ``kind``, ``seed``, ``key``, ``seconds`` (wall time) and, for specs with a
    ``device`` field, the device that ran it.
    """
    seed = check_seed(seed)
    _check(spec)
    start = time.perf_counter()
    out = plain(_as_record(spec, spec._run(seed)))
    out.update(_provenance(spec, seed, time.perf_counter() - start, 1, _batch_device(spec, 1)))
    _check_record(spec, out)  # fail here, not in the store, if a value is not serialisable
    return out


def run_batch(spec: Spec, seeds: list[int]) -> list[dict[str, Any]]:
    """Execute the runs of several seeds at once (the spec's ``_run_batch``); one record per seed.

    ``seconds`` is the batch's wall time shared equally, and ``batch`` the number
    of seeds run together (when more than one).
    """
    _check(spec)
    return run_points([(spec, seed) for seed in seeds])


def run_points(points: Sequence[tuple[Spec, int]]) -> list[dict[str, Any]]:
    """Execute several (spec, seed) runs as one batch; one record per run, each that of a lone run.

    The seeds of one spec go through its ``_run_batch``; runs of several specs
    must share a kind and a ``batch_group`` and go through the first spec's
    ``_run_points``. At most ``batch_limit`` runs (``gpu_batch_limit`` where the
    batch runs on CUDA). ``seconds`` is the batch's wall time shared equally, and
    ``batch`` the number of runs computed together (when more than one).
    """
    points = [(spec, check_seed(seed)) for spec, seed in points]
    if not points:
        return []
    for spec, _ in points:
        _check(spec)
    first = points[0][0]
    specs = {spec for spec, _ in points}
    if len(specs) > 1 and (len({type(spec) for spec in specs}) > 1
                           or len({spec.batch_group() for spec in specs}) > 1):
        raise ValueError("the runs of one batch must share a spec kind and a batch_group() "
                         f"(got {len(specs)} specs: {sorted({type(s).__name__ for s in specs})})")
    device = _batch_device(first, len(points))  # one for the batch: the specs of a batch group share their device
    where = "cpu" if device is None else device.type
    limit = batch_limit(first, where)
    if len(points) > limit:
        noun = "seeds" if len(specs) == 1 else "runs"
        raise ValueError(f"{len(points)} {noun} exceed the batch limit {limit} of {type(first).__name__}"
                         + (" on CUDA" if where == "cuda" else ""))
    seeds = [seed for _, seed in points]
    start = time.perf_counter()
    if len(specs) > 1:
        out = first._run_points(points)
    else:
        out = first._run_batch(seeds) if len(seeds) > 1 else [first._run(seeds[0])]
    records = [plain(_as_record(first, r)) for r in out]
    if len(records) != len(points):
        raise RuntimeError(f"{type(first).__name__} returned {len(records)} records for {len(points)} runs")
    share = (time.perf_counter() - start) / len(points)
    for (spec, seed), record in zip(points, records):
        record.update(_provenance(spec, seed, share, len(points), device))
        _check_record(spec, record)
    return records


def _as_record(spec: Spec, out: Any) -> dict[str, Any]:
    """A run's return value as a record (a dict); ``TypeError`` naming the kind if it is not a mapping."""
    if not isinstance(out, dict):
        try:
            return dict(out)
        except (TypeError, ValueError):
            raise TypeError(f"a run of {spec.kind} returned a {type(out).__name__}, not a dict of its "
                            "measured values") from None
    return out


def source_hash(*sources: Any) -> str:
    """A short sha256 of the source code of modules, classes, functions or files, for a spec field.

    Run keys hash the spec's fields, not the code that runs it: a user's spec
    that wraps their own model should carry ``source_hash(my_model)`` as a
    field, so that editing the model changes every key and a cached store
    computes the runs again (a CI cache then never serves stale records).
    A function or class without a readable source (defined by ``exec``, in
    ``python -c``) is hashed by its compiled code instead.
    """
    import os

    digest = hashlib.sha256()
    for source in sources:
        if isinstance(source, (str, os.PathLike)):
            text = Path(source).read_text()
        else:
            try:
                text = inspect.getsource(source)
            except (OSError, TypeError) as exc:
                compiled = _compiled(source)  # code run by exec() (a notebook cell, python -c) has no source file
                if compiled is None:
                    raise ValueError(f"source_hash: cannot read the source of {source!r} ({exc})") from exc
                digest.update(compiled)
                continue
        digest.update(text.encode())
    return digest.hexdigest()[:16]


def _compiled(obj: Any) -> bytes | None:
    """The marshalled code of a function, or of a class's functions, when its source cannot be read (the same
    code gives the same bytes with the same Python); None for anything else."""
    import marshal

    if inspect.isfunction(obj):
        return marshal.dumps(obj.__code__)
    if isinstance(obj, type):
        return b"".join(marshal.dumps(v.__code__) for _, v in sorted(vars(obj).items()) if inspect.isfunction(v))
    return None
