"""Values shown in messages: one helper that the theory and simulate layers both use (it imports neither)."""
from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["show"]


def show(value: Any) -> str:
    """``repr(value)``, shortened when long (a 400-digit integer is shown by its first and last digits)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if int(value).bit_length() > 4000:  # str() of a huge integer is slow (and refused past 4300 digits)
            return f"{'-' if value < 0 else ''}2**{math.log2(abs(int(value))):.6g}"
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:6]}...{text[-4:]} ({len(text.lstrip('-'))} digits)"
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + "..."
