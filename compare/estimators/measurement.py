"""Measurements: what an estimator returns, one type per kind of result.

Every measurement has a value, its confidence interval, how many points and
seeds it rests on, how it was obtained (``method``) and notes. The kinds:

* :class:`Exponent`: a slope (log-log: a power-law exponent; semi-log: a rate)
  fitted on a curve, with the curve, the fit window, the intercept and the
  local slopes between neighbouring points;
* :class:`Level`: a value averaged over seeds or over groups (a mean log-ratio,
  a gain), with the values it averages;
* :class:`Crossing`: where a curve crosses a threshold (a sample complexity
  P*), with the curve.

Each type is drawn its own way (:mod:`..plots`); ``to_dict`` and
:func:`measurement_from_dict` give a JSON round trip (``results.json``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Mapping

__all__ = ["Curve", "Measurement", "Exponent", "Level", "Crossing", "measurement_from_dict"]


@dataclass(frozen=True)
class Curve:
    """A curve over seeds: x values, mean and standard error of y, number of seeds per x."""

    x: tuple[float, ...]
    mean: tuple[float, ...]
    sem: tuple[float, ...]
    n: tuple[int, ...]

    @classmethod
    def empty(cls) -> "Curve":
        return cls((), (), (), ())

    def to_dict(self) -> dict[str, list[float]]:
        return {"x": list(self.x), "mean": list(self.mean), "sem": list(self.sem), "n": list(self.n)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> "Curve | None":
        if data is None:
            return None
        return cls(tuple(data["x"]), tuple(data["mean"]), tuple(data["sem"]), tuple(int(v) for v in data["n"]))


@dataclass(frozen=True)
class Measurement:
    """A measured value with its confidence interval and how it was obtained."""

    kind: ClassVar[str] = "measurement"

    value: float
    low: float
    high: float
    confidence: float
    n_points: int
    n_seeds: int
    method: str
    x_name: str
    y_name: str
    notes: tuple[str, ...] = ()
    min_points: int = 3
    """Fewest points (x values, or groups) the estimate needs to be judged."""

    @property
    def half_width(self) -> float:
        return 0.5 * (self.high - self.low)

    @property
    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.value, self.low, self.high))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Curve):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


@dataclass(frozen=True)
class Exponent(Measurement):
    """A fitted slope: ``y ~ x^slope`` (log-log) or ``y ~ exp(slope x)`` (semi-log, a rate).

    ``decay=True`` reports minus the slope (beta of ``eps ~ P^-beta``);
    ``semilog=True`` means the slope is d ln y / d x.
    """

    kind: ClassVar[str] = "exponent"

    window: tuple[float, float] = (0.0, math.inf)
    decay: bool = True
    semilog: bool = False
    intercept: float = math.nan
    local_slopes: tuple[float, ...] = ()
    curve: Curve | None = None

    def slope_of(self, exponent_value: float) -> float:
        """The slope of ln y that an exponent value means (-beta for a decay)."""
        return -exponent_value if self.decay else exponent_value


@dataclass(frozen=True)
class Level(Measurement):
    """A value averaged over seeds or groups; ``curve`` holds the values averaged (x: seed or group)."""

    kind: ClassVar[str] = "level"

    window: tuple[float, float] = (math.nan, math.nan)
    curve: Curve | None = None


@dataclass(frozen=True)
class Crossing(Measurement):
    """Where the seed-averaged curve first crosses ``threshold`` (value: the x there, e.g. P*)."""

    kind: ClassVar[str] = "crossing"

    threshold: float = math.nan
    window: tuple[float, float] = (math.nan, math.nan)
    curve: Curve | None = None


_TYPES: dict[str, type[Measurement]] = {t.kind: t for t in (Exponent, Level, Crossing)}


def measurement_from_dict(data: Mapping[str, Any] | None) -> Measurement | None:
    """Inverse of ``Measurement.to_dict`` (``None`` stays ``None``)."""
    if data is None:
        return None
    kind = data.get("type")
    if kind not in _TYPES:
        raise ValueError(f"unknown measurement type {kind!r}; known: {', '.join(_TYPES)}")
    cls = _TYPES[kind]
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "curve":
            value = Curve.from_dict(value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)
