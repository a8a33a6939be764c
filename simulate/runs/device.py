"""Device, dtype and thread settings for torch computations."""
from __future__ import annotations

import os

import torch


def default_device() -> torch.device:
    """CUDA when present, else CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    """`None` -> `default_device()`; a string or device -> `torch.device`, validated.

    Raises ``ValueError`` for an unknown device string or CUDA asked for without CUDA.
    """
    if device is None:
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device; use 'cpu' or 'cuda'") from exc
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
