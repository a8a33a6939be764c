"""Random Hierarchy Model claims (THEORY.md section 3; Cagnetta et al., arXiv:2307.02129).

* correlations: the P_c at which the sampling noise of the class-conditional
  input frequencies falls below their signal scales as n_c m^L (measured on
  generated data, no network).
"""
from __future__ import annotations

from dataclasses import dataclass

from simulate.rhm_correlations import RHMCorrelationSpec
from simulate.sweep import Sweep

from .claim import Claim, Tolerance
from .targets import ScalingExponent
from .threshold import CrossingScaling

CROSSING_TOLERANCE = Tolerance(
    absolute=0.25,
    reason=(
        "P_c ~ n_c m^L equates two scaling estimates, so it holds up to an O(1) factor that may drift with m; "
        "with m spanning a factor 3-4, a 25-30% drift of that factor moves the fitted exponent by about 0.2"
    ),
    max_interval=1.0,
)
"""Fixed before any run."""


@dataclass(frozen=True)
class Scale:
    """Sizes of the correlation claims: (L, m values) pairs, n_c values, P grid, seeds."""

    depths: tuple[tuple[int, tuple[int, ...]], ...]
    n_cs: tuple[int, ...]
    ps: tuple[int, ...]
    seeds: int
    n_boot: int = 2000


V, S, N_C, M_FOR_N_C, L_FOR_N_C = 8, 2, 4, 3, 2  # v=8, s=2: m <= 8 and n_c*m <= 64

SCALES = {
    "toy": Scale(depths=((2, (2, 3, 4)),), n_cs=(2, 4, 8), ps=tuple(2**k for k in range(2, 13)), seeds=3, n_boot=300),
    "quick": Scale(depths=((2, (2, 3, 4, 6, 8)), (3, (2, 3, 4, 6))), n_cs=(2, 4, 8, 16),
                   ps=tuple(2**k for k in range(2, 17)), seeds=8),
    "full": Scale(depths=((2, (2, 3, 4, 6, 8)), (3, (2, 3, 4, 6, 8))), n_cs=(2, 4, 8, 16),
                  ps=tuple(2**k for k in range(2, 19)), seeds=32),
}


def correlation_claims(s: Scale) -> list[Claim]:
    claims = []
    for L, ms in s.depths:
        base = RHMCorrelationSpec(n_c=N_C, v=V, m=ms[0], s=S, L=L, p=s.ps[0])
        claims.append(Claim(
            name=f"rhm_correlations_m_L{L}",
            statement=(
                f"RHM (n_c={N_C}, v={V}, s={S}, L={L}): the P_c at which the sampling noise of the class-conditional "
                f"input frequencies falls below their signal grows as m^L (m = {', '.join(map(str, ms))}; a new grammar per seed)"
            ),
            predicted=ScalingExponent.of("rhm_correlation_crossing", "m", L=L),
            sweep=Sweep.over(base, seeds=range(s.seeds), m=ms, p=s.ps),
            estimator=CrossingScaling(threshold=1.0, group="m", y="noise_to_signal", n_boot=s.n_boot),
            tolerance=CROSSING_TOLERANCE,
        ))
    base = RHMCorrelationSpec(n_c=s.n_cs[0], v=V, m=M_FOR_N_C, s=S, L=L_FOR_N_C, p=s.ps[0])
    claims.append(Claim(
        name=f"rhm_correlations_n_c_L{L_FOR_N_C}",
        statement=(
            f"RHM (v={V}, m={M_FOR_N_C}, s={S}, L={L_FOR_N_C}): the correlation crossing P_c grows linearly in the "
            f"number of classes n_c (n_c = {', '.join(map(str, s.n_cs))})"
        ),
        predicted=ScalingExponent.of("rhm_correlation_crossing", "n_c", m=M_FOR_N_C, L=L_FOR_N_C),
        sweep=Sweep.over(base, seeds=range(s.seeds), n_c=s.n_cs, p=s.ps),
        estimator=CrossingScaling(threshold=1.0, group="n_c", y="noise_to_signal", n_boot=s.n_boot),
        tolerance=CROSSING_TOLERANCE,
    ))
    return claims


def claims(scale: str) -> list[Claim]:
    """All RHM claims at the named scale ('toy', 'quick' or 'full')."""
    return correlation_claims(SCALES[scale])
