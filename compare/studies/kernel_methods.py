"""Kernel methods study: SVC on the stripe model, KRR and spectral bias on the depleted stripe.

Papers: Paccolat, Spigler, Wyart (arXiv:2006.09754) and Paccolat et al.
(arXiv:2007.11471) for SVC learning curves on the stripe model; Tomasini,
Sclocchi, Wyart (arXiv:2202.03348) for kernel ridge regression and the
failure of the spectral-bias theory. Scales: ``toy`` (seconds, for the
tests), ``quick`` (minutes on 2 CPU cores), ``full`` (hours on CPU). Every
claim states its fit window and tolerance once, here, with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...simulate.data.depleted_stripe import DepletedStripe
from ...simulate.data.stripe import Stripe
from ...simulate.experiments.kernel_methods import KernelRegressionSpec, KernelSVCSpec, SpectrumSpec
from ...simulate.learners.kernels import ExpPower, Laplace, ReluNTK
from ...simulate.runs.sweep import Sweep
from ..claim import Claim, Tolerance
from ..estimators import PowerLawFit
from ..targets import ClosedForm, SpectralBiasExponent
from . import register
from .base import Scale, Study

EXPONENT_TOLERANCE = Tolerance(
    absolute=0.05,
    reason=(
        "finite-P corrections to the asymptotic exponent are not in the seed-bootstrap interval; "
        "0.05 was fixed before any run as the largest allowance that still separates the values this "
        "suite contrasts (beta_lazy 0.5 at d=2 vs 0.4 at d=4; beta_true 1 vs beta_SB 4/3 at d=1, chi=1)"
    ),
    max_interval=0.3,
)
"""One tolerance for every exponent claim, fixed before any run."""


@dataclass(frozen=True, kw_only=True)
class KernelScale(Scale):
    """Sizes of one scale.

    ``svc_ps`` and ``krr_ps`` are the training-set sizes (the first is plotted
    but not fitted); ``sb_ps`` the sizes at which the spectral-bias curve is
    compared with KRR (at most ``spectrum_n / 16``, see
    :class:`compare.targets.SpectralBiasExponent`).
    """

    svc_ps: tuple[int, ...]
    svc_seeds: int
    krr_ps: tuple[int, ...]
    krr_seeds: int
    krr_seeds_1d: int
    n_test: int
    n_test_1d: int
    spectrum_n: int
    sb_ps: tuple[int, ...]
    dims: tuple[int, ...]


SCALES = {
    "toy": KernelScale(svc_ps=(32, 64, 128, 256), svc_seeds=3, krr_ps=(32, 64, 128, 256), krr_seeds=3, krr_seeds_1d=3,
                 n_test=2000, n_test_1d=4000, spectrum_n=1024, sb_ps=(16, 32, 64), dims=(2,), n_boot=300),
    "quick": KernelScale(svc_ps=(128, 256, 512, 1024, 2048, 4096, 8192), svc_seeds=12,
                   krr_ps=(64, 128, 256, 512, 1024, 2048, 4096), krr_seeds=8, krr_seeds_1d=32,
                   n_test=10000, n_test_1d=20000, spectrum_n=8192, sb_ps=(64, 128, 256, 512), dims=(2, 4)),
    "full": KernelScale(svc_ps=(256, 512, 1024, 2048, 4096, 8192, 16384), svc_seeds=24,
                  krr_ps=(64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384), krr_seeds=16, krr_seeds_1d=96,
                  n_test=20000, n_test_1d=50000, spectrum_n=16384, sb_ps=(64, 128, 256, 512, 1024), dims=(2, 3, 5)),
}

LAPLACE = Laplace(sigma=10.0)  # "large bandwidth": sigma >> the unit scale of the Gaussian data
EXP_POWER = ExpPower(sigma=10.0, xi=0.5)
KRR_KERNEL = Laplace(sigma=1.0)
SVC_C = 1e6  # close to hard margin; libsvm's time grows with C


def _window(ps: tuple[int, ...]) -> tuple[float, float]:
    # The smallest P is plotted but not fitted (the most pre-asymptotic point).
    return (float(ps[1]), float(ps[-1]))


def svc_claims(s: KernelScale) -> list[Claim]:
    fit = PowerLawFit(x="p", y="test_error", window=_window(s.svc_ps), n_boot=s.n_boot)

    def claim(name: str, statement: str, kernel, d: int, target: ClosedForm) -> Claim:
        base = KernelSVCSpec(data=Stripe(d=d), kernel=kernel, p=s.svc_ps[0], n_test=s.n_test, C=SVC_C)
        sweep = Sweep.over(base, seeds=range(s.svc_seeds), p=s.svc_ps)
        return Claim(name, statement, target, sweep, fit, EXPONENT_TOLERANCE)

    claims = [
        claim(f"svc_laplace_stripe_d{d}",
              f"SVC with a Laplace kernel on the stripe model in d={d}: eps ~ P^-beta, beta = d/(3d-2) (lazy regime)",
              LAPLACE, d, ClosedForm.of("beta_lazy", d=d))
        for d in s.dims
    ]
    d = s.dims[0]
    claims.append(claim(
        f"svc_ntk_stripe_d{d}",
        f"SVC with the analytic ReLU NTK at initialisation (cusp xi=1) on the stripe model in d={d}: beta = d/(3d-2)",
        ReluNTK(), d, ClosedForm.of("beta_lazy", d=d)))
    claims.append(claim(
        f"svc_cusp{EXP_POWER.xi:g}_stripe_d{d}",
        f"SVC with exp(-(r/sigma)^{EXP_POWER.xi:g}) (cusp xi={EXP_POWER.xi:g}) on the stripe model in d={d}: "
        "beta = (d-1+xi)/(3d-3+xi)",
        EXP_POWER, d, ClosedForm.of("beta_svc", d=d, xi=EXP_POWER.xi)))
    return claims


def _krr_sweep(s: KernelScale, d: int, chi: float) -> Sweep:
    # In d = 1 the error comes from the few test points in the random gap of
    # training points around x_1 = 0: far noisier per seed, hence more seeds.
    n_test, seeds = (s.n_test_1d, s.krr_seeds_1d) if d == 1 else (s.n_test, s.krr_seeds)
    base = KernelRegressionSpec(data=DepletedStripe(d=d, chi=chi), kernel=KRR_KERNEL, p=s.krr_ps[0], ridge=0.0, n_test=n_test)
    return Sweep.over(base, seeds=range(seeds), p=s.krr_ps)


def krr_claims(s: KernelScale) -> list[Claim]:
    claims = []
    fit = PowerLawFit(x="p", y="mse", window=_window(s.krr_ps), n_boot=s.n_boot)
    for d, chi in ((s.dims[0], 0.0), (1, 1.0)):
        claims.append(Claim(
            name=f"krr_depleted_d{d}_chi{chi:g}",
            statement=f"ridgeless Laplace KRR on the depleted stripe (d={d}, chi={chi:g}): mse ~ P^-beta, beta = (1+chi)/(d+chi)",
            predicted=ClosedForm.of("beta_krr_true", d=d, chi=chi),
            sweep=_krr_sweep(s, d, chi),
            estimator=fit,
            tolerance=EXPONENT_TOLERANCE,
        ))
    d, chi = 1, 1.0
    claims.append(Claim(
        name=f"krr_vs_sb_formula_d{d}_chi{chi:g}",
        statement=(
            f"the measured ridgeless KRR exponent (d={d}, chi={chi:g}) differs from the closed-form "
            "spectral-bias exponent beta_SB = (1+chi)(d+1)/(d(d+1+chi))"
        ),
        predicted=ClosedForm.of("beta_krr_sb", d=d, chi=chi),
        sweep=_krr_sweep(s, d, chi),
        estimator=fit,
        tolerance=EXPONENT_TOLERANCE,
        relation="differ",
    ))
    sb_fit = PowerLawFit(x="p", y="mse", window=(float(s.sb_ps[0]), float(s.sb_ps[-1])), n_boot=s.n_boot)
    for d, chi, relation in ((s.dims[0], 0.0, "equal"), (1, 1.0, "differ")):
        spectrum = SpectrumSpec(data=DepletedStripe(d=d, chi=chi), kernel=KRR_KERNEL, n=s.spectrum_n)
        verb = "matches" if relation == "equal" else "misses"
        claims.append(Claim(
            name=f"sb_vs_krr_d{d}_chi{chi:g}",
            statement=(
                f"the numerical spectral-bias (eigenlearning) exponent {verb} the measured ridgeless KRR exponent "
                f"(d={d}, chi={chi:g}); the paper predicts agreement at chi=0 and failure at chi>0 in low d"
            ),
            predicted=SpectralBiasExponent(spectrum=spectrum, ps=s.sb_ps, ridge=0.0),
            sweep=_krr_sweep(s, d, chi),
            estimator=sb_fit,
            tolerance=EXPONENT_TOLERANCE,
            relation=relation,
        ))
    return claims


class KernelMethods(Study):
    """SVC learning curves on the stripe model; ridgeless KRR and the spectral-bias prediction on the depleted stripe."""

    name = "kernel_methods"
    order = 1
    title = "Kernel methods: SVC on the stripe model, KRR and spectral bias on the depleted stripe"
    papers = ("2006.09754", "2007.11471", "2202.03348")
    scales = SCALES

    def build(self, sizes: KernelScale) -> list[Claim]:
        return svc_claims(sizes) + krr_claims(sizes)


STUDY = register(KernelMethods())
