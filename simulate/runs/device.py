"""Devices and threads for torch computations: one rule for data, networks and specs alike.

``device=None`` everywhere means :func:`default_device`: CUDA when present,
else the CPU. A spec stores the device it was given (``None`` by default), so
that the same spec runs on whatever the machine has; its records say which
device ran them, and the device is not part of a run's key.

The environment variable ``SCALINGCHECK_DEVICE`` (``scalingcheck run
--device``; spawned workers inherit it) chooses where the specs with
``device=None`` run:

* ``auto`` (the default): CUDA when present, except for the kinds whose
  runs are slower on a GPU than on one CPU core (``Spec.gpu_gain = False``,
  from ``benchmarks/device_kinds.py``): those stay on the CPU;
* ``cpu``: every run on the CPU, GPU or not;
* ``cuda``: every run on the GPU (an error where there is none).

A spec whose ``device`` is set runs there whatever the variable says.
"""
from __future__ import annotations

import os
from typing import Any

import torch

__all__ = ["default_device", "resolve_device", "check_device", "set_threads", "device_mode", "spec_device",
           "DEVICE_MODES", "DEVICE_ENV"]

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


def spec_device(spec: Any) -> torch.device:
    """Where a spec's runs execute: its ``device`` when set; else :func:`default_device`, except that in
    'auto' mode a kind slower on a GPU than on one core (``gpu_gain = False``) runs on the CPU."""
    device = getattr(spec, "device", None)
    if device is not None:
        return resolve_device(device)
    if device_mode() == "auto" and not getattr(spec, "gpu_gain", True):
        return torch.device("cpu")
    return default_device()


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
