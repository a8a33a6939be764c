"""Relative-stability claims (Petrini, Favero, Geiger, Wyart, arXiv:2105.02468).

* the max-entropy diffeomorphism generator: its rms displacement grows as
  T^(1/2) and equals the [code] formula delta = (n/2) sqrt(pi T ln c) up to
  the large-c approximation behind it (measured at c = 3, 5, 15);
* T_max = 4 / (pi^3 c^2 ln c): the sampled maps stay invertible there;
* R_f = D_f / G_f of the network output is of order 1 at initialisation,
  for a fully connected net and a CNN;
* training on (upsampled) digits lowers R_f for the CNN, and by more than
  for the fully connected net;
* test error against R_f across trained architectures: the paper's
  eps ~ 0.2 sqrt(R_f) was found on CIFAR10; here the exponent is compared
  with 1/2 and the prefactor is reported.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Mapping

from ....simulate.experiments.stability import (
    STABILITY_TRAIN,
    DiffeoDisplacementSpec,
    DiffeoInvertibilitySpec,
    RelativeStabilitySpec,
)
from ....simulate.data.images import Digits
from ....simulate.learners.training import TrainConfig
from ....simulate.networks import ImageCNN, ImageFCN
from ....simulate.runs.sweep import Sweep, SweepUnion
from ....theory import registry
from ...claim import Claim, Tolerance
from ...estimators import MeanDifference, PowerLawFit, SeedMean, ThresholdCrossing
from ...figures import Figure, pick
from ...targets import ClosedForm, Constant, ScalingExponent
from .. import register
from ..base import Scale, Study
from . import figures as stability_figures

PAPER = "2105.02468"

SQRT_T_TOLERANCE = Tolerance(
    absolute=0.01,
    reason=("the field is sqrt(T) times a T-independent sine series, so the exponent is 1/2 up to the "
            "sampling of the fields; 0.01 is the allowance for that sampling (fixed before any run)"),
    max_interval=0.1,
)

DELTA_TOLERANCE = Tolerance(
    absolute=0.05,
    reason=("delta is used to choose T for a wanted displacement in pixels; 10% of the half-pixel "
            "displacement at T_min (0.05 pixel) is the precision that use needs (fixed before any run)"),
    max_interval=0.1,
)

INVERTIBLE_TOLERANCE = Tolerance(
    absolute=0.02,
    reason=("T_max is stated as the largest temperature that still gives a diffeomorphism; 2% of the sampled "
            "maps failing at T_max is the allowance (fixed before any run)"),
    max_interval=0.1,
)

CROSSING_TOLERANCE = Tolerance(absolute=0.0, reason="an order: the whole interval must lie above T_max",
                               max_interval=1.0)

ORDER_ONE_TOLERANCE = Tolerance(
    absolute=1.0,
    reason='"of order 1": log2 R_f within 1 of 0, a factor 2 either way (fixed before any run)',
    max_interval=2.0,
)

SIGN_TOLERANCE = Tolerance(absolute=0.0, reason="a sign: the whole interval must lie on one side of 0",
                           max_interval=4.0)

SQRT_LAW_TOLERANCE = Tolerance(
    absolute=0.15,
    reason=("an empirical law fitted on CIFAR10 over 15 architectures; on upsampled digits with a few small "
            "nets only its exponent can be compared, with 0.15 for the spread of a relation across data sets "
            "(fixed before any run; the prefactor, 0.2 on CIFAR10, is reported, not judged)"),
    max_interval=1.0,
)


@dataclass(frozen=True, kw_only=True)
class StabilityScale(Scale):
    """Sizes of one scale.

    ``diffeo_n``: image size of the generator claims; ``diffeo_fields``: fields per run;
    ``diffeo_seeds``: runs per setting; ``t_factors``: T / T_max of the invertibility curve;
    ``nets``: (architecture, width, p_train) of the trained networks (the first CNN and the
    first FCN are the ones compared in the R_f claims); the rest as in :class:`RelativeStabilitySpec`.
    """

    diffeo_n: int
    diffeo_fields: int
    diffeo_seeds: int
    t_factors: tuple[float, ...]
    size: int
    nets: tuple[tuple[str, int, int], ...]
    n_test: int
    n_probe: int
    seeds: int
    train: TrainConfig = STABILITY_TRAIN


SCALES = {
    "toy": StabilityScale(diffeo_n=16, diffeo_fields=16, diffeo_seeds=3, t_factors=(0.5, 1.0, 4.0), size=12,
                          nets=(("cnn", 4, 128), ("fcn", 16, 128)), n_test=64, n_probe=32, seeds=3, n_boot=300,
                          train=dataclasses.replace(STABILITY_TRAIN, max_steps=40, eval_every=20)),
    "quick": StabilityScale(diffeo_n=32, diffeo_fields=256, diffeo_seeds=4, t_factors=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0),
                            size=16, nets=(("cnn", 16, 1024), ("fcn", 256, 1024), ("cnn", 16, 256), ("fcn", 256, 256)),
                            n_test=400, n_probe=200, seeds=4),
    "full": StabilityScale(diffeo_n=32, diffeo_fields=1024, diffeo_seeds=8,
                           t_factors=(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0), size=32,
                           nets=(("cnn", 32, 1397), ("fcn", 512, 1397), ("cnn", 32, 400), ("fcn", 512, 400),
                                 ("cnn", 64, 1397), ("fcn", 1024, 1397)),
                           n_test=400, n_probe=400, seeds=8),
}

CUTOFFS = (3, 5, 15)


def _value(name: str, **params: float) -> float:
    return float(registry.get(name).evaluate(**params))


def t_min(n: int, c: float) -> float:
    return _value("diffeo_t_min", n=n, c=c)


def t_max(c: float) -> float:
    return _value("diffeo_t_max", c=c)


def generator_claims(s: StabilityScale) -> list[Claim]:
    n = s.diffeo_n
    claims = []
    c = 3
    ts = tuple(t_min(n, c) * f for f in (1.0, 2.0, 4.0, 8.0))
    sweep = Sweep.over(DiffeoDisplacementSpec(n=n, c=c, T=ts[0], n_fields=s.diffeo_fields),
                       seeds=range(s.diffeo_seeds), T=ts)
    claims.append(Claim(
        "diffeo_delta_sqrt_t_c3",
        f"max-entropy diffeomorphisms ({n}x{n}, c={c}): the rms displacement grows as T^(1/2) (T_min..8 T_min)",
        ScalingExponent.of("diffeo_delta", "T", n=n, c=c), sweep,
        PowerLawFit(x="T", y="delta_rms", exponent="growth", n_boot=s.n_boot), SQRT_T_TOLERANCE))
    for c in CUTOFFS:
        T = t_min(n, c)
        sweep = Sweep.over(DiffeoDisplacementSpec(n=n, c=c, T=T, n_fields=s.diffeo_fields),
                           seeds=range(s.diffeo_seeds))
        claims.append(Claim(
            f"diffeo_delta_at_t_min_c{c}",
            f"max-entropy diffeomorphisms ({n}x{n}, c={c}) at T_min: rms displacement = delta(T_min) = 1/2 pixel "
            "(a large-c approximation)",
            ClosedForm.of("diffeo_delta", n=n, T=T, c=c), sweep, SeedMean("delta_rms"), DELTA_TOLERANCE))
    c = 3
    claims.append(Claim(
        "diffeo_invertible_at_t_max_c3",
        f"max-entropy diffeomorphisms ({n}x{n}, c={c}) at T = T_max: every sampled map is invertible "
        "(positive Jacobian determinant)",
        Constant(1.0, "1 (every map invertible at T_max)", "code", PAPER),
        Sweep.over(DiffeoInvertibilitySpec(n=n, c=c, T=t_max(c), n_fields=s.diffeo_fields),
                   seeds=range(s.diffeo_seeds)),
        SeedMean("fraction_invertible"), INVERTIBLE_TOLERANCE))
    claims.append(Claim(
        "diffeo_half_invertible_above_t_max_c3",
        f"max-entropy diffeomorphisms ({n}x{n}, c={c}): the T at which half of the sampled maps stop being "
        f"invertible lies above T_max (T / T_max = {', '.join(f'{f:g}' for f in s.t_factors)})",
        ClosedForm.of("diffeo_t_max", c=c),
        Sweep.over(DiffeoInvertibilitySpec(n=n, c=c, T=t_max(c), n_fields=s.diffeo_fields),
                   seeds=range(s.diffeo_seeds), T=tuple(t_max(c) * f for f in s.t_factors)),
        ThresholdCrossing(threshold=0.5, x="T", y="fraction_invertible", n_boot=s.n_boot),
        CROSSING_TOLERANCE, relation="greater"))
    return claims


NETWORKS = {"cnn": ImageCNN, "fcn": ImageFCN}
"""The networks of the scales' (architecture, width, P) triples: their default depths (3 blocks, 2 layers)."""


def _net_sweep(s: StabilityScale, architecture: str, width: int, p: int) -> Sweep:
    spec = RelativeStabilitySpec(data=Digits(s.size), net=NETWORKS[architecture](width=width), p_train=p,
                                 n_test=s.n_test, n_probe=s.n_probe, train=s.train)
    return Sweep.over(spec, seeds=range(s.seeds))


def network_claims(s: StabilityScale) -> list[Claim]:
    claims = []
    first = {}
    for arch, width, p in s.nets:
        first.setdefault(arch, (width, p))
    for arch, (width, p) in first.items():
        claims.append(Claim(
            f"stability_r_init_{arch}",
            f"R_f = D_f / G_f of a {arch.upper()} (width {width}) at initialisation is of order 1 "
            f"(digits upsampled to {s.size}x{s.size})",
            Constant(0.0, "log2 R_f = 0 (R_f ~ 1)", "paper", PAPER), _net_sweep(s, arch, width, p),
            SeedMean("R_init", scale="log2"), ORDER_ONE_TOLERANCE))
    cnn = _net_sweep(s, "cnn", *first["cnn"])
    fcn = _net_sweep(s, "fcn", *first["fcn"])
    falls = SeedMean("R", baseline="R_init", scale="log2")
    claims.append(Claim(
        "stability_r_falls_cnn",
        f"training a CNN on digits (P = {first['cnn'][1]}) lowers R_f: log2(R_f trained / R_f init) < 0",
        Constant(0.0, "log2 ratio < 0", "paper", PAPER), cnn, falls, SIGN_TOLERANCE, relation="less"))
    claims.append(Claim(
        "stability_r_falls_more_cnn_than_fcn",
        "training lowers R_f more for the CNN than for the fully connected net: "
        "log2(R_f / R_f init) of the CNN minus the FCN's < 0",
        Constant(0.0, "difference < 0", "paper", PAPER), SweepUnion((cnn, fcn)),
        MeanDifference(falls, "architecture", "cnn", "fcn"), SIGN_TOLERANCE, relation="less"))
    union = SweepUnion(tuple(_net_sweep(s, *net) for net in s.nets))
    claims.append(Claim(
        "stability_error_vs_sqrt_r",
        "test error against R_f across trained networks on digits "
        f"({', '.join(f'{a} w{w} P{p}' for a, w, p in s.nets)}): eps ~ R_f^(1/2)",
        ScalingExponent.of("error_vs_relative_stability", "R_f"), union,
        PowerLawFit(x="R", y="test_error", group="label", exponent="growth", n_boot=s.n_boot), SQRT_LAW_TOLERANCE))
    return claims


class RelativeStability(Study):
    name = "stability"
    order = 5
    title = "Relative stability toward diffeomorphisms"
    papers = (PAPER,)
    scales = SCALES

    def build(self, sizes: Scale) -> list[Claim]:
        assert isinstance(sizes, StabilityScale)
        return generator_claims(sizes) + network_claims(sizes)

    def figures(self, claims: Mapping[str, Claim]) -> list[Figure]:
        deltas = pick(claims, *(f"diffeo_delta_at_t_min_c{c}" for c in CUTOFFS))
        (invertible,) = pick(claims, "diffeo_half_invertible_above_t_max_c3")
        (law,) = pick(claims, "stability_error_vs_sqrt_r")
        return stability_figures.figures(deltas, invertible, law)


STUDY = register(RelativeStability())
