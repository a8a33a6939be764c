"""Measured GPU-against-CPU rates of the run kinds: what the 'auto' device rule decides by.

Each :class:`DeviceRate` is one measurement of ``benchmarks/device_kinds.py``: one task of a kind (a batch
of ``batch`` runs computed together) timed on one CPU thread (what one worker of ``scalingcheck run``
uses) and on a GPU, in the same process. :func:`gpu_speedup` gives, for a kind and the batch size a sweep
forms, the ratio measured at the largest measured batch not above it (a batched kind gains with its batch,
so the ratio of a smaller batch is the cautious guess); ``None`` where the kind was never measured.

:data:`MEASURED` holds the rows measured for the package. A machine's own rows, written by
``python benchmarks/device_kinds.py --write rates.json``, replace them for the kinds they hold when the
environment variable ``SCALINGCHECK_DEVICE_RATES`` names that file (spawned workers inherit it).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from .checks import check_float, check_int

__all__ = ["DeviceRate", "MEASURED", "RATES_ENV", "device_rates", "measured_rate", "gpu_speedup", "write_rates"]

RATES_ENV = "SCALINGCHECK_DEVICE_RATES"
"""The environment variable naming a JSON file of measured rates (``device_kinds.py --write``)."""


@dataclass(frozen=True)
class DeviceRate:
    """One task of `kind` (`batch` runs computed together; None: not recorded) timed on one CPU thread and on the
    GPU `device` (after a warm-up), on `date`: `speedup` is the CPU time over the GPU time (above 1: the GPU is
    faster); `cpu_seconds` and `gpu_seconds` are the two times where they were recorded."""

    kind: str
    batch: int | None
    speedup: float
    device: str
    date: str
    cpu_seconds: float | None = None
    gpu_seconds: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        for name in ("kind", "device", "date", "note"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name}={getattr(self, name)!r} must be a string")
        if self.batch is not None:
            check_int(self.batch, "batch", 1)
        check_float(self.speedup, "speedup", 0.0, low_open=True)
        for name in ("cpu_seconds", "gpu_seconds"):
            if getattr(self, name) is not None:
                check_float(getattr(self, name), name, 0.0, low_open=True)


_H100 = "NVIDIA H100 80GB HBM3"
MEASURED: tuple[DeviceRate, ...] = (
    # benchmarks/device_kinds.py --suite quick --budget 20 on the only lease so far (docs/performance.md).
    DeviceRate("krr", 1, 2.38 / 0.15, _H100, "2026-11-24", 2.38, 0.15, "p = 4096"),
    DeviceRate("rhm_learning", 4, 7.0 / 13.6, _H100, "2026-11-24", 7.0, 13.6, "4 CNNs of width 64 at P = 4096"),
    DeviceRate("alpha_training", 6, 5.6 / 7.1, _H100, "2026-11-24", None, None,
               "5.6 ms against 7.1 ms per flow step of 6 networks of width 64, p = 512, float64"),
    DeviceRate("relative_stability", 1, 2.6, _H100, "2026-11-24", note="the ratio only was recorded"),
    DeviceRate("svc", 1, 1.5, _H100, "2026-11-24", note="p = 8192; the ratio only was recorded"),
    DeviceRate("sparse_rhm_learning", None, 1.2, _H100, "2026-11-24", note="the ratio only was recorded"),
)
"""The rows measured for the package (one NVIDIA H100, 2026-11-24, the quick suite's tasks)."""


@lru_cache(maxsize=8)
def _read(path: str, stamp: float) -> tuple[DeviceRate, ...]:
    try:
        rows = json.loads(Path(path).read_text())["rates"]
        return tuple(DeviceRate(**row) for row in rows)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{RATES_ENV}={path!r}: not a rates file written by benchmarks/device_kinds.py --write "
                         f"({type(exc).__name__}: {exc})") from None


def device_rates() -> tuple[DeviceRate, ...]:
    """The rates the rule uses: :data:`MEASURED`, with the kinds of the file named by ``SCALINGCHECK_DEVICE_RATES``
    (if set) replaced by that file's rows. ``ValueError`` naming the variable if the file cannot be read."""
    path = os.environ.get(RATES_ENV, "").strip()
    if not path:
        return MEASURED
    try:
        stamp = os.stat(path).st_mtime
    except OSError as exc:
        raise ValueError(f"{RATES_ENV}={path!r}: cannot read it ({exc.strerror})") from None
    own = _read(path, stamp)
    kinds = {rate.kind for rate in own}
    return tuple(rate for rate in MEASURED if rate.kind not in kinds) + own


def measured_rate(kind: str, batch: int, rates: tuple[DeviceRate, ...] | None = None) -> DeviceRate | None:
    """The measurement that stands for a task of `batch` runs of `kind`: that of the largest measured batch not
    above `batch` (the smallest measured batch when all are larger; a row whose batch was not recorded counts
    as any batch; the latest date among equals); ``None`` when `kind` was never measured."""
    rows = [rate for rate in (device_rates() if rates is None else rates) if rate.kind == kind]
    if not rows:
        return None
    below = [r for r in rows if r.batch is None or r.batch <= batch]
    if below:
        return max(below, key=lambda r: (r.batch or 0, r.date))
    return min(rows, key=lambda r: (r.batch, r.date))


def gpu_speedup(kind: str, batch: int, rates: tuple[DeviceRate, ...] | None = None) -> float | None:
    """The GPU's measured speed-up over one CPU thread for a task of `batch` runs of `kind`
    (:func:`measured_rate`); ``None`` when `kind` was never measured."""
    rate = measured_rate(kind, batch, rates)
    return None if rate is None else rate.speedup


def write_rates(path: str | os.PathLike, rates: list[DeviceRate]) -> None:
    """Write `rates` as the JSON file that ``SCALINGCHECK_DEVICE_RATES`` reads."""
    Path(path).write_text(json.dumps({"rates": [asdict(rate) for rate in rates]}, indent=1) + "\n")
