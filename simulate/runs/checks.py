"""The one set of parameter checks of the package: every check names the parameter and the allowed values.

Each function returns the value, converted to the plain Python or torch type
it stands for, or raises ``ValueError`` with one line such as
``"width=0 must be an integer >= 1"``. Integers accept numpy integers but not
booleans; numbers must be finite unless infinity is explicitly allowed.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Iterable

__all__ = [
    "check_int", "check_seed", "check_float", "check_bool", "check_choice", "check_dtype", "check_instance", "require",
]


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
        raise ValueError(f"{name}={value!r} must be an integer{bound}")
    return int(value)


def check_seed(value: Any, name: str = "seed") -> int:
    """A seed: a non-negative integer."""
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0):
        raise ValueError(f"{name}={value!r} must be a non-negative integer")
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
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)
    ok = ok and (math.isfinite(value) or (allow_inf and value == math.inf))
    ok = ok and (low is None or (value > low if low_open else value >= low))
    ok = ok and (high is None or (value < high if high_open else value <= high))
    if not ok:
        parts = []
        if low is not None:
            parts.append(f"{'>' if low_open else '>='} {low:g}")
        if high is not None:
            parts.append(f"{'<' if high_open else '<='} {high:g}")
        bounds = (" " + " and ".join(parts)) if parts else ""
        raise ValueError(f"{name}={value!r} must be a finite number{bounds}" + (" or inf" if allow_inf else ""))
    return float(value)


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name}={value!r} must be True or False")
    return value


def check_choice(value: Any, name: str, allowed: Iterable[Any]) -> Any:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValueError(f"{name}={value!r}; allowed: {', '.join(map(str, allowed))}")
    return value


def check_instance(value: Any, name: str, cls: type | tuple[type, ...], what: str) -> Any:
    """`value` must be an instance of `cls`; `what` says in words what is expected."""
    if not isinstance(value, cls):
        raise ValueError(f"{name} must be {what}, got {value!r}")
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
