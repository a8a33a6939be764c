"""The one set of parameter checks of the package: every check names the parameter and the allowed values.

Each function returns the value, converted to the plain Python or torch type
it stands for, or raises ``ValueError`` with one line such as
``"width=0 must be an integer >= 1"``. Integers accept numpy integers but not
booleans; numbers must be finite unless infinity is explicitly allowed.

Sizes: :func:`check_size` bounds a size (a dimension, a width, a depth) so
that the arithmetic on it stays cheap, :func:`check_memory` refuses a request
whose memory exceeds what the machine has available, and :func:`check_finite`
refuses arrays holding NaN or infinity.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

__all__ = [
    "check_int", "check_seed", "check_float", "check_bool", "check_choice", "check_dtype", "check_instance", "require",
    "check_size", "check_finite", "check_memory", "available_memory", "show", "MAX_SIZE", "MAX_DEPTH",
]

MAX_SIZE = 2**31 - 1
"""The largest size (input dimension, width, count) a parameter may take; a larger one could not be held in memory."""
MAX_DEPTH = 1024
"""The largest number of layers (or blocks) of a network."""


def show(value: Any) -> str:
    """``repr(value)``, shortened when long (a 400-digit integer is shown by its first and last digits)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if int(value).bit_length() > 4000:  # str() of a huge integer is slow (and refused past 4300 digits)
            return f"{'-' if value < 0 else ''}2**{math.log2(abs(int(value))):.6g}"
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:6]}...{text[-4:]} ({len(text.lstrip('-'))} digits)"
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + "..."


def check_int(value: Any, name: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """`value` as an int; it must be an integer (not a bool) within [minimum, maximum] (either bound optional)."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    ok = ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        if minimum is not None and maximum is not None:
            bound = f" with {minimum} <= {name} <= {maximum}"
        elif minimum is not None:
            bound = f" >= {minimum}"
        elif maximum is not None:
            bound = f" <= {maximum}"
        else:
            bound = ""
        raise ValueError(f"{name}={show(value)} must be an integer{bound}")
    return int(value)


def check_seed(value: Any, name: str = "seed") -> int:
    """A seed: a non-negative integer below 2**64 (what ``torch.Generator.manual_seed`` takes)."""
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 <= value < 2**64):
        raise ValueError(f"{name}={show(value)} must be a non-negative integer < 2**64")
    return int(value)


def check_float(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    allow_inf: bool = False,
) -> float:
    """`value` as a float: a real number (not a bool), finite unless `allow_inf`, within the stated bounds."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        try:
            as_float = float(value)
        except (OverflowError, TypeError, ValueError):  # an integer beyond the float range
            ok = False
    ok = ok and not math.isnan(as_float) and (math.isfinite(as_float) or (allow_inf and as_float == math.inf))
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        bounds = (" " + " and ".join(parts)) if parts else ""
        raise ValueError(f"{name}={show(value)} must be a finite number{bounds}" + (" or inf" if allow_inf else ""))
    return float(value)


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name}={show(value)} must be True or False")
    return value


def check_choice(value: Any, name: str, allowed: Iterable[Any]) -> Any:
    """`value` must equal one of `allowed`, and be of its kind (not True for 1, not 2.0 for 2)."""
    allowed = tuple(allowed)

    def matches(a: Any) -> bool:
        if value is a:
            return True
        if isinstance(value, bool) != isinstance(a, bool):
            return False
        if isinstance(a, numbers.Integral) and not isinstance(value, numbers.Integral):
            return False
        try:
            return bool(value == a)
        except Exception:  # noqa: BLE001 - a value that cannot be compared (an array) is no choice
            return False

    if not any(matches(a) for a in allowed):
        raise ValueError(f"{name}={show(value)}; allowed: {', '.join(map(str, allowed))}")
    return value


def check_instance(value: Any, name: str, cls: type | tuple[type, ...], what: str) -> Any:
    """`value` must be an instance of `cls`; `what` says in words what is expected."""
    if not isinstance(value, cls):
        raise ValueError(f"{name} must be {what}, got {show(value)}")
    return value


def check_dtype(dtype: Any, name: str = "dtype"):
    """A floating torch dtype."""
    import torch

    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"{name}={dtype!r} must be a floating torch dtype (torch.float32 or torch.float64)")
    return dtype


def require(condition: bool, message: str) -> None:
    """Raise ``ValueError(message)`` unless `condition` (checks that relate several parameters)."""
    if not condition:
        raise ValueError(message)


def check_size(value: Any, name: str, minimum: int = 1, maximum: int = MAX_SIZE) -> int:
    """A size: an integer >= `minimum` (the message of :func:`check_int`) and <= `maximum`."""
    value = check_int(value, name, minimum)
    if value > maximum:
        raise ValueError(f"{name}={show(value)} is too large: it must be an integer <= {maximum}")
    return value


def check_finite(values: Any, name: str) -> Any:
    """`values` (a torch tensor, numpy array or number) unchanged; ``ValueError`` if it holds NaN or infinity."""
    import numpy as np
    import torch

    # The sum first: NaN and infinity propagate through it, and one reduction is far cheaper than an
    # elementwise mask (a 4096 x 4096 Gram matrix: 8 ms against 100 ms). Only a non-finite sum (a NaN, an
    # infinity, or finite values whose sum overflows) is followed by the elementwise count.
    if isinstance(values, torch.Tensor):
        bad = 0
        if (values.is_floating_point() or values.is_complex()) and not bool(torch.isfinite(values.sum())):
            bad = int((~torch.isfinite(values)).sum())
    else:
        arr = np.asarray(values)
        bad = 0
        with np.errstate(over="ignore", invalid="ignore"):
            total = arr.sum() if arr.dtype.kind in "fc" else 0.0
        if not np.isfinite(total):
            bad = int((~np.isfinite(arr)).sum())
    if bad:
        raise ValueError(f"{name} must be finite: it holds {bad} NaN or infinite value(s)")
    return values


def available_memory(device: Any = None) -> int:
    """Bytes of memory available now: on the CPU (psutil, else ``os.sysconf``), or free on a CUDA device."""
    import torch

    if device is not None and torch.device(device).type == "cuda":
        free, _ = torch.cuda.mem_get_info(torch.device(device))
        return int(free + torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device))
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is optional
        import os

        try:
            return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return 2**63 - 1  # unknown: refuse nothing


def _gib(nbytes: int) -> str:
    if nbytes >= 2**1000:
        return f"2**{math.log2(nbytes) - 30:.4g} GiB"
    return f"{nbytes / 2**30:.3g} GiB"


def check_memory(nbytes: Any, message: str, device: Any = None) -> None:
    """``ValueError`` when `nbytes` (an estimate of what a request allocates) exceeds the available memory.

    `message` says what is asked, naming the parameter (``"n=10**9 samples of d=1000 coordinates"``);
    the error reads ``"<message> need about 7.45 GiB, more than the 3.2 GiB of memory available"``.
    On a CUDA `device` both the CPU and the device must hold it.
    """
    nbytes = int(nbytes)
    devices = [None] if device is None or str(device).startswith("cpu") else [None, device]
    for dev in devices:
        available = available_memory(dev)
        if nbytes > available:
            where = "" if dev is None else f" on {dev}"
            raise ValueError(f"{message} need about {_gib(nbytes)}, more than the {_gib(available)} of memory "
                             f"available{where}")
