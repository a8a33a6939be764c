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
import re
import numbers
import sys
from dataclasses import dataclass
from typing import Mapping, NamedTuple

import sympy as sp


class Provenance(str, enum.Enum):
    """Where a statement comes from (the tags of docs/science.md)."""

    PAPER = "paper"  # stated in the paper
    CODE = "code"  # how the authors' public code does it
    DERIVED = "derived"  # follows from the paper's mechanism by a scaling argument
    OPEN = "open"  # not known: the package does not predict it
    EXACT = "exact"  # computed exactly from the model's own definition (a finite sum, no approximation)


class Relation(str, enum.Enum):
    """How the formula relates to the quantity it predicts."""

    EQUAL = "="  # the quantity equals the formula
    SCALES = "~"  # the quantity is proportional to the formula (prefactor not predicted)


_NEGATED = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!=", "!=": "=="}


def cite(reference: str) -> str:
    """A citation for display: ``arXiv:ID`` for an arXiv identifier, any other reference (a book, a DOI) as given."""
    return f"arXiv:{reference}" if re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", str(reference)) else str(reference)


def _fmt_number(value: float) -> str:
    try:
        value = float(value)
    except (OverflowError, TypeError):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _side(expr: sp.Expr, values: Mapping[sp.Symbol, float]) -> str:
    """'m=9' for a symbol, 'v**(s-1)=8' for an expression, '8' for a number."""
    if expr.is_number:
        return _fmt_number(expr)
    estimate = _estimate(expr, values)
    if estimate is not None and estimate.expensive:
        value = f"~1e{estimate.log10:.6g}" if estimate.sign else "0"
    else:
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
        One of the docs/science.md tags.
    conditions:
        Sympy relations that the parameters must satisfy (``m <= v**(s - 1)``).
        Their free symbols become required parameters too.
    validity:
        Validity notes that cannot be checked from the parameters.
    substitutions:
        Derived symbols defined from the parameters, e.g. ``((d_perp, d - d_par),)``.
    notes, section:
        Free text; the docs/science.md section it belongs to.
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
            If a parameter is missing or unknown, is not a real number (a bool
            or a string), lies outside its symbol's domain (e.g. a non-integer
            ``d``), violates a validity condition (the message names it, e.g.
            ``m=9 > v**(s-1)=8``), or if the value is not a finite float
            (it exceeds the float range, or underflows to 0). Huge values are
            detected from a cheap estimate of their magnitude, before any
            exact arithmetic.
        """
        self._require_formula()
        values = self.check(**params)
        expr = self.full_expr()
        shown = _show_params(params)
        estimate = _estimate(expr, values)
        if estimate is not None and estimate.expensive:
            return self._evaluate_large(expr, values, estimate, shown)
        result = expr.subs(values)
        try:
            out = float(sp.N(result, 30))
        except TypeError as exc:  # complex or symbolic leftovers
            raise ValueError(f"{self.name}: formula does not evaluate to a real number at {shown}") from exc
        if math.isinf(out):
            raise ValueError(f"{self.name}: the value at {shown} exceeds the float range (|value| > {sys.float_info.max:.4g})")
        if not math.isfinite(out):
            raise ValueError(f"{self.name}: formula is not finite at {shown}")
        if out == 0.0 and not result.is_zero and sp.N(result, 30) != 0:
            raise ValueError(f"{self.name}: the value at {shown} underflows the float range (0 < |value| < 5e-324)")
        return out

    def _evaluate_large(self, expr: sp.Expr, values: Mapping[sp.Symbol, sp.Basic], estimate: "_Estimate",
                        shown: str) -> float:
        """The value when exact arithmetic would be too costly: from the magnitude estimate, or in floating point."""
        if estimate.sign is None:
            raise ValueError(f"{self.name}: formula does not evaluate to a real number at {shown}")
        if estimate.sign == 0:
            return 0.0
        if estimate.log10 > _LOG10_FLOAT_MAX:
            raise ValueError(f"{self.name}: the value at {shown} is about 10**{estimate.log10:.6g}: it exceeds the "
                             f"float range (|value| > {sys.float_info.max:.4g})")
        if estimate.log10 < _LOG10_FLOAT_TINY:
            raise ValueError(f"{self.name}: the value at {shown} is about 10**{estimate.log10:.6g}: it underflows the "
                             f"float range (0 < |value| < 5e-324)")
        if not estimate.worst_log10 <= _MAX_FLOAT_LOG10:
            raise ValueError(f"{self.name}: an intermediate value at {shown} is too large to evaluate (about "
                             f"10**{estimate.worst_log10:.6g})")
        floats = {sym: sp.Float(val, 30) for sym, val in values.items()}
        try:
            out = float(sp.N(expr.subs(floats), 30))
        except TypeError as exc:
            raise ValueError(f"{self.name}: formula does not evaluate to a real number at {shown}") from exc
        if not math.isfinite(out):
            raise ValueError(f"{self.name}: the value at {shown} exceeds the float range")
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
                if _holds(part, values_all, self.name) is False:
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
        lines.append(f"  source  : {cite(self.citation)} [{self.provenance.value}]")
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


def _show_params(params: Mapping[str, object]) -> str:
    """The parameters for a message, long values shortened."""
    return "{" + ", ".join(f"{k!r}: {_show(v)}" for k, v in params.items()) + "}"


def _show(value: object) -> str:
    """``repr(value)``, shortened when long (a 400-digit integer is shown by its first and last digits)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if int(value).bit_length() > 4000:  # str() of a huge integer is slow (and refused past 4300 digits)
            return f"{'-' if value < 0 else ''}2**{math.log2(abs(int(value))):.6g}"
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:6]}...{text[-4:]} ({len(text.lstrip('-'))} digits)"
    text = repr(value)
    return text if len(text) <= 40 else text[:30] + "..."


def _to_sympy(sym: sp.Symbol, value: float, name: str) -> sp.Basic:
    shown = _show(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}: parameter {sym.name}={shown} is not a number (give an int or a float)")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"{name}: parameter {sym.name}={shown} exceeds the float range "
                         f"(|{sym.name}| <= {sys.float_info.max:.4g})") from None
    except (TypeError, ValueError):
        raise ValueError(f"{name}: parameter {sym.name}={shown} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: parameter {sym.name}={shown} must be finite")
    a = sym.assumptions0
    if a.get("integer") and not number.is_integer():
        raise ValueError(f"{name}: parameter {sym.name}={shown} must be an integer")
    if a.get("positive") and not number > 0:
        raise ValueError(f"{name}: parameter {sym.name}={shown} must be > 0")
    if a.get("nonnegative") and not number >= 0:
        raise ValueError(f"{name}: parameter {sym.name}={shown} must be >= 0")
    if a.get("integer"):
        return sp.Integer(int(number))
    return sp.Rational(str(value)) if isinstance(value, int) else sp.Float(number, 30)


# ------------------------------------------------------ magnitude estimates
# Exact sympy arithmetic on huge integers (m**(s**L) at L = 60) would take hours and gigabytes.
# Before any exact step, `_estimate` walks the expression tree in plain floats, in log space:
# each node gets its sign and log10|value|, and the cost (decimal digits) of the exact
# rational that sympy would compute for it. Beyond the limits below, values are judged from
# the estimate (or evaluated in 30-digit floating point) instead.

_MAX_EXACT_DIGITS = 5000.0  # exact rationals up to this many digits are cheap
_MAX_FLOAT_LOG10 = 1e15  # floating-point (mpmath) values up to 10**(10**15) are cheap
_LOG10_FLOAT_MAX = math.log10(sys.float_info.max)
_LOG10_FLOAT_TINY = math.log10(5e-324)


class _Estimate(NamedTuple):
    sign: int | None  # -1, 0, +1; None: not real
    log10: float  # log10 |value| (-inf for 0)
    exact: sp.Rational | None  # the exact value, when it is a rational that is cheap to compute
    digits: float  # decimal digits of the exact rational sympy would compute (0 when inexact)
    worst_digits: float  # the largest `digits` in the subtree
    worst_log10: float  # the largest |log10 |value|| in the subtree

    @property
    def expensive(self) -> bool:
        return not (self.worst_digits <= _MAX_EXACT_DIGITS and self.worst_log10 <= _MAX_FLOAT_LOG10)


def _log10_int(n: int) -> float:
    return math.log10(abs(n)) if n else -math.inf


def _leaf(sign: int | None, log10: float, exact: sp.Rational | None = None, digits: float = 0.0) -> _Estimate:
    return _Estimate(sign, log10, exact, digits, digits, abs(log10) if math.isfinite(log10) else 0.0)


def _from_rational(r: sp.Rational) -> _Estimate:
    p, q = int(r.p), int(r.q)
    digits = math.log10(abs(p) + 1) + math.log10(q + 1)
    return _leaf((p > 0) - (p < 0), _log10_int(p) - _log10_int(q), r, digits)


def _node(children: list[_Estimate], sign: int | None, log10: float, exact: sp.Rational | None,
          digits: float) -> _Estimate:
    worst_digits = max([digits, *(c.worst_digits for c in children)])
    own = abs(log10) if not math.isnan(log10) and sign else 0.0
    worst_log10 = max([own, *(c.worst_log10 for c in children)])
    return _Estimate(sign, log10, exact, digits, worst_digits, worst_log10)


def _exact_node(children: list[_Estimate], exact: sp.Rational) -> _Estimate:
    leaf = _from_rational(exact)
    return _node(children, leaf.sign, leaf.log10, exact, leaf.digits)


def _value(e: _Estimate) -> float:
    """The estimate as a float (+-inf beyond the float range)."""
    if not e.sign:
        return 0.0
    if e.log10 > _LOG10_FLOAT_MAX:
        return e.sign * math.inf
    return e.sign * 10.0**e.log10


def _cheap(node: sp.Basic, children: list[_Estimate]) -> sp.Rational | None:
    """The node's exact value when it is a rational and every child is a known rational."""
    if any(c.exact is None for c in children):
        return None
    out = node.func(*(c.exact for c in children))
    return out if isinstance(out, sp.Rational) else None


def _estimate(expr: sp.Basic, values: Mapping[sp.Symbol, sp.Basic]) -> _Estimate | None:
    """Sign, magnitude and exact cost of `expr` at `values`, in floats; None where it cannot be told."""
    try:
        return _walk(expr, values)
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return None


def _walk(expr: sp.Basic, values: Mapping[sp.Symbol, sp.Basic]) -> _Estimate | None:
    if isinstance(expr, sp.Symbol):
        if expr not in values:
            return None
        return _walk(sp.sympify(values[expr]), {})
    if isinstance(expr, sp.Rational):
        return _from_rational(expr)
    if isinstance(expr, sp.Float):
        if expr == 0:
            return _leaf(0, -math.inf)
        import mpmath

        return _leaf(1 if expr > 0 else -1, float(mpmath.log10(abs(mpmath.mpf(expr._mpf_)))))
    if isinstance(expr, sp.NumberSymbol):
        value = float(expr)
        return _leaf((value > 0) - (value < 0), math.log10(abs(value)) if value else -math.inf)
    children = [_walk(a, values) for a in expr.args]
    if any(c is None for c in children):
        return None
    if any(c.sign is None for c in children):  # a non-real part: leave it to sympy unless costly
        worst = max(c.worst_digits for c in children)
        return _Estimate(None, math.nan, None, 0.0, worst, max(c.worst_log10 for c in children))
    digits = sum(c.digits for c in children)
    if isinstance(expr, sp.Add):
        top = max(c.log10 for c in children if c.sign) if any(c.sign for c in children) else -math.inf
        if top == math.inf:
            sign = next(c.sign for c in children if c.log10 == math.inf)
            return _node(children, sign, math.inf, None, digits)
        total = sum(c.sign * 10.0 ** (c.log10 - top) for c in children if c.sign) if top > -math.inf else 0.0
        exact = _cheap(expr, children) if digits <= _MAX_EXACT_DIGITS else None
        if exact is not None:
            return _exact_node(children, exact)
        if total == 0:
            return _node(children, 0, -math.inf, None, digits)
        return _node(children, 1 if total > 0 else -1, top + math.log10(abs(total)), None, digits)
    if isinstance(expr, sp.Mul):
        if any(c.sign == 0 for c in children):
            return _exact_node(children, sp.Integer(0))
        sign = math.prod(c.sign for c in children)
        exact = _cheap(expr, children) if digits <= _MAX_EXACT_DIGITS else None
        if exact is not None:
            return _exact_node(children, exact)
        return _node(children, sign, sum(c.log10 for c in children), None, digits)
    if isinstance(expr, sp.Pow):
        base, power = children
        k = _value(power)
        if base.exact is not None and base.exact in (0, 1, -1) or power.sign == 0:
            cost = 0.0
        elif base.exact is not None and power.exact is not None:
            cost = abs(k) * base.digits  # b**(p/q) computes b**(p//q) exactly
        else:
            cost = 0.0
        if power.sign == 0:
            return _node(children, 1, 0.0, sp.Integer(1) if base.exact is not None else None, cost)
        if base.sign == 0:
            if power.sign < 0:
                return None  # 1/0: sympy says zoo
            return _node(children, 0, -math.inf, base.exact, cost)
        if base.sign < 0:
            if power.exact is None or power.exact.q != 1:
                return _Estimate(None, math.nan, None, cost, max(cost, base.worst_digits, power.worst_digits),
                                 max(base.worst_log10, power.worst_log10))
            sign = -1 if power.exact.p % 2 else 1
        else:
            sign = 1
        log10 = k * base.log10 if base.log10 != 0 else 0.0
        exact = _cheap(expr, children) if cost <= _MAX_EXACT_DIGITS else None
        if exact is not None:
            return _exact_node(children, exact)
        return _node(children, sign, log10, None, cost)
    if isinstance(expr, sp.log) and len(children) == 1:
        (x,) = children
        if x.sign is None or x.sign <= 0:
            return None
        ln = x.log10 * math.log(10)
        return _node(children, (ln > 0) - (ln < 0), math.log10(abs(ln)) if ln else -math.inf, None, x.digits)
    if isinstance(expr, sp.exp) and len(children) == 1:
        return _node(children, 1, _value(children[0]) / math.log(10), None, 0.0)
    if isinstance(expr, (sp.Min, sp.Max)):
        pick = min if isinstance(expr, sp.Min) else max
        best = pick(children, key=lambda c: (c.sign, c.sign * c.log10) if c.sign else (0, 0.0))
        return _node(children, best.sign, best.log10, best.exact, digits)
    return None


def _holds(rel: sp.Basic, values: Mapping[sp.Symbol, sp.Basic], name: str) -> bool | None:
    """Whether the condition `rel` holds at `values` (None: sympy cannot tell); huge sides compared by estimate."""
    if isinstance(rel, sp.core.relational.Relational):
        lhs, rhs = _estimate(rel.lhs, values), _estimate(rel.rhs, values)
        if lhs is not None and rhs is not None and (lhs.expensive or rhs.expensive):
            if lhs.sign is None or rhs.sign is None:
                raise ValueError(f"{name}: condition {sp.sstr(rel)} does not evaluate to real numbers")
            a = lhs.sign * lhs.log10 if lhs.sign else 0.0
            b = rhs.sign * rhs.log10 if rhs.sign else 0.0
            key_l, key_r = (lhs.sign, a), (rhs.sign, b)
            if lhs.sign == rhs.sign and lhs.sign and math.isclose(lhs.log10, rhs.log10, rel_tol=1e-12):
                raise ValueError(f"{name}: condition {sp.sstr(rel)} cannot be checked: its sides are too large to "
                                 f"compare (about 10**{lhs.log10:.6g})")
            less = key_l < key_r
            return {"<": less, "<=": less, ">": not less, ">=": not less, "==": False, "!=": True}[rel.rel_op]
    ok = rel.subs(values)
    if ok is sp.false or ok == False:  # noqa: E712  (sympy booleans)
        return False
    return True


def symbols(names: str, **assumptions) -> tuple[sp.Symbol, ...] | sp.Symbol:
    """`sympy.symbols` with the given assumptions (convenience for the registry)."""
    return sp.symbols(names, **assumptions)


__all__ = ["Prediction", "Provenance", "Relation", "symbols"]
