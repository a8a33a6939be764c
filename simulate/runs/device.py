"""Devices and threads for torch computations: one rule for data, networks and specs alike.

``device=None`` everywhere means :func:`default_device`: CUDA when present,
else the CPU. A spec stores the device it was given (``None`` by default), so
that the same spec runs on whatever the machine has; its records say which
device ran them.
"""
from __future__ import annotations

import os
from typing import Any

import torch

__all__ = ["default_device", "resolve_device", "check_device", "set_threads"]


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
