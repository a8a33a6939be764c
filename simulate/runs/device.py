"""Devices and threads for torch computations: one rule for data, networks and specs alike.

``device=None`` everywhere means :func:`default_device`: CUDA when present,
else the CPU. A spec stores the device it was given (``None`` by default), so
that the same spec runs on whatever the machine has; its records say which
device ran them, and the device is not part of a run's key.

The environment variable ``SCALINGCHECK_DEVICE`` (``scalingcheck run
--device``; spawned workers inherit it) chooses where the specs with
``device=None`` run:

* ``auto`` (the default): CUDA when present, except for the tasks whose kind
  was measured slower on a GPU than on one CPU core at the batch size the
  sweep forms (:mod:`.device_rates`, from ``benchmarks/device_kinds.py``;
  a kind never measured goes to the GPU, and a spec class may decide for
  itself with ``gpu_gain = True`` or ``False``): those stay on the CPU;
* ``cpu``: every run on the CPU, GPU or not;
* ``cuda``: every run on the GPU (an error where there is none).

A spec whose ``device`` is set runs there whatever the variable says.
"""
from __future__ import annotations

import os
from typing import Any

import torch

__all__ = ["default_device", "resolve_device", "check_device", "set_threads", "device_mode", "spec_device",
           "device_type", "gains_on_gpu", "DEVICE_MODES", "DEVICE_ENV"]

DEVICE_ENV = "SCALINGCHECK_DEVICE"
"""The environment variable that chooses where specs with ``device=None`` run (see the module's text)."""
DEVICE_MODES = ("auto", "cpu", "cuda")


def device_mode() -> str:
    """``SCALINGCHECK_DEVICE`` ('auto' when unset); ``ValueError`` naming the allowed values otherwise."""
    mode = os.environ.get(DEVICE_ENV, "").strip().lower() or "auto"
    if mode not in DEVICE_MODES:
        raise ValueError(f"{DEVICE_ENV}={os.environ[DEVICE_ENV]!r} must be one of {', '.join(DEVICE_MODES)}")
    return mode


def default_device() -> torch.device:
    """CUDA when present, else CPU; ``SCALINGCHECK_DEVICE=cpu`` or ``cuda`` forces one (``cuda`` without
    CUDA is a ``ValueError``)."""
    mode = device_mode()
    if mode == "cpu":
        return torch.device("cpu")
    if mode == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{DEVICE_ENV}=cuda but CUDA is not available here; use 'auto' or 'cpu'")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def spec_device(spec: Any, batch: int = 1, *, cuda: bool | None = None) -> torch.device:
    """Where a task of `batch` runs of `spec` (computed together) executes: the spec's ``device`` when set;
    else :func:`default_device`, except that in 'auto' mode a task that does not gain from the GPU at that
    batch size (:func:`gains_on_gpu`) runs on the CPU.

    `cuda` says whether CUDA is present (None: ask torch); a plan for another machine passes it, and then
    nothing is checked against this one.
    """
    device = getattr(spec, "device", None)
    if device is not None:
        return resolve_device(device) if cuda is None else torch.device(device)
    mode = device_mode()
    if mode == "cpu":
        return torch.device("cpu")
    present = default_device().type == "cuda" if cuda is None else cuda  # (the error of 'cuda' mode without it)
    if not present:
        return torch.device("cpu")
    if mode == "auto" and not gains_on_gpu(spec, batch):
        return torch.device("cpu")
    return torch.device("cuda")


def device_type(spec: Any, batch: int = 1, *, cuda: bool | None = None) -> str:
    """``"cuda"`` or ``"cpu"``: where a task of `batch` runs of `spec` executes (:func:`spec_device`); a spec
    without a ``device`` field (numpy or counting kinds) always runs on the CPU."""
    if not hasattr(spec, "device"):
        return "cpu"
    return spec_device(spec, batch, cuda=cuda).type


def gains_on_gpu(spec: Any, batch: int = 1) -> bool:
    """Whether a task of `batch` runs of `spec` is faster on the GPU than on one CPU core: the spec class's
    ``gpu_gain`` when it sets one (True or False); else the measured speed-up of its kind at that batch size
    (:func:`.device_rates.gpu_speedup`) above 1; a kind never measured counts as gaining."""
    forced = getattr(spec, "gpu_gain", None)
    if forced is not None:
        return bool(forced)
    from .device_rates import gpu_speedup

    speedup = gpu_speedup(getattr(spec, "kind", type(spec).__name__), batch)
    return speedup is None or speedup > 1.0


def check_device(device: Any, name: str = "device") -> str | None:
    """A device as a spec stores it: ``None`` or a string naming a torch device ('cpu', 'cuda', 'cuda:1').

    Only the name is checked (a spec may be built on a machine without the device it will run on).
    """
    if device is None:
        return None
    if not isinstance(device, str):
        raise ValueError(f"{name}={device!r} must be None or a string such as 'cpu' or 'cuda'")
    try:
        torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"{name}={device!r} is not a torch device; use 'cpu' or 'cuda'") from exc
    return device


def resolve_device(device: str | torch.device | None) -> torch.device:
    """`None` -> `default_device()`; a string or device -> `torch.device`, validated.

    Raises ``ValueError`` for an unknown device string or CUDA asked for without CUDA.
    """
    if device is None:
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError, OverflowError) as exc:
        shown = repr(device) if len(repr(device)) <= 40 else repr(device)[:30] + "..."
        raise ValueError(f"device={shown} is not a torch device; use 'cpu' or 'cuda'") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but CUDA is not available; use 'cpu'")
    return dev


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads (default: all cores) and return the number set.

    Call once per worker process: several workers each using every core
    oversubscribe small machines badly.
    """
    if n is None:
        n = os.cpu_count() or 1
    n = max(1, int(n))
    torch.set_num_threads(n)
    return n
