"""The `Prediction` type: one theoretical statement, encoded symbolically.

A prediction carries its formula (a sympy expression), the symbols it takes
with their domains (sympy assumptions such as ``integer`` or ``positive``),
the conditions under which it is valid (sympy relations, checked on
evaluation), free-text validity notes that cannot be checked mechanically
("large bandwidth"), the paper it comes from (arXiv id) and a provenance tag.

Example
-------
>>> from theory.registry import get
>>> get("beta_lazy").evaluate(d=2)
0.5
"""
from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Mapping

import sympy as sp


class Provenance(str, enum.Enum):
    """Where a statement comes from (the tags of THEORY.md)."""

    PAPER = "paper"  # stated in the paper
    CODE = "code"  # how the authors' public code does it
    DERIVED = "derived"  # follows from the paper's mechanism by a scaling argument
    OPEN = "open"  # not known: the package does not predict it


class Relation(str, enum.Enum):
    """How the formula relates to the quantity it predicts."""

    EQUAL = "="  # the quantity equals the formula
    SCALES = "~"  # the quantity is proportional to the formula (prefactor not predicted)


_NEGATED = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!=", "!=": "=="}


def _fmt_number(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _side(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> str:
    """'m=9' for a symbol, 'v**(s-1)=8' for an expression, '8' for a number."""
    if expr.is_number:
        return _fmt_number(expr)
    value = _fmt_number(expr.subs(values))
    return f"{sp.sstr(expr)}={value}"


@dataclass(frozen=True)
class Prediction:
    """A closed-form theoretical prediction.

    Attributes
    ----------
    name:
        Registry key, e.g. ``"beta_lazy"``.
    quantity:
        What is predicted, in words (``"learning-curve exponent beta, eps ~ P^-beta"``).
    expr:
        The formula, a sympy expression; ``None`` for an [open] statement.
    relation:
        ``Relation.EQUAL`` (quantity = expr) or ``Relation.SCALES`` (quantity ~ expr).
    citation:
        arXiv identifier of the source paper.
    provenance:
        One of the THEORY.md tags.
    conditions:
        Sympy relations that the parameters must satisfy (``m <= v**(s - 1)``).
        Their free symbols become required parameters too.
    validity:
        Validity notes that cannot be checked from the parameters.
    substitutions:
        Derived symbols defined from the parameters, e.g. ``((d_perp, d - d_par),)``.
    notes, section:
        Free text; the THEORY.md section it belongs to.
    symbol, symbol_latex:
        Symbol of the predicted quantity for display (``beta``, ``\\beta``).
    latex_names:
        Optional LaTeX names for parameter symbols whose Python name is not
        its mathematical name, e.g. ``((ridge, r"\\lambda"),)``.
    """

    name: str
    quantity: str
    expr: sp.Expr | None
    citation: str
    provenance: Provenance
    relation: Relation = Relation.EQUAL
    conditions: tuple[sp.Basic, ...] = ()
    validity: tuple[str, ...] = ()
    substitutions: tuple[tuple[sp.Symbol, sp.Expr], ...] = ()
    notes: str = ""
    section: str = ""
    symbol: str = ""
    symbol_latex: str = ""
    latex_names: tuple[tuple[sp.Symbol, str], ...] = ()

    # ------------------------------------------------------------------ symbols
    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The symbols a caller must give to `evaluate`, sorted by name."""
        if self.expr is None:
            return ()
        derived = {s for s, _ in self.substitutions}
        free = set(self.expr.free_symbols)
        for _, e in self.substitutions:
            free |= e.free_symbols
        for c in self.conditions:
            free |= c.free_symbols
        return tuple(sorted(free - derived, key=lambda s: s.name))

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.parameters)

    def full_expr(self) -> sp.Expr:
        """The formula with derived symbols replaced by their definitions."""
        self._require_formula()
        return self.expr.subs(dict(self.substitutions))

    # --------------------------------------------------------------- evaluation
    def evaluate(self, **params: float) -> float:
        """Evaluate the formula at the given parameters.

        Raises
        ------
        ValueError
            If a parameter is missing or unknown, lies outside its symbol's
            domain (e.g. a non-integer ``d``), or violates a validity condition
            (the message names it, e.g. ``m=9 > v**(s-1)=8``).
        """
        self._require_formula()
        values = self.check(**params)
        result = self.full_expr().subs(values)
        try:
            out = float(sp.N(result, 30))
        except TypeError as exc:  # complex or symbolic leftovers
            raise ValueError(f"{self.name}: formula does not evaluate to a real number at {params}") from exc
        if not math.isfinite(out):
            raise ValueError(f"{self.name}: formula is not finite at {params}")
        return out

    def check(self, **params: float) -> dict[sp.Symbol, sp.Basic]:
        """Validate parameters; return them as a sympy substitution dict."""
        allowed = self.parameter_names
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(
                f"{self.name}: unknown parameter(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(allowed) or '(none)'}"
            )
        missing = [n for n in allowed if n not in params]
        if missing:
            raise ValueError(
                f"{self.name}: missing parameter(s) {', '.join(missing)}; required: {', '.join(allowed)}"
            )
        values: dict[sp.Symbol, sp.Basic] = {}
        for sym in self.parameters:
            values[sym] = _to_sympy(sym, params[sym.name], self.name)
        values_all = dict(values)
        for sym, e in self.substitutions:
            values_all[sym] = e.subs(values)
        for cond in self.conditions:
            for part in _conjuncts(cond):
                ok = part.subs(values_all)
                if ok is sp.false or ok == False:  # noqa: E712  (sympy booleans)
                    raise ValueError(f"{self.name}: {self._violation(part, values_all)}")
        return values

    def _violation(self, rel: sp.Basic, values: Mapping[sp.Symbol, sp.Basic]) -> str:
        if isinstance(rel, sp.core.relational.Relational):
            op = _NEGATED.get(rel.rel_op, "violates")
            return (
                f"{_side(rel.lhs, values)} {op} {_side(rel.rhs, values)} "
                f"(requires {sp.sstr(rel)})"
            )
        return f"condition {sp.sstr(rel)} is violated"

    def _require_formula(self) -> None:
        if self.expr is None:
            raise ValueError(
                f"{self.name}: this statement is tagged [open]: the theory makes no prediction here"
            )

    # ---------------------------------------------------------------- rendering
    def latex(self) -> str:
        """LaTeX of the statement, e.g. ``\\beta = \\frac{d}{3 d - 2}``."""
        self._require_formula()
        rel = r"=" if self.relation is Relation.EQUAL else r"\sim"
        body = sp.latex(self.expr, symbol_names=dict(self.latex_names)) if self.latex_names else sp.latex(self.expr)
        return f"{self.lhs_latex} {rel} {body}"

    def text(self) -> str:
        """Plain-text formula, e.g. ``beta = d/(3*d - 2)``."""
        if self.expr is None:
            return f"{self.name}: [open]"
        return f"{self.lhs} {self.relation.value} {sp.sstr(self.expr)}"

    @property
    def lhs(self) -> str:
        """Symbol of the predicted quantity (``beta``), the name if none was given."""
        return self.symbol or self.name

    @property
    def lhs_latex(self) -> str:
        if self.symbol_latex:
            return self.symbol_latex
        return r"\mathrm{" + self.lhs.replace("_", r"\_") + "}"

    def describe(self) -> str:
        """Multi-line human description: formula, parameters, conditions, provenance."""
        lines = [f"{self.name}: {self.quantity}"]
        if self.expr is not None:
            lines.append(f"  formula : {self.text()}")
            lines.append(f"  latex   : {self.latex()}")
            for s, e in self.substitutions:
                lines.append(f"  where   : {s} = {sp.sstr(e)}")
            lines.append(f"  params  : {', '.join(_describe_symbol(s) for s in self.parameters)}")
        for c in self.conditions:
            lines.append(f"  requires: {sp.sstr(c)}")
        for v in self.validity:
            lines.append(f"  valid   : {v}")
        lines.append(f"  source  : arXiv:{self.citation} [{self.provenance.value}]")
        if self.notes:
            lines.append(f"  note    : {self.notes}")
        return "\n".join(lines)


def _describe_symbol(sym: sp.Symbol) -> str:
    a = sym.assumptions0
    tags = [k for k in ("integer", "positive") if a.get(k)]
    if a.get("nonnegative") and not a.get("positive"):
        tags.append("nonnegative")
    return f"{sym.name} ({', '.join(tags)})" if tags else sym.name


def _conjuncts(cond: sp.Basic) -> tuple[sp.Basic, ...]:
    return tuple(cond.args) if isinstance(cond, sp.And) else (cond,)


def _to_sympy(sym: sp.Symbol, value: float, name: str) -> sp.Basic:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: parameter {sym.name}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: parameter {sym.name}={value!r} must be finite")
    a = sym.assumptions0
    if a.get("integer") and not number.is_integer():
        raise ValueError(f"{name}: parameter {sym.name}={value!r} must be an integer")
    if a.get("positive") and not number > 0:
        raise ValueError(f"{name}: parameter {sym.name}={value!r} must be > 0")
    if a.get("nonnegative") and not number >= 0:
        raise ValueError(f"{name}: parameter {sym.name}={value!r} must be >= 0")
    if a.get("integer"):
        return sp.Integer(int(number))
    return sp.Rational(str(value)) if isinstance(value, (int, str)) else sp.Float(number, 30)


def symbols(names: str, **assumptions) -> tuple[sp.Symbol, ...] | sp.Symbol:
    """`sympy.symbols` with the given assumptions (convenience for the registry)."""
    return sp.symbols(names, **assumptions)


__all__ = ["Prediction", "Provenance", "Relation", "symbols"]
