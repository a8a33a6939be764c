"""Pooling claims (Tomasini, Petrini, Cagnetta, Wyart, arXiv:2210.01506): how sensitivities scale with depth.

Per layer k, D_k (sensitivity to a one-pixel, label-preserving shift) and
G_k (to Gaussian noise of the same norm), both relative to the distance
between independent inputs; R_k = D_k / G_k.

* idealised average-pooling ReLU nets (no training, single-pixel probes):
  stride = filter size F gives D_k ~ F^-k and G_k ~ F^k, rates -ln F and
  +ln F on a semi-log scale; stride 1 gives D_k ~ k^-1, G_k ~ k^(1/2),
  power laws approached slowly (fitted at large k, local exponents reported);
* a deep 1D CNN trained on the scale-detection task (task 2, xi-blocks):
  after training D_k falls with k like the idealised net's while the
  receptive field F^k is smaller than xi; at initialisation it does not
  fall like it; after training G_k grows with k;
* the idealised nets' D_k (and, for stride = F, G_k) against their exact
  finite-N values (theory.pooling.ideal_pooling_exact, [exact]), beside the
  asymptotic rates.
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from ....simulate.experiments.pooling import IdealPoolingSpec, TrainedPoolingSpec, default_pooling_train_config
from ....simulate.data.scale_detection import ScaleDetection1D
from ....simulate.learners.training import TrainConfig
from ....simulate.networks import ConvNet1D, IdealPoolingNet
from ....simulate.runs.sweep import Sweep
from ....theory.pooling import ideal_pooling_exact
from ...claim import Claim, Tolerance
from ...estimators import PowerLawFit, RateFit, SeedMean
from ...figures import Figure, pick
from ...targets import Constant, Rate, ScalingExponent
from .. import register
from ..base import Scale, Study
from . import figures as pooling_figures

RATE_TOLERANCE = Tolerance(
    absolute=0.05,
    reason=(
        "the [derived] closed forms D_k = F^-k / (1 - F^k/N) and G_k = (F^k/pi + 0.68) / (2 (1 - F^k/N)) "
        "put the rate of ln D_k over k <= log_F(N/16), and of ln G_k over the window's upper half, within "
        "0.02 of -ln F and +ln F; 0.05 allows for that finite-N and small-k drift (fixed before any run)"
    ),
    max_interval=0.3,
)

STRIDE1_TOLERANCE = Tolerance(
    absolute=0.05,
    reason=(
        "the stride-1 laws are asymptotic in k (the G exponent approaches 1/2 slowly: local exponents "
        "0.35-0.40 at k = 16-48 for F = 2 in the authors' runs), so the fit starts at k = L/4 and 0.05 "
        "allows for the drift left there; the local exponents along k are reported (fixed before any run)"
    ),
    max_interval=0.3,
)

TRAINED_TOLERANCE = Tolerance(
    absolute=0.25,
    reason=(
        "a trained net learns average-pooling filters only approximately, over only log2(xi) - 1 layers "
        "at a width far below the paper's H = 1000: the rate of ln D_k may differ from -ln 2 by a quarter "
        "of a unit and still be the idealised law (fixed before any run)"
    ),
    max_interval=1.0,
)

SIGN_TOLERANCE = Tolerance(
    absolute=0.0,
    reason="a sign: the whole interval must lie on one side of 0",
    max_interval=2.0,
)

TRAIN = default_pooling_train_config()
"""The authors' settings: hinge loss, SGD at 0.01 H (mean-field readout), batch 8, no momentum, weight decay on
the convolution weights (the spec's ``ridge``), until every training margin is >= 1."""


@dataclass(frozen=True, kw_only=True)
class PoolingScale(Scale):
    """Sizes of one scale.

    ``strided`` maps F to (N, L) for the stride-F idealised nets (N = F^L' input pixels, L layers, k <= L
    within F^k <= N / 16); ``stride1_n``, ``stride1_depth``: input size and depth of the stride-1 nets;
    ``noise_seeds``: seeds of the noise (the D_k of an idealised net is deterministic);
    ``trained_*``: the trained 1D CNN (task 2, F = s = 2).
    """

    strided: Mapping[int, tuple[int, int]]
    stride1_filters: tuple[int, ...]
    stride1_n: int
    stride1_depth: int
    noise_seeds: int
    trained_d: int
    trained_xi: int
    trained_width: int
    trained_p: int
    trained_n_test: int
    trained_n_probe: int
    trained_seeds: int
    trained_stride1: bool = False
    train: TrainConfig = TRAIN


SCALES = {
    "toy": PoolingScale(strided={2: (256, 4), 3: (729, 3)}, stride1_filters=(2,), stride1_n=128, stride1_depth=16,
                        noise_seeds=3, trained_d=32, trained_xi=8, trained_width=16, trained_p=128,
                        trained_n_test=64, trained_n_probe=32, trained_seeds=3, n_boot=300,
                        train=dataclasses.replace(TRAIN, max_steps=3000)),
    "quick": PoolingScale(strided={2: (4096, 8), 3: (6561, 5)}, stride1_filters=(2, 3), stride1_n=1024,
                          stride1_depth=64, noise_seeds=3, trained_d=64, trained_xi=16, trained_width=64,
                          trained_p=512, trained_n_test=448, trained_n_probe=256, trained_seeds=6),
    "full": PoolingScale(strided={2: (8192, 9), 3: (6561, 5)}, stride1_filters=(2, 3), stride1_n=4096,
                         stride1_depth=512, noise_seeds=8, trained_d=128, trained_xi=32, trained_width=256,
                         trained_p=1024, trained_n_test=1024, trained_n_probe=512, trained_seeds=12,
                         trained_stride1=True),
}


def strided_name(what: str, F: int) -> str:
    return f"pooling_ideal_{what}_stride{F}_F{F}"


def stride1_name(what: str, F: int) -> str:
    return f"pooling_ideal_{what}_stride1_F{F}"


def trained_name(what: str, stride: int) -> str:
    return f"pooling_trained_{what}_stride{stride}"


STRIDE1_TASK = ScaleDetection1D(d=32, xi=8, task=1, gap=1.0)
"""The stride-1 trained net learns task 1 (periodic distance < xi - gap vs >= xi + gap), which is invariant to
circular shifts; receptive field k + 1 after k layers (L = 8 layers, P = 256, 128 test points, all probes)."""


def _strided_window(F: int, N: int, L: int) -> tuple[int, int]:
    """Layers k with F^k <= N / 16, where the finite-N factor 1 / (1 - F^k/N) stays below 1.07."""
    k_max = min(L, int(math.floor(math.log(N / 16) / math.log(F) + 1e-9)))
    return 1, k_max


def ideal_strided_claims(s: PoolingScale) -> list[Claim]:
    claims = []
    for F, (N, L) in s.strided.items():
        sweep = Sweep.over(IdealPoolingSpec(IdealPoolingNet(N=N, F=F, stride=F, L=L)), seeds=range(s.noise_seeds))
        lo, hi = _strided_window(F, N, L)
        g_lo = max(lo, (lo + hi + 1) // 2)  # G_k ~ F^k / pi + 0.68: its rate approaches ln F in the upper half
        for what, name, sign, window in (("D", "pooling_diffeo_strided", "-", (lo, hi)),
                                          ("G", "pooling_noise_strided", "+", (g_lo, hi))):
            claims.append(Claim(
                name=strided_name(what, F),
                statement=(f"idealised average-pooling ReLU net, filter = stride = {F}, N = {N}: "
                           f"{what}_k ~ {F}^({sign}k), rate d ln {what}_k / dk = {sign}ln {F} "
                           f"(layers {window[0]}-{window[1]})"),
                predicted=Rate.of(name, "k", F=F),
                sweep=sweep,
                estimator=RateFit(x="layer", y=what, window=(float(window[0]), float(window[1])),
                                  exponent="growth", n_boot=s.n_boot),
                tolerance=RATE_TOLERANCE,
            ))
    return claims


def ideal_stride1_claims(s: PoolingScale) -> list[Claim]:
    claims = []
    window = (float(s.stride1_depth // 4), float(s.stride1_depth))
    for F in s.stride1_filters:
        sweep = Sweep.over(IdealPoolingSpec(IdealPoolingNet(N=s.stride1_n, F=F, stride=1, L=s.stride1_depth)),
                           seeds=range(s.noise_seeds))
        for what, name, law in (("D", "pooling_diffeo_stride1", "k^-1"), ("G", "pooling_noise_stride1", "k^(1/2)")):
            claims.append(Claim(
                name=stride1_name(what, F),
                statement=(f"idealised average-pooling ReLU net, filter {F}, stride 1, N = {s.stride1_n}: "
                           f"{what}_k ~ {law} at large k (layers {window[0]:g}-{window[1]:g})"),
                predicted=ScalingExponent.of(name, "k"),
                sweep=sweep,
                estimator=PowerLawFit(x="layer", y=what, window=window, exponent="growth", n_boot=s.n_boot),
                tolerance=STRIDE1_TOLERANCE,
            ))
    return claims


EXACT_D_TOLERANCE = Tolerance(
    absolute=1e-9,
    reason=("D_k of the idealised net (bias 0) on one-pixel probes is deterministic and its exact finite-N value "
            "is a finite sum (theory.pooling.ideal_pooling_exact): only float64 rounding (~1e-15 per layer) may "
            "separate them (fixed before any run)"),
    max_interval=1e-6,
)

EXACT_G_TOLERANCE = Tolerance(
    absolute=0.002,
    reason=("the exact G_k takes the matched noise Gaussian with sigma^2 = 2/N; for every unit without the probe "
            "this is exact (the net is homogeneous there), for the one unit with it the sphere differs by O(1/N) "
            "relative on a 1/n_k share of num_G, below 1e-3 at N >= 256; the noise's Monte Carlo error is in the "
            "interval (fixed before any run)"),
    max_interval=0.1,
)


@dataclass(frozen=True)
class LogRatioToExact:
    """Per seed, the mean over layers k of ln(y_k / exact_k); mean over seeds with a Student-t interval
    (:class:`SeedMean`'s rule). The largest |ln(y_k / exact_k)| over layers and seeds is given in the notes."""

    y: str
    net: IdealPoolingNet
    confidence: float = 0.95

    @property
    def exact(self) -> tuple[float, ...]:
        """The exact finite-N values of `y` at layers 1..L (computed when first needed, then cached)."""
        return _exact_pooling(self.net.N, self.net.F, self.net.stride, self.net.L)[self.y]

    def columns(self) -> tuple[str, ...]:
        return (self.y,)

    def describe(self) -> str:
        return (f"mean over layers 1-{self.net.L} of ln({self.y}_k / exact {self.y}_k) per seed, "
                f"{self.confidence:.0%} Student-t interval over seeds")

    def fit(self, rows):
        rows = rows[rows["layer"] <= self.net.L]
        exact = np.asarray(self.exact)[rows["layer"].to_numpy(dtype=int) - 1]
        rows = rows.assign(log_ratio=np.log(rows[self.y].to_numpy(dtype=float) / exact))
        per_seed = rows.groupby("seed")["log_ratio"].mean().reset_index()
        level = SeedMean("log_ratio", confidence=self.confidence).fit(per_seed)
        worst = float(np.nanmax(np.abs(rows["log_ratio"]))) if len(rows) else math.nan
        return dataclasses.replace(level, method=self.describe(),
                                   notes=level.notes + (f"max |ln({self.y}_k / exact)| over layers and seeds: "
                                                        f"{worst:.3g}",))


@functools.lru_cache(maxsize=16)
def _exact_pooling(N: int, F: int, stride: int, L: int) -> dict[str, tuple[float, ...] | None]:
    ex = ideal_pooling_exact(N, F, stride, L)
    return {k: (tuple(v) if v is not None else None) for k, v in ex.items()}


def ideal_exact_claims(s: PoolingScale) -> list[Claim]:
    """The idealised nets' D_k (every net of the scale) and G_k (stride = F) against their exact finite-N values.

    The stride-F values cost milliseconds and are shown in the statements; the stride-1 ones (dense propagation of
    the N probes through L layers: 1 s at N = 1024, L = 64) are computed when the claim is judged."""
    nets = [IdealPoolingNet(N=N, F=F, stride=F, L=L) for F, (N, L) in s.strided.items()]
    nets += [IdealPoolingNet(N=s.stride1_n, F=F, stride=1, L=s.stride1_depth) for F in s.stride1_filters]
    claims = []
    for net in nets:
        sweep = Sweep.over(IdealPoolingSpec(net), seeds=range(s.noise_seeds))
        for what in ("D", "G") if net.stride == net.F else ("D",):
            if net.stride == net.F:
                values = _exact_pooling(net.N, net.F, net.stride, net.L)[what]
                shown = ", ".join(f"{v:.4g}" for v in values[:4]) + (", ..." if len(values) > 4 else "")
            else:
                shown = "computed when judged"
            claims.append(Claim(
                name=f"pooling_ideal_{what}_exact_stride{net.stride}_F{net.F}",
                statement=(f"idealised average-pooling ReLU net, filter {net.F}, stride {net.stride}, N = {net.N}: "
                           f"the measured {what}_k equals its exact finite-N value at every layer k = 1-{net.L} "
                           f"({shown})"),
                predicted=Constant(0.0, f"ln({what}_k / exact {what}_k) = 0; exact {what}_k = {shown} "
                                        "(theory.pooling.ideal_pooling_exact)", "exact", "2210.01506"),
                sweep=sweep,
                estimator=LogRatioToExact(what, net),
                tolerance=EXACT_D_TOLERANCE if what == "D" else EXACT_G_TOLERANCE,
            ))
    return claims


def _trained_sweep(s: PoolingScale, stride: int) -> Sweep:
    if stride == 2:  # task 2; every layer halves the input (log2 d layers)
        spec = TrainedPoolingSpec(data=ScaleDetection1D(s.trained_d, s.trained_xi),
                                  net=ConvNet1D(F=2, stride=2, L=int(round(math.log2(s.trained_d))),
                                                width=s.trained_width),
                                  p_train=s.trained_p, n_test=s.trained_n_test, n_probe=s.trained_n_probe, train=s.train)
    else:  # stride 1 with circular padding is blind to shifts, which change task 2's labels: task 1
        spec = TrainedPoolingSpec(data=STRIDE1_TASK, net=ConvNet1D(F=2, stride=1, L=8, width=s.trained_width),
                                  p_train=256, n_test=128, n_probe=128, train=s.train)
    return Sweep.over(spec, seeds=range(s.trained_seeds))


def trained_claims(s: PoolingScale, stride: int) -> list[Claim]:
    """D_k after training falls like 2^-k over the layers whose receptive field is below xi, and at
    initialisation it does not; G_k grows over the same layers after training."""
    sweep = _trained_sweep(s, stride)
    task, width = sweep.base.data, sweep.base.net.width
    # receptive field 2^k < xi (stride 2) or k + 1 < xi (stride 1)
    k_max = int(round(math.log2(task.xi))) - 1 if stride == 2 else task.xi - 2
    window = (1.0, float(k_max))
    fit = dict(x="layer", window=window, exponent="growth", n_boot=s.n_boot)
    where = f"layers 1-{k_max}, receptive field < xi = {task.xi}"
    net = (f"1D CNN (filter 2, stride {stride}, width {width}) trained on scale-detection task {task.task} "
           f"(d={task.d})")
    if stride == 2:
        rate_d = Rate.of("pooling_diffeo_strided", "k", F=2)
        rate_g = Rate.of("pooling_noise_strided", "k", F=2)
        fitter, what_d = RateFit, "rate d ln D_k / dk"
    else:
        rate_d = ScalingExponent.of("pooling_diffeo_stride1", "k")
        rate_g = ScalingExponent.of("pooling_noise_stride1", "k")
        fitter, what_d = PowerLawFit, "exponent d ln D_k / d ln k"
    return [
        Claim(trained_name("D", stride), f"{net}: after training, {what_d} is the idealised net's ({where})",
              rate_d, sweep, fitter(y="D", **fit), TRAINED_TOLERANCE),
        Claim(trained_name("D_init", stride),
              f"{net}: at initialisation, {what_d} is not the idealised net's ({where})",
              rate_d, sweep, fitter(y="D_init", **fit), TRAINED_TOLERANCE, relation="differ"),
        Claim(trained_name("G", stride), f"{net}: after training, G_k grows with k ({where}; "
              f"the idealised net's {'rate' if stride == 2 else 'exponent'} is {rate_g.value(None):.3f})",
              Constant(0.0, "0 (G_k grows with k)", "paper", "2210.01506"), sweep, fitter(y="G", **fit), SIGN_TOLERANCE, relation="greater"),
    ]


class Pooling(Study):
    name = "pooling"
    order = 4
    title = "How deep CNNs lose spatial information: sensitivities against depth under pooling"
    papers = ("2210.01506",)
    scales = SCALES

    def build(self, sizes: Scale) -> list[Claim]:
        assert isinstance(sizes, PoolingScale)
        claims = ideal_strided_claims(sizes) + ideal_stride1_claims(sizes) + trained_claims(sizes, 2)
        if sizes.trained_stride1:
            claims += trained_claims(sizes, 1)
        return claims + ideal_exact_claims(sizes)

    def figures(self, claims: Mapping[str, Claim]) -> list[Figure]:
        """The idealised nets' D_k, G_k, R_k against k with the predicted lines; the trained CNN before and after."""
        strided = [F for F in (2, 3) if strided_name("D", F) in claims]
        ideal = pick(claims, *(strided_name("D", F) for F in strided),
                     *(n for n in claims if n.startswith("pooling_ideal_D_stride1")))
        trained = pick(claims, trained_name("D", 2))
        return pooling_figures.figures(ideal, trained)


STUDY = register(Pooling())
