"""Relative stability toward diffeomorphisms (docs/science.md section 5).

Source: Petrini, Favero, Geiger, Wyart, "Relative stability toward
diffeomorphisms indicates performance in deep nets", NeurIPS 2021,
arXiv:2105.02468.

Max-entropy diffeomorphisms of an n x n image: each displacement component is
tau(u, v) = sum_{i,j>=1} C_ij sin(i pi u) sin(j pi v) with C_ij ~ N(0, T/(i^2+j^2))
over the modes i^2 + j^2 <= c^2. The temperature bounds and the typical
displacement are those of the authors' code [code]; they assume a cutoff c > 1
(ln c > 0) and replace the sum over modes by an integral (large c).

**The exact rms displacement** [exact]. The generator (simulate/observables/diffeomorphisms.py)
samples pixel p of an axis at u = p / (n - 1) and displaces by ``n tau`` pixels, both components
independent. At a point (u, v), E|d|^2 = 2 n^2 T sum_kept sin^2(i pi u) sin^2(j pi v) / (i^2 + j^2).

* Averaged over the n x n pixel grid: sum_{p=0}^{n-1} sin^2(i pi p / (n-1)) = (n-1)/2 unless (n-1)
  divides i (then 0: the mode vanishes on every pixel), so

      rms_grid^2 = (n-1)^2 T S_grid(n, c) / 2,  S_grid = sum over kept modes, (n-1) dividing neither i nor j,
                                                          of 1 / (i^2 + j^2).

* At the centre (1/2, 1/2): sin^2(i pi / 2) = 1 for odd i, 0 for even i, so
  rms_centre^2 = 2 n^2 T S_odd(c), S_odd the sum over kept modes with i and j odd.

Replacing S_grid by its large-c integral (pi/2) ln c and n - 1 by n gives delta = (n/2) sqrt(pi T ln c):
delta is the large-c approximation of rms_grid. The sums are rationals, exact for any (n, c); the
cut-off is the paper's ``i^2 + j^2 <= c^2`` or the authors' code's ``sqrt(i^2 + j^2) < c + 1/2``.
"""
from __future__ import annotations

import math
from fractions import Fraction

import sympy as sp

from .prediction import Prediction, Provenance

PAPER = "2105.02468"
SECTION = "5. Diffeomorphisms"

n = sp.Symbol("n", integer=True, positive=True)
T = sp.Symbol("T", positive=True)
c = sp.Symbol("c", positive=True)
R_f = sp.Symbol("R_f", nonnegative=True)

_CUTOFF = sp.Gt(c, 1)
_MODES = "sum over modes i^2 + j^2 <= c^2 approximated by an integral (large c)"

diffeo_delta = Prediction(
    name="diffeo_delta",
    quantity="typical displacement delta (in pixels) of a max-entropy diffeomorphism of an n x n image",
    expr=n / 2 * sp.sqrt(sp.pi * T * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES, "T_min <= T <= T_max"),
    section=SECTION,
    symbol="delta",
    symbol_latex=r"\delta",
)

diffeo_t_min = Prediction(
    name="diffeo_t_min",
    quantity="temperature T_min at which the typical displacement is half a pixel",
    expr=1 / (sp.pi * n**2 * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES,),
    section=SECTION,
    symbol="T_min",
    symbol_latex=r"T_{\min}",
)

diffeo_t_max = Prediction(
    name="diffeo_t_max",
    quantity="largest temperature T_max for which the transformation is still a diffeomorphism",
    expr=4 / (sp.pi**3 * c**2 * sp.log(c)),
    citation=PAPER,
    provenance=Provenance.CODE,
    conditions=(_CUTOFF,),
    validity=(_MODES,),
    section=SECTION,
    symbol="T_max",
    symbol_latex=r"T_{\max}",
)

error_vs_relative_stability = Prediction(
    name="error_vs_relative_stability",
    quantity="test error eps of a trained network as a function of its relative stability R_f = D_f/G_f",
    expr=sp.Rational(1, 5) * sp.sqrt(R_f),
    citation=PAPER,
    provenance=Provenance.PAPER,
    validity=(
        "empirical relation across trained architectures on CIFAR10 (approximate, prefactor 0.2 fitted)",
        "noise norm matched per image to |tau x - x|",
        "needs real images",
    ),
    notes="R_f ~ 1 at initialisation.",
    section=SECTION,
    symbol="eps",
    symbol_latex=r"\epsilon",
)

CUTOFFS = ("paper", "authors")
"""The mode cut-offs: the paper's ``i^2 + j^2 <= c^2`` and the authors' code's ``sqrt(i^2 + j^2) < c + 1/2``."""

WHERE = ("grid", "centre")
"""Where the rms displacement is taken: averaged over the n x n pixel grid, or at the image's centre."""


def _choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}={value!r}; allowed: {', '.join(map(repr, allowed))}")
    return value


MAX_CUTOFF = 256
"""The largest cut-off c of the exact mode sums (about 51,000 modes, a fraction of a second)."""


def kept_modes(c: float, cutoff: str = "paper") -> tuple[tuple[int, int], ...]:
    """The modes (i, j), i, j >= 1, that the cut-off keeps, in lexicographic order.

    ``cutoff="paper"``: i^2 + j^2 <= c^2 (4, 15, 162 modes at c = 3, 5, 15); ``"authors"``:
    sqrt(i^2 + j^2) < c + 1/2 (6, 19, 172). Exact for integer and rational c (compared in fractions).
    """
    _choice(cutoff, "cutoff", CUTOFFS)
    if isinstance(c, bool) or not isinstance(c, (int, float, Fraction)) or not math.isfinite(c) or not c > 0:
        raise ValueError(f"c={c!r} must be a finite number > 0")
    if c > MAX_CUTOFF:
        raise ValueError(f"c={c!r}: the exact sums enumerate about pi c^2 / 4 modes; use c <= {MAX_CUTOFF} (the "
                         "large-c formula delta is within about 7% of the exact value there)")
    cf = Fraction(c)
    top = int(math.floor(c + 0.5)) + 1
    modes = []
    for i in range(1, top + 1):
        for j in range(1, top + 1):
            r2 = i * i + j * j
            # paper: r2 <= c^2; authors: sqrt(r2) < c + 1/2  <=>  r2 < (c + 1/2)^2
            if (r2 <= cf * cf) if cutoff == "paper" else (r2 < (cf + Fraction(1, 2)) ** 2):
                modes.append((i, j))
    return tuple(modes)


def mode_sum(n: int, c: float, cutoff: str = "paper", where: str = "grid") -> Fraction:
    """S_grid(n, c) (``where="grid"``: kept modes with (n-1) dividing neither i nor j) or S_odd(c)
    (``"centre"``: kept modes with i and j odd) of sum 1 / (i^2 + j^2), as an exact fraction."""
    _choice(where, "where", WHERE)
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n={n!r} must be an integer >= 2 (the image side in pixels)")
    if where == "grid":
        keep = [(i, j) for i, j in kept_modes(c, cutoff) if i % (n - 1) and j % (n - 1)]
    else:
        keep = [(i, j) for i, j in kept_modes(c, cutoff) if i % 2 and j % 2]
    return sum((Fraction(1, i * i + j * j) for i, j in keep), Fraction(0))


def rms_displacement_exact(n: int, c: float, T: float, cutoff: str = "paper", where: str = "grid") -> float:
    """The exact rms displacement (pixels) of the max-entropy generator at (n, c, T) [exact].

    ``where="grid"``: sqrt of the mean of |d|^2 over the n x n pixel grid and the fields,
    (n - 1) sqrt(T S_grid / 2); ``"centre"``: at (u, v) = (1/2, 1/2), n sqrt(2 T S_odd).
    """
    if isinstance(T, bool) or not isinstance(T, (int, float)) or not math.isfinite(T) or not T > 0:
        raise ValueError(f"T={T!r} must be a finite number > 0")
    s = float(mode_sum(n, c, cutoff, where))
    return (n - 1) * math.sqrt(T * s / 2) if where == "grid" else n * math.sqrt(2 * T * s)


def delta_over_exact(n: int, c: float, cutoff: str = "paper", where: str = "grid") -> float:
    """delta / rms_exact, independent of T: how far the large-c formula is from the exact rms."""
    return (n / 2 * math.sqrt(math.pi * math.log(c))) / rms_displacement_exact(n, c, 1.0, cutoff, where)


class _ModeSum(sp.Function):
    """A sum over kept modes, evaluated (exactly, as a rational) once n and c are numbers."""

    cutoff = "paper"
    where = "grid"
    nargs = 2

    @classmethod
    def eval(cls, n_, c_):
        if n_.is_Number and c_.is_Number:
            c_value = Fraction(int(c_)) if c_.is_Integer else (
                Fraction(int(c_.p), int(c_.q)) if c_.is_Rational else float(c_))
            value = mode_sum(int(n_), c_value, cls.cutoff, cls.where)
            return sp.Rational(value.numerator, value.denominator)
        return None

    def _eval_is_positive(self):
        return True

    def _eval_is_real(self):
        return True


class S_grid(_ModeSum):  # noqa: N801 (a mathematical name)
    """sum of 1/(i^2+j^2) over the paper's modes (i^2 + j^2 <= c^2) that do not vanish on the n-pixel grid."""


class S_grid_authors(_ModeSum):  # noqa: N801
    """The same over the authors' modes (sqrt(i^2 + j^2) < c + 1/2)."""

    cutoff = "authors"


class S_odd(_ModeSum):  # noqa: N801
    """sum of 1/(i^2+j^2) over the paper's modes with i and j odd (those that move the centre)."""

    where = "centre"


_EXACT = ("sum over the kept modes, exact for every n >= 2, c and T (no large-c approximation)",
          "E|d|^2 of the generator: pixel p at u = p/(n-1), displacement n tau in pixels")
_N2 = sp.Ge(n, 2)

diffeo_rms_exact = Prediction(
    name="diffeo_rms_exact",
    quantity=("rms displacement (pixels) over the n x n grid of a max-entropy diffeomorphism, paper's cut-off "
              "i^2 + j^2 <= c^2"),
    expr=(n - 1) * sp.sqrt(T * S_grid(n, c) / 2),
    citation=PAPER,
    provenance=Provenance.EXACT,
    conditions=(_N2, sp.Ge(c, sp.sqrt(2))),
    validity=_EXACT,
    notes="delta = (n/2) sqrt(pi T ln c) is its large-c approximation (S_grid ~ (pi/2) ln c, n - 1 ~ n).",
    section=SECTION,
    symbol="delta_rms",
    symbol_latex=r"\delta_{\mathrm{rms}}",
)

diffeo_rms_exact_authors = Prediction(
    name="diffeo_rms_exact_authors",
    quantity=("rms displacement (pixels) over the n x n grid of a max-entropy diffeomorphism, the authors' cut-off "
              "sqrt(i^2 + j^2) < c + 1/2"),
    expr=(n - 1) * sp.sqrt(T * S_grid_authors(n, c) / 2),
    citation=PAPER,
    provenance=Provenance.EXACT,
    conditions=(_N2, _CUTOFF),
    validity=_EXACT,
    section=SECTION,
    symbol="delta_rms",
    symbol_latex=r"\delta_{\mathrm{rms}}",
)

diffeo_rms_exact_centre = Prediction(
    name="diffeo_rms_exact_centre",
    quantity=("rms displacement (pixels) at the centre of the image of a max-entropy diffeomorphism, paper's "
              "cut-off i^2 + j^2 <= c^2"),
    expr=n * sp.sqrt(2 * T * S_odd(n, c)),
    citation=PAPER,
    provenance=Provenance.EXACT,
    conditions=(_N2, sp.Ge(c, sp.sqrt(2))),
    validity=_EXACT,
    section=SECTION,
    symbol="delta_rms_centre",
    symbol_latex=r"\delta_{\mathrm{rms}}(\tfrac12, \tfrac12)",
)

PREDICTIONS = (diffeo_delta, diffeo_t_min, diffeo_t_max, error_vs_relative_stability, diffeo_rms_exact,
               diffeo_rms_exact_authors, diffeo_rms_exact_centre)
