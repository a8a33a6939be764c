"""Random Hierarchy Model claims (docs/science.md section 3; Cagnetta et al., arXiv:2307.02129).

* sample complexity: the P* at which a deep CNN's test error falls to 10% of
  chance error scales as n_c m^L (exponent L in m at two depths, linear in n_c);
* correlations: the P_c at which the sampling noise of the class-conditional
  input frequencies falls below their signal scales as n_c m^L (measured on
  generated data, no network).

The deep network's claims (P* in m at each depth, in n_c, the sensitivity at
P*) run on any network: :meth:`RandomHierarchy.on` rebuilds them, and their
figures, on a user's network (a :class:`TorchNetwork` of their own module, say)
as a study of its own.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import ClassVar, Mapping

from ....simulate.data.rhm import RandomHierarchyModel
from ....simulate.experiments.rhm import RHMCorrelationSpec, RHMLearningSpec, SparseRHMLearningSpec
from ....simulate.learners.training import TrainConfig
from ....simulate.networks import HierarchicalCNN, LocallyConnected, Network, ShallowFCN
from ....simulate.runs.sweep import Sweep, SweepUnion

from ....simulate.runs.checks import check_instance
from ...claim import Claim, Tolerance, check_name
from ...estimators import CrossingRatio, CrossingScaling
from ...figures import Figure, pick
from ...targets import Constant, ScalingExponent
from .. import register
from ..base import Scale, Study
from . import figures as rhm_figures

TRAIN = TrainConfig(lr=0.1, batch_size=32)
"""SGD with momentum 0.9, effective rate 0.1 * width. With the default lr=0.3 every network at
m=8, L=3 died (training loss stuck at log n_c for 20000 steps); lr=0.1 converged there and is
used for every RHM claim. Runs that still fail to converge are left out and counted (Claim)."""

P_STAR_FRACTION = 0.1
"""P* := smallest P with test error <= 0.1 * (1 - 1/n_c), 10% of chance error (docs/science.md section 3)."""

CROSSING_TOLERANCE = Tolerance(
    absolute=0.25,
    reason=(
        "P_c ~ n_c m^L equates two scaling estimates, so it holds up to an O(1) factor that may drift with m; "
        "with m spanning a factor 3-4, a 25-30% drift of that factor moves the fitted exponent by about 0.2"
    ),
    max_interval=1.0,
)
"""Fixed before any run."""

NARROW_RANGE_TOLERANCE = Tolerance(
    absolute=0.5,
    reason=(
        "the scaling holds up to an O(1) factor; with the swept parameter spanning only a factor 2 "
        "(so that the runs stay affordable or P_max reachable), a 30% drift of that factor moves the exponent by 0.4"
    ),
    max_interval=3.0,
)
"""For claims whose swept parameter spans a factor 2 only; fixed before their runs."""

FCN_DEPTH = 3
"""Depth of the shallow-FCN claim (P_max = n_c m^7 at s = 2 stays reachable for m <= 4)."""
N_C_DEPTH = 3
"""Depth of the deep-CNN claim in n_c."""


def p_star_name(L: int, prefix: str = "rhm") -> str:
    """Deep CNN, P* against m at depth L."""
    return f"{prefix}_p_star_m_L{L}"


def p_star_n_c_name(L: int, prefix: str = "rhm") -> str:
    """Deep CNN, P* against n_c at depth L."""
    return f"{prefix}_p_star_n_c_L{L}"


def sensitivity_name(L: int, prefix: str = "rhm") -> str:
    return f"{prefix}_sensitivity_at_p_star_L{L}"


def fcn_name(L: int) -> str:
    return f"rhm_fcn_p_star_m_L{L}"


@dataclass(frozen=True)
class CorrelationSizes:
    """Sizes of the correlation claims: (L, m values) pairs, n_c values, P grid, seeds."""

    depths: tuple[tuple[int, tuple[int, ...]], ...]
    n_cs: tuple[int, ...]
    ps: tuple[int, ...]
    seeds: int
    large_vocabulary_n_cs: tuple[int, ...] = ()
    """n_c values of the same claim at v = LARGE_V (none: no such claim at this scale)."""


@dataclass(frozen=True)
class LearningSizes:
    """Sizes of the sample-complexity claims.

    ``depths``: (L, s, m values) per depth; ``n_cs``: class counts for the
    linearity in n_c (at L=3, s=2, m=4); ``ps``: the P grid, cut per m to
    what the dataset holds (P + n_test <= P_max).
    """

    depths: tuple[tuple[int, int, tuple[int, ...]], ...]
    n_cs: tuple[int, ...]
    ps: tuple[int, ...]
    seeds: int
    width: int
    n_test: int
    fcn_ms: tuple[int, ...] = (2, 3, 4)
    sparse_s0s: tuple[int, ...] = (1, 2, 3)
    sparse_max_p: int = 8192
    sparse_seeds: int = 3
    sparse_m: int = 4


@dataclass(frozen=True, kw_only=True)
class RHMScale(Scale):
    """Sizes of one scale: the correlation claims (no network) and the learning claims."""

    learning: LearningSizes
    correlations: CorrelationSizes | None = None
    """None: no correlation claims (a study of another network, :meth:`RandomHierarchy.on`, makes none)."""


V, S, N_C, M_FOR_N_C, L_FOR_N_C = 8, 2, 4, 3, 2  # v=8, s=2: m <= 8 and n_c*m <= 64
LARGE_V = 32
"""Vocabulary of the correlation claim in n_c that asks whether v = 8 is too small (n_c m reaches v^s there)."""

def correlation_claims(s: CorrelationSizes, n_boot: int) -> list[Claim]:
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
            estimator=CrossingScaling(threshold=1.0, group="m", y="noise_to_signal", n_boot=n_boot),
            tolerance=CROSSING_TOLERANCE,
        ))

    def in_n_c(v: int, n_cs: tuple[int, ...], name: str, statement: str) -> Claim:
        """P_c against n_c at vocabulary v (m = M_FOR_N_C, L = L_FOR_N_C)."""
        base = RHMCorrelationSpec(n_c=n_cs[0], v=v, m=M_FOR_N_C, s=S, L=L_FOR_N_C, p=s.ps[0])
        return Claim(
            name=name,
            statement=statement,
            predicted=ScalingExponent.of("rhm_correlation_crossing", "n_c", m=M_FOR_N_C, L=L_FOR_N_C),
            sweep=Sweep.over(base, seeds=range(s.seeds), n_c=n_cs, p=s.ps),
            estimator=CrossingScaling(threshold=1.0, group="n_c", y="noise_to_signal", n_boot=n_boot),
            tolerance=CROSSING_TOLERANCE,
        )

    claims.append(in_n_c(
        V, s.n_cs, f"rhm_correlations_n_c_L{L_FOR_N_C}",
        f"RHM (v={V}, m={M_FOR_N_C}, s={S}, L={L_FOR_N_C}): the correlation crossing P_c grows linearly in the "
        f"number of classes n_c (n_c = {', '.join(map(str, s.n_cs))})"))
    if s.large_vocabulary_n_cs:
        n_cs = s.large_vocabulary_n_cs
        claims.append(in_n_c(
            LARGE_V, n_cs, f"rhm_correlations_n_c_L{L_FOR_N_C}_v{LARGE_V}",
            f"RHM (v={LARGE_V}, m={M_FOR_N_C}, s={S}, L={L_FOR_N_C}): the correlation crossing P_c grows linearly "
            f"in n_c (n_c = {', '.join(map(str, n_cs))}) when n_c m stays far below v^s = {LARGE_V**S}"))
    return claims


SCALES = {
    "toy": RHMScale(
        correlations=CorrelationSizes(depths=((2, (2, 3, 4)),), n_cs=(2, 4, 8), ps=tuple(2**k for k in range(2, 13)), seeds=3),
        learning=LearningSizes(depths=((3, 2, (3, 4)),), n_cs=(2, 4), ps=tuple(2**k for k in range(5, 12)), seeds=3,
                               width=32, n_test=512, fcn_ms=(2, 3), sparse_s0s=(1, 2), sparse_max_p=1024, sparse_m=2),
        n_boot=300),
    "quick": RHMScale(
        correlations=CorrelationSizes(depths=((2, (2, 3, 4, 6, 8)), (3, (2, 3, 4, 6))), n_cs=(2, 4, 8, 16),
                                      ps=tuple(2**k for k in range(2, 17)), seeds=8,
                                      large_vocabulary_n_cs=(8, 16, 32, 64)),
        learning=LearningSizes(depths=((2, 4, (4, 6, 8)), (3, 2, (3, 4, 6, 8))), n_cs=(2, 4, 8, 16),
                               ps=tuple(2**k for k in range(4, 15)), seeds=4, width=64, n_test=1024)),
    "full": RHMScale(
        correlations=CorrelationSizes(depths=((2, (2, 3, 4, 6, 8)), (3, (2, 3, 4, 6, 8))), n_cs=(2, 4, 8, 16),
                                      ps=tuple(2**k for k in range(2, 19)), seeds=32,
                                      large_vocabulary_n_cs=(8, 16, 32, 64, 128)),
        learning=LearningSizes(depths=((2, 4, (4, 6, 8)), (3, 2, (3, 4, 6, 8))), n_cs=(2, 4, 8, 16),
                               ps=tuple(int(2 ** (k / 2)) for k in range(8, 32)), seeds=16, width=256, n_test=2048)),
}


def _test_size(s: LearningSizes, n_c: int, m: int, patch: int, L: int) -> int:
    """The test set of an RHM: ``s.n_test`` members, or a quarter of the dataset where that is smaller."""
    return min(s.n_test, RandomHierarchyModel(n_c, V, m, patch, L, 0).p_max // 4)


def _learning_sweep(base: RHMLearningSpec, field: str, values: tuple[int, ...], s: LearningSizes) -> SweepUnion:
    """One sweep per value of `field` (m or n_c), over the P that its dataset can hold.

    The test set has ``s.n_test`` members, or a quarter of the dataset where that is smaller.
    """
    sweeps = []
    for value in values:
        p_max = RandomHierarchyModel(**{**{k: getattr(base, k) for k in ("n_c", "v", "m", "s", "L")}, field: value}).p_max
        n_test = min(s.n_test, p_max // 4)  # as _test_size
        ps = tuple(p for p in s.ps if p + n_test <= p_max)
        spec = base.replace(**{field: value, "p": ps[0], "n_test": n_test})
        sweeps.append(Sweep.over(spec, seeds=range(s.seeds), p=ps))
    return SweepUnion(tuple(sweeps))


def _deep(s: LearningSizes, net: Network | None) -> tuple[Network, str]:
    """The deep network of the sample-complexity claims and its words in their statements."""
    if net is None:
        return HierarchicalCNN(width=s.width), f"deep CNN (width {s.width}, SGD)"
    return net, f"{type(net).__name__} ({describe_network(net)})"


def describe_network(net: Network) -> str:
    """A network in a few words for a statement: its kind and the fields it was given."""
    fields = {f.name for f in dataclasses.fields(net)}
    given = ", ".join(f"{f}={getattr(net, f)!r}" for f in ("width", "depth", "blocks", "options")
                      if f in fields and getattr(net, f) not in (None, ()))
    factory = getattr(net, "factory", None)
    name = f"{factory.__module__}.{factory.__qualname__}" if factory is not None else net.kind
    return f"{name}{', ' + given if given else ''}"


DEEP_CLAIMS = ("p_star_m", "sensitivity", "p_star_n_c")
"""The deep network's claims: P* in m at each depth, the sensitivity at P* (deepest depth), P* in n_c."""


def deep_network_claims(s: LearningSizes, n_boot: int, net: Network | None = None, train: TrainConfig = TRAIN,
                        prefix: str = "rhm", which: tuple[str, ...] = DEEP_CLAIMS) -> list[Claim]:
    """The claims about the deep network (those of :data:`DEEP_CLAIMS` named in `which`).

    `net` (default: the paper's hierarchical CNN at the scale's width) and `train` say what learns;
    `prefix` starts every claim name.
    """
    unknown = sorted(set(which) - set(DEEP_CLAIMS))
    if unknown or not which:
        raise ValueError(f"which={which!r}: name one or more of {', '.join(DEEP_CLAIMS)}")
    net, words = _deep(s, net)
    short = "deep CNN" if words.startswith("deep CNN") else words
    claims = []
    for L, patch, ms in (s.depths if "p_star_m" in which else ()):
        base = RHMLearningSpec(n_c=N_C, v=V, m=ms[0], s=patch, L=L, p=s.ps[0], net=net,
                               n_test=_test_size(s, N_C, ms[0], patch, L), train=train, sensitivity_level=1)
        claims.append(Claim(
            name=p_star_name(L, prefix),
            statement=(
                f"{words} on the RHM (n_c={N_C}, v={V}, s={patch}, L={L}): the sample complexity "
                f"P* (test error <= 10% of chance) grows as m^L (m = {', '.join(map(str, ms))}; a new grammar per seed)"
            ),
            predicted=ScalingExponent.of("rhm_sample_complexity", "m", L=L),
            sweep=_learning_sweep(base, "m", ms, s),
            estimator=CrossingScaling(threshold=P_STAR_FRACTION, group="m", y="error_over_chance", n_boot=n_boot),
            tolerance=CROSSING_TOLERANCE,
        ))
    if "sensitivity" in which:
        claims.append(_sensitivity_claim(s, n_boot, net, short, train, prefix))
    if "p_star_n_c" in which:
        claims.append(_p_star_n_c_claim(s, n_boot, net, words, train, prefix))
    return claims


def _sensitivity_claim(s: LearningSizes, n_boot: int, net: Network, short: str, train: TrainConfig,
                       prefix: str) -> Claim:
    L, patch, ms = s.depths[-1]
    base = RHMLearningSpec(n_c=N_C, v=V, m=ms[0], s=patch, L=L, p=s.ps[0], net=net,
                           n_test=_test_size(s, N_C, ms[0], patch, L), train=train, sensitivity_level=1)
    return Claim(
        name=sensitivity_name(L, prefix),
        statement=(
            f"{short} on the RHM (n_c={N_C}, v={V}, s={patch}, L={L}, m = {', '.join(map(str, ms))}): the synonymic "
            "sensitivity of its last hidden layer to the input-level synonyms (S_{L,1}) falls below 1/2 at a P "
            "within a factor 2 of P* (reported: mean over m of log2(P_S / P*))"
        ),
        predicted=Constant(0.0, "log2(P_S / P*) = 0: the sensitivity drops around P* (arXiv:2307.02129, Fig. of S_{k,l})",
                           provenance="paper", citation="2307.02129"),
        sweep=_learning_sweep(base, "m", ms, s),
        estimator=CrossingRatio(group="m", y_a="sensitivity_top", threshold_a=0.5, y_b="error_over_chance",
                                threshold_b=P_STAR_FRACTION, n_boot=n_boot),
        tolerance=Tolerance(1.0, "'around P*': a factor 2 either way, the resolution of a P grid in powers of 2",
                            max_interval=3.0),
    )


def _p_star_n_c_claim(s: LearningSizes, n_boot: int, net: Network, words: str, train: TrainConfig,
                      prefix: str) -> Claim:
    L, patch, m = N_C_DEPTH, 2, 4
    base = RHMLearningSpec(n_c=s.n_cs[0], v=V, m=m, s=patch, L=L, p=s.ps[0], net=net,
                           n_test=_test_size(s, s.n_cs[0], m, patch, L), train=train, sensitivity_level=1)
    return Claim(
        name=p_star_n_c_name(L, prefix),
        statement=(
            f"{words} on the RHM (v={V}, m={m}, s={patch}, L={L}): P* (test error <= 10% "
            f"of chance) grows linearly in n_c (n_c = {', '.join(map(str, s.n_cs))})"
        ),
        predicted=ScalingExponent.of("rhm_sample_complexity", "n_c", m=m, L=L),
        sweep=_learning_sweep(base, "n_c", s.n_cs, s),
        estimator=CrossingScaling(threshold=P_STAR_FRACTION, group="n_c", y="error_over_chance", n_boot=n_boot),
        tolerance=CROSSING_TOLERANCE,
    )


def sample_complexity_claims(s: LearningSizes, n_boot: int) -> list[Claim]:
    """The paper's learning claims: the deep CNN's (:func:`deep_network_claims`), the shallow FCN's, the sparse RHM's."""
    deep = deep_network_claims(s, n_boot)
    claims = deep[:-1]
    L, patch, ms = FCN_DEPTH, 2, s.fcn_ms
    base = RHMLearningSpec(n_c=N_C, v=V, m=ms[0], s=patch, L=L, p=s.ps[0], net=ShallowFCN(width=s.width),
                           n_test=s.n_test // 8, train=TRAIN)
    claims.append(Claim(
        name=fcn_name(L),
        statement=(
            f"shallow fully connected net (width {s.width}) on the RHM (n_c={N_C}, v={V}, s={patch}, L={L}): its P* "
            f"tracks P_max = n_c m^((s^L-1)/(s-1)), exponent 7 in m (m = {', '.join(map(str, ms))}, where P_max is reachable)"
        ),
        predicted=ScalingExponent.of("rhm_shallow_sample_complexity", "m", s=patch, L=L),
        sweep=_learning_sweep(base, "m", ms, s),
        estimator=CrossingScaling(threshold=P_STAR_FRACTION, group="m", y="error_over_chance", n_boot=n_boot),
        tolerance=NARROW_RANGE_TOLERANCE,
    ))
    L, patch, m = 2, 2, s.sparse_m
    ps = tuple(p for p in s.ps if p <= s.sparse_max_p)
    sweeps = tuple(
        Sweep.over(SparseRHMLearningSpec(n_c=N_C, v=V, m=m, s=patch, L=L, p=ps[0], net=LocallyConnected(width=s.width),
                                         n_test=s.n_test, train=TRAIN, s0=s0), seeds=range(s.sparse_seeds), p=ps)
        for s0 in s.sparse_s0s
    )
    claims.append(Claim(
        name=f"sparse_rhm_lcn_p_star_s0_L{L}",
        statement=(
            f"locally connected net (width {s.width}) on the sparse RHM (n_c={N_C}, v={V}, m={m}, s={patch}, L={L}, "
            f"s0 = {', '.join(map(str, s.sparse_s0s))}): P* grows as (s0+1)^L"
        ),
        predicted=ScalingExponent.of("sparse_rhm_p_star_lcn", "s0 + 1", L=L),
        sweep=SweepUnion(sweeps),
        estimator=CrossingScaling(threshold=P_STAR_FRACTION, group="s0_plus_1", y="error_over_chance", n_boot=n_boot),
        tolerance=NARROW_RANGE_TOLERANCE,
    ))
    claims.append(deep[-1])
    return claims


class RandomHierarchy(Study):
    """Sample complexities and correlations of the (sparse) Random Hierarchy Model."""

    name = "rhm"
    order = 3
    title = "Random Hierarchy Model: sample complexity of deep networks and input-class correlations"
    papers = ("2307.02129", "2404.10727")
    scales = SCALES
    network: ClassVar[Network | None] = None
    """The deep network of the sample-complexity claims; None: the paper's hierarchical CNN (see :meth:`on`)."""
    train: ClassVar[TrainConfig] = TRAIN
    """How that network trains."""
    which: ClassVar[tuple[str, ...]] = DEEP_CLAIMS
    """Which of the deep network's claims a study of another network makes (:data:`DEEP_CLAIMS`)."""

    def build(self, sizes: RHMScale) -> list[Claim]:
        if self.network is not None:  # a study of another network: its deep-network claims only
            return deep_network_claims(sizes.learning, sizes.n_boot, self.network, self.train, self.name, self.which)
        correlations = correlation_claims(sizes.correlations, sizes.n_boot) if sizes.correlations is not None else []
        return sample_complexity_claims(sizes.learning, sizes.n_boot) + correlations

    @classmethod
    def on(cls, network: Network, name: str, train: TrainConfig = TRAIN, title: str | None = None,
           scales: Mapping[str, RHMScale] | None = None, which: tuple[str, ...] = DEEP_CLAIMS) -> "RandomHierarchy":
        """This study's deep-network claims (P* in m at each depth, in n_c, the sensitivity at P*: those of
        :data:`DEEP_CLAIMS` named in `which`) and their figures, on `network` (shape fields left None: each
        RHM fills them in), as a study named `name` (claims ``<name>_p_star_m_L<L>``, ...), trained with
        `train` (the paper's SGD by default; a network with a standard readout may want another rate), at
        the RHM study's scales or `scales`.

        Register it to run it: ``register_study(RandomHierarchy.on(TorchNetwork(my_factory), "rhm_mine"))``.
        """
        import sys

        check_name(name, "study")
        check_instance(network, "network", Network, "a Network (a TorchNetwork of your module, say)")
        if not which or set(which) - set(DEEP_CLAIMS):
            raise ValueError(f"which={which!r}: name one or more of {', '.join(DEEP_CLAIMS)}")
        attributes = {"name": name, "network": network, "train": train, "order": math.inf, "which": tuple(which),
                      "papers": ("2307.02129",),
                      "scales": scales or cls.scales,
                      "title": title or f"Random Hierarchy Model: sample complexity of {describe_network(network)}",
                      "__module__": sys._getframe(1).f_globals.get("__name__", cls.__module__)}
        return type(f"RandomHierarchyOn_{name}", (cls,), attributes)()

    def figures(self, claims: Mapping[str, Claim]) -> list[Figure]:
        """Collapse, sensitivity and P* against n_c m^L over the deep network's claims (and the shallow FCN's)."""
        prefix = self.name
        depths = sorted({spec.L for c in claims.values() for spec, _ in c.runs()[:1]
                         if isinstance(spec, RHMLearningSpec) and c.name == p_star_name(spec.L, prefix)})
        if not depths:
            raise ValueError(f"the RHM figures need the claims {p_star_name(0, prefix)[:-1]}<L>; built: "
                             f"{', '.join(claims)}")
        top = depths[-1]
        n_c = (p_star_n_c_name(N_C_DEPTH, prefix),) if "p_star_n_c" in self.which else ()
        cnn = pick(claims, *(p_star_name(L, prefix) for L in depths), *n_c)
        sensitivity = pick(claims, sensitivity_name(top, prefix)) if "sensitivity" in self.which else ()
        fcn = pick(claims, fcn_name(FCN_DEPTH)) if self.network is None else ()
        return rhm_figures.figures(cnn, sensitivity, fcn, P_STAR_FRACTION, prefix)


STUDY = register(RandomHierarchy())
