"""Targets: the predicted side of a claim.

A registry prediction is evaluated as the estimator needs it, never retyped:

* :class:`ClosedForm`: its value at fixed parameters;
* :class:`ScalingExponent`: its logarithmic derivative d ln f / d ln g in a
  parameter, or in an expression g of one parameter (``"s0 + 1"``): the
  exponent a log-log fit measures;
* :class:`Rate`: its derivative d ln f / d x on a semi-log scale (for
  ``D_k ~ F^-k``, d ln D / dk = -ln F): the rate a :class:`RateFit` measures;
* :class:`Ratio`: the ratio of two registry formulas (or of one at two
  parameter sets), optionally as a logarithm.

Besides, :class:`SpectralBiasExponent` computes a numerical prediction (the
eigenlearning curve of a measured kernel spectrum; Tomasini, Sclocchi, Wyart,
arXiv:2202.03348), and :class:`Constant` states a value a paper gives in words
(no formula in the registry, e.g. "the final NTK beats the initial one").
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import sympy as sp

from ..simulate.runs.spec import Spec
from ..simulate.runs.store import Store
from ..theory.eigenlearning import learning_curve
from ..theory.prediction import Prediction
from ..theory.registry import get
from .estimators.slope import loglog_slope

__all__ = ["Target", "ClosedForm", "ScalingExponent", "Rate", "Ratio", "SpectralBiasExponent", "Constant"]

Params = tuple[tuple[str, float], ...]


class Target(Protocol):
    """What a claim compares the measurement with (closed form or numerical theory)."""

    def runs(self) -> list[tuple[Spec, int]]: ...
    def value(self, store: Store | None) -> float: ...
    def describe(self) -> str: ...
    @property
    def provenance(self) -> str: ...
    @property
    def citation(self) -> str: ...


def _args(params: Params) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in params)


class _RegistryTarget:
    """Shared part of targets backed by a registry prediction (field ``name``): no runs needed."""

    name: str
    params: Params

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

    def _symbols(self) -> dict[str, sp.Symbol]:
        return {s.name: s for s in self.prediction.parameters}

    def _check_known(self, names) -> None:
        unknown = sorted(set(names) - set(self._symbols()))
        if unknown:
            raise ValueError(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; "
                             f"parameters: {', '.join(self._symbols())}")

    def _at_params(self, expr: sp.Expr, what: str) -> float:
        """`expr` with `params` substituted, as a float; every free symbol must be given."""
        params = dict(self.params)
        self._check_known(params)
        symbols = {s.name: s for s in expr.free_symbols}
        expr = expr.subs({symbols[k]: v for k, v in params.items() if k in symbols})
        if expr.free_symbols:
            names = ", ".join(sorted(s.name for s in expr.free_symbols))
            raise ValueError(f"the {what} of {self.name} depends on {names}: give them in params")
        return float(expr)


@dataclass(frozen=True)
class ClosedForm(_RegistryTarget):
    """Registry prediction `name` evaluated at `params` (a tuple of (name, value) pairs)."""

    name: str
    params: Params

    @classmethod
    def of(cls, name: str, **params: float) -> "ClosedForm":
        target = cls(name, tuple(sorted(params.items())))
        target.value(None)  # validate now: unknown name or bad parameters fail at construction
        return target

    def value(self, store: Store | None) -> float:
        return self.prediction.evaluate(**dict(self.params))

    def describe(self) -> str:
        return f"{self.name}({_args(self.params)}): {self.prediction.text()}"


def _variable(prediction: Prediction, wrt: str) -> tuple[sp.Expr, sp.Symbol]:
    """`wrt` (a parameter name or an expression of one parameter) as a sympy expression and that parameter."""
    symbols = {s.name: s for s in prediction.parameters}
    if wrt in symbols:
        return symbols[wrt], symbols[wrt]
    try:
        expr = sp.sympify(wrt, locals=symbols)
    except (sp.SympifyError, SyntaxError, TypeError) as exc:
        raise ValueError(f"wrt={wrt!r} is neither a parameter of {prediction.name} nor an expression of one; "
                         f"parameters: {', '.join(symbols)}") from exc
    free = [s for s in expr.free_symbols if s in set(symbols.values())]
    if len(free) != 1 or expr.free_symbols - set(symbols.values()):
        raise ValueError(f"wrt={wrt!r} must be a parameter of {prediction.name} or an expression of exactly one "
                         f"of its parameters ({', '.join(symbols)})")
    return expr, free[0]


class _Derivative(_RegistryTarget):
    """A derivative of a registry formula in `wrt`, taken by sympy (``_symbolic``), evaluated at `params`."""

    name: str
    wrt: str
    params: Params
    what: str = "derivative"

    @classmethod
    def of(cls, name: str, wrt: str, **params: float):
        """The target, validated now (unknown name, parameter or a missing value fail at construction)."""
        target = cls(name, wrt, tuple(sorted(params.items())))
        target.value(None)
        return target

    def _symbolic(self) -> sp.Expr:  # pragma: no cover - interface
        raise NotImplementedError

    def value(self, store: Store | None) -> float:
        return self._at_params(self._symbolic(), f"{self.what} in {self.wrt}")


@dataclass(frozen=True)
class ScalingExponent(_Derivative):
    """Exponent of registry prediction `name` with respect to `wrt`: d ln f / d ln wrt.

    `wrt` is a parameter (``"m"``: ``n_c m^L`` gives L) or an expression of one
    parameter q (``"s0 + 1"``: ``(s0+1)^L n_c m^L`` gives L), computed by the
    chain rule (q f'/f) / (q g'/g) and simplified by sympy, then evaluated at
    `params` (which must fix every symbol it still depends on; fixing `wrt`
    itself gives the local exponent there, for a law that is not a pure power).
    """

    name: str
    wrt: str
    params: Params
    what = "exponent"

    def _symbolic(self) -> sp.Expr:
        pred = self.prediction
        expr = pred.full_expr()
        g, q = _variable(pred, self.wrt)
        exponent = q * sp.diff(expr, q) / expr
        if g != q:
            exponent = exponent / (q * sp.diff(g, q) / g)
        return sp.simplify(exponent)

    def describe(self) -> str:
        wrt = self.wrt if self.wrt in self._symbols() else f"({self.wrt})"
        return f"d log({self.prediction.text()}) / d log {wrt} = {self._symbolic()} at {_args(self.params)}"


@dataclass(frozen=True)
class Rate(_Derivative):
    """Rate of registry prediction `name` in the parameter `wrt` on a semi-log scale: d ln f / d wrt.

    ``pooling_diffeo_strided = F^-k`` in k gives -ln F: the slope of ln D_k against k. Where the
    rate depends on `wrt` (``1/k``: -1/k), `params` must fix it: the local rate there.
    """

    name: str
    wrt: str
    params: Params
    what = "rate"

    def _symbolic(self) -> sp.Expr:
        pred = self.prediction
        symbols = {s.name: s for s in pred.parameters}
        if self.wrt not in symbols:
            raise ValueError(f"{self.name} has no parameter {self.wrt!r}; parameters: {', '.join(symbols)}")
        expr = pred.full_expr()
        return sp.simplify(sp.diff(sp.log(expr), symbols[self.wrt]))

    def describe(self) -> str:
        return f"d ln({self.prediction.text()}) / d {self.wrt} = {self._symbolic()} at {_args(self.params)}"


@dataclass(frozen=True)
class Ratio:
    """``numerator(params_num) / denominator(params_den)`` of two registry predictions (log_base: its logarithm).

    Each side takes the parameters it knows from its own tuple. Provenance is
    the weaker of the two tags (open < derived < code < paper < exact).
    """

    numerator: ClosedForm
    denominator: ClosedForm
    log_base: float | None = None

    @classmethod
    def of(cls, numerator: str, denominator: str, params: dict[str, float],
           denominator_params: dict[str, float] | None = None, log_base: float | None = None) -> "Ratio":
        den = params if denominator_params is None else denominator_params

        def side(name: str, values: dict[str, float]) -> ClosedForm:
            known = set(get(name).parameter_names)
            return ClosedForm.of(name, **{k: v for k, v in values.items() if k in known})

        if log_base is not None and not (log_base > 0 and log_base != 1):
            raise ValueError(f"log_base={log_base!r} must be > 0 and != 1 (or None for the plain ratio)")
        target = cls(side(numerator, params), side(denominator, den), log_base)
        target.value(None)
        return target

    def runs(self) -> list[tuple[Spec, int]]:
        return []

    def value(self, store: Store | None) -> float:
        ratio = self.numerator.value(store) / self.denominator.value(store)
        if self.log_base is None:
            return ratio
        if not ratio > 0:
            raise ValueError(f"the ratio {ratio:g} has no logarithm")
        return math.log(ratio) / math.log(self.log_base)

    def describe(self) -> str:
        body = f"{self.numerator.describe()} / {self.denominator.describe()}"
        return body if self.log_base is None else f"log_{self.log_base:g} of [{body}]"

    @property
    def provenance(self) -> str:
        order = ("open", "derived", "code", "paper", "exact")
        return min(self.numerator.provenance, self.denominator.provenance, key=order.index)

    @property
    def citation(self) -> str:
        cites = dict.fromkeys((self.numerator.citation, self.denominator.citation))
        return ", ".join(cites)


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
            raise ValueError("spectrum must be a spec with a sample size field n (e.g. SpectrumSpec)")
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
