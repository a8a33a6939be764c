"""Targets: the predicted side of a claim.

* :class:`ClosedForm`: a registry prediction evaluated at fixed parameters.
* :class:`SpectralBiasExponent`: the exponent of the numerical spectral-bias
  (eigenlearning) learning curve, computed from a kernel spectrum that is
  itself estimated by a simulation run (Tomasini, Sclocchi, Wyart,
  arXiv:2202.03348).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..simulate.runs.spec import Spec
from ..simulate.runs.store import Store
from ..theory.eigenlearning import learning_curve
from ..theory.prediction import Prediction
from ..theory.registry import get

from .estimators.power_law import loglog_slope


class _RegistryTarget:
    """Shared part of targets backed by a registry prediction (field ``name``): no runs needed."""

    name: str

    @property
    def prediction(self) -> Prediction:
        return get(self.name)

    def runs(self) -> list[tuple[Spec, int]]:
        return []

    @property
    def provenance(self) -> str:
        return self.prediction.provenance.value

    @property
    def citation(self) -> str:
        return self.prediction.citation


@dataclass(frozen=True)
class ClosedForm(_RegistryTarget):
    """Registry prediction `name` evaluated at `params` (a tuple of (name, value) pairs)."""

    name: str
    params: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, name: str, **params: float) -> "ClosedForm":
        target = cls(name, tuple(sorted(params.items())))
        target.value(None)  # validate now: unknown name or bad parameters fail at construction
        return target

    def value(self, store: Store | None) -> float:
        return self.prediction.evaluate(**dict(self.params))

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"{self.name}({args}): {self.prediction.text()}"


@dataclass(frozen=True)
class SpectralBiasExponent:
    """Decay exponent of the eigenlearning prediction of the KRR test error.

    The kernel spectrum (eigenvalues and target coefficients) comes from the
    run ``(spectrum, seed)``; the predicted error is evaluated at the training
    set sizes `ps` with ridge `ridge`, and a log-log least-squares fit over
    them gives the exponent beta (``eps ~ P^-beta``).
    """

    spectrum: Spec
    ps: tuple[int, ...]
    ridge: float = 0.0
    seed: int = 0

    MAX_P_FRACTION = 1 / 16
    """Largest P / n allowed. Eigenlearning on an n-point Nystrom spectrum is the
    theory of a finite population of n points: its curve bends down as P
    approaches n. Measured on the depleted stripe (d=2, chi=0, Laplace): the
    predicted error at P = n/16 moves by about 5% when n is doubled from 4096
    to 8192, at P = n/4 by about 20%."""

    def __post_init__(self) -> None:
        n = getattr(self.spectrum, "n", None)
        if n is None:
            raise ValueError("spectrum must be a spec with a sample size field n (e.g. simulate.spectrum.SpectrumSpec)")
        if len(self.ps) < 2:
            raise ValueError(f"ps={self.ps} must hold at least two training-set sizes")
        if max(self.ps) > n * self.MAX_P_FRACTION:
            raise ValueError(
                f"ps up to {max(self.ps)} exceed n/16 = {n / 16:g} for a spectrum of n={n} points; "
                "use a larger spectrum n or smaller ps"
            )

    def runs(self) -> list[tuple[Spec, int]]:
        return [(self.spectrum, self.seed)]

    def _curve(self, store: Store) -> np.ndarray:
        rec = store.get(self.spectrum.key(self.seed))
        if rec is None:
            raise ValueError("the spectrum run is not in the store; evaluate the claim with compute=True")
        return learning_curve(np.asarray(rec["eigenvalues"]), np.asarray(rec["coefficients"]), np.asarray(self.ps), ridge=self.ridge)

    def value(self, store: Store) -> float:
        slope, _ = loglog_slope(self.ps, self._curve(store))
        return -slope

    def curve(self, store: Store) -> dict[str, Any]:
        """The predicted curve itself, for plots and the JSON report."""
        return {"x": [float(p) for p in self.ps], "y": [float(v) for v in self._curve(store)], "label": "spectral bias (eigenlearning)"}

    def describe(self) -> str:
        n = getattr(self.spectrum, "n", "?")
        return f"eigenlearning exponent from a Nystrom spectrum (n={n}), ridge={self.ridge:g}, P in [{min(self.ps)}, {max(self.ps)}]"

    @property
    def provenance(self) -> str:
        return "paper"

    @property
    def citation(self) -> str:
        return "2202.03348"


@dataclass(frozen=True)
class ScalingExponent(_RegistryTarget):
    """Exponent of registry prediction `name` with respect to one of its parameters.

    The logarithmic derivative d log(expr) / d log(wrt), taken by sympy and
    evaluated at `params` (e.g. ``n_c m^L`` with respect to ``m`` is ``L``).
    """

    name: str
    wrt: str
    params: tuple[tuple[str, float], ...]

    @classmethod
    def of(cls, name: str, wrt: str, **params: float) -> "ScalingExponent":
        target = cls(name, wrt, tuple(sorted(params.items())))
        target.value(None)  # validate now
        return target

    def _symbolic(self):
        import sympy as sp

        pred = self.prediction
        expr = pred.full_expr()
        symbols = {s.name: s for s in pred.parameters}
        if self.wrt not in symbols:
            raise ValueError(f"{self.name} has no parameter {self.wrt!r}; parameters: {', '.join(symbols)}")
        x = symbols[self.wrt]
        return sp.simplify(x * sp.diff(expr, x) / expr)

    def value(self, store: Store | None) -> float:
        params = dict(self.params)
        if self.wrt in params:
            raise ValueError(f"params must not fix {self.wrt!r}, the parameter the exponent is taken against")
        exponent = self._symbolic()
        symbols = {s.name: s for s in exponent.free_symbols}
        unknown = sorted(set(params) - {s.name for s in self.prediction.parameters})
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}")
        exponent = exponent.subs({symbols[k]: v for k, v in params.items() if k in symbols})
        if exponent.free_symbols:
            names = ", ".join(sorted(s.name for s in exponent.free_symbols))
            raise ValueError(f"the exponent of {self.name} in {self.wrt} depends on {names}: give them in params")
        return float(exponent)

    def describe(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params)
        return f"d log({self.prediction.text()}) / d log {self.wrt} = {self._symbolic()} at {args}"


@dataclass(frozen=True)
class Constant:
    """A predicted value stated in words by a paper (no formula in the registry)."""

    number: float
    statement: str
    provenance: str
    citation: str

    def runs(self) -> list[tuple[Spec, int]]:
        return []

    def value(self, store: Store | None) -> float:
        return float(self.number)

    def describe(self) -> str:
        return self.statement
