"""Feature vs lazy training of a one-hidden-layer network: the run spec (docs/science.md section 1).

:class:`AlphaTrainingSpec` trains a one-hidden-layer network (its ``net``,
:class:`simulate.networks.TwoLayerReLU` by default) on a stripe or cylinder
training set by the alpha-trick gradient flow of
:mod:`simulate.gradient_flow` and measures (Paccolat et al., arXiv:2007.11471;
Geiger et al., arXiv:1906.08034):

* the test error of ``F = alpha (f - f_0)``;
* the compression ratio lambda of the first-layer weights (informative vs
  uninformative coordinates, per direction) at the end, and its trace in time;
* how far the NTK moved: ``|Theta_T - Theta_0|_F / |Theta_0|_F`` on (up to
  ``ntk_points``) training points: O(1) or more in the feature regime, -> 0 in
  the lazy regime;
* with ``frozen_kernels=True``: the test error of an SVC using the empirical
  NTK at initialisation and at the end of training as a frozen kernel, and the
  fraction of the training labels carried by each kernel's top
  ``pca_components`` eigenvectors (kernel PCA).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Hashable

import torch

from ..data.base import DataModel
from ..runs.checks import check_bool, check_float, check_instance, check_int, require
from ..runs.device import check_device, spec_device
from ..learners.gradient_flow import FlowConfig, train_flow_ensemble
from ..networks.base import Network, stack_params, unstack_params
from ..networks.two_layer import TwoLayerReLU
from ..observables.compression import compression_ratio
from ..learners.ntk import jacobian, label_projection, relative_change
from ..runs.spec import Spec
from ..learners.svc import fit_svc

__all__ = ["AlphaTrainingSpec"]


@dataclass(frozen=True)
class AlphaTrainingSpec(Spec):
    """One network trained at output scale `alpha` on `p` points of `data`.

    Fields: ``data`` (Stripe or Cylinder: the first ``d_par`` coordinates are
    informative), ``p`` (>= 2), ``alpha`` (> 0, mean-field units: the readout
    is 1/width; the NTK-scaled value is alpha / sqrt(width), a column of the
    rows), ``net`` (a scalar-output network whose first layer is the parameter
    ``"w"`` [width, d], the one the compression ratio reads: :class:`TwoLayerReLU`
    of width 64 by default, its d taken from the data), ``n_test``, ``flow``
    (:class:`FlowConfig`), ``ntk_points`` (training points on which the NTK change
    is measured), ``frozen_kernels``, ``svc_c``, ``pca_components``, ``device``
    (None: CUDA when present).

    Training set ``data.sample(p, seed, stream=0)`` (nested in p), test set
    ``stream=1``; the network is initialised with ``seed``. Float64 throughout.
    The seeds of one spec, and those of specs that differ only in ``alpha``, flow
    together as one batched model (``batch_limit``), each network with its own
    alpha, inertia and adaptive step; the records are those of seed-by-seed runs (up to rounding: see
    ``batch_limit``).
    """

    kind: ClassVar[str] = "alpha_training"
    version: ClassVar[int] = 1
    batch_limit: ClassVar[int] = 24
    """A flow step costs about 0.5 ms plus 0.4 ms per network on one core (p = 512, width 64: 0.9 ms for one
    network, 2.9 ms for 6, 4.8 to 5.6 ms for 12; 2026-11-24), so the seeds of a suite's spec go in one
    batch, and so do those of the specs that differ only in alpha (``batch_group``): the lazy and feature
    flows of one p (12 seeds each) share their long tails, when a few networks are left; the records are
    those of lone runs, bit for bit at the suite's shapes and up to the last bits of a batched product at
    others (tests/simulate/test_batched_runs.py, :mod:`..learners.gradient_flow`)."""
    gpu_batch_limit: ClassVar[int | None] = 256
    """Networks per batch on a GPU: every seed and alpha of one p (the full suite's largest group: 136
    networks) as one model. In 'auto' mode the measured speed-up at the batch size decides where it runs
    (`simulate.runs.device_rates`: 6 networks, one host synchronisation per step, ran 0.79x one CPU core on
    an H100)."""

    data: DataModel
    p: int
    alpha: float
    net: Network = field(default_factory=TwoLayerReLU)
    n_test: int = 8192
    flow: FlowConfig = field(default_factory=FlowConfig)
    ntk_points: int = 256
    frozen_kernels: bool = False
    svc_c: float = 1e6
    pca_components: int = 8
    device: str | None = None

    def __post_init__(self) -> None:
        check_instance(self.data, "data", DataModel, "a data model (Stripe, Cylinder)")
        require(self.d_par < self.data.d, f"data must have uninformative directions: d_par={self.d_par} < d={self.data.d}")
        for name, low in (("p", 2), ("n_test", 1), ("ntk_points", 2), ("pca_components", 1)):
            object.__setattr__(self, name, check_int(getattr(self, name), name, low))
        check_instance(self.net, "net", Network, "a one-hidden-layer Network (TwoLayerReLU(width=64))")
        net = self.network()
        require(net.scalar and net.param_shapes().get("w") == (net.width, self.data.d),
                f"net {type(self.net).__name__} must have a scalar output and a first-layer weight 'w' of shape "
                f"[width, d] = [{net.width}, {self.data.d}] (the compression ratio reads it): a TwoLayerReLU")
        object.__setattr__(self, "alpha", check_float(self.alpha, "alpha", 0.0, low_open=True))
        check_instance(self.flow, "flow", FlowConfig, "a FlowConfig")
        object.__setattr__(self, "svc_c", check_float(self.svc_c, "svc_c", 0.0, low_open=True))
        check_bool(self.frozen_kernels, "frozen_kernels")
        check_device(self.device)

    def network(self) -> Network:
        """The network fitted to the data's dimension."""
        return self.net.for_data(self.data)

    @property
    def width(self) -> int:
        """The network's hidden width H."""
        return self.net.width

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        """The data's dimensions, the network's width and alpha in NTK units, alpha / sqrt(width)."""
        return {"d": self.data.d, "d_par": self.d_par, "width": self.width,
                "alpha_ntk": self.alpha / math.sqrt(self.width)}

    @property
    def d_par(self) -> int:
        """Informative coordinates of the data model (1 for the stripe)."""
        return int(getattr(self.data, "d_par", 1))

    def scaled_flow(self) -> FlowConfig:
        """The flow config with its inertia ``tau`` multiplied by min(1, 1/alpha).

        In the lazy regime the flow reaches the margins in a time ~ 1/alpha; a
        fixed tau would then exceed the whole flow and the dynamics would be
        inertial rather than a gradient flow (measured: the NTK then moves 50x
        more at alpha = 1e4). Scaled, tau stays below the flow's own time scale.
        """
        return dataclasses.replace(self.flow, tau=self.flow.tau * min(1.0, 1.0 / self.alpha))

    def cost(self) -> float:
        # Seconds (see Spec.cost), fitted to the quick suite's runs: the steps to the last margin grow faster than
        # p (~500 at p=128, ~5000 at p=512), the lazy regime takes more of them, width matters little on a CPU.
        kernels = 1.55 if self.frozen_kernels else 1.0
        return 5e-4 * float(self.p) ** 1.4 * self.width**0.1 * self.alpha**0.18 * kernels

    def _run(self, seed: int) -> dict[str, Any]:
        return self._run_points([(self, seed)])[0]

    def _run_batch(self, seeds: list[int]) -> list[dict[str, Any]]:
        return self._run_points([(self, seed) for seed in seeds])

    def batch_group(self) -> Hashable:
        """Specs that differ only in ``alpha`` flow as one batch, each network with its own alpha and inertia
        (``train_flow_ensemble``'s ``alpha`` and ``tau``)."""
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "alpha")

    def _run_points(self, points: list[tuple[Spec, int]]) -> list[dict[str, Any]]:
        dev = spec_device(self, len(points))
        dt = torch.float64
        net = self.network()
        seeds = [seed for _, seed in points]
        train = [self.data.sample(self.p, seed, stream=0, device=dev, dtype=dt) for seed in seeds]
        inits = [net.init(seed, device=dev, dtype=dt) for seed in seeds]
        d_par = self.d_par
        specs = [spec for spec, _ in points]
        one = len(set(specs)) == 1
        stacked, results = train_flow_ensemble(
            net, stack_params(inits), torch.stack([x for x, _ in train]), torch.stack([y for _, y in train]),
            self.alpha if one else [spec.alpha for spec in specs], self.scaled_flow() if one else self.flow,
            observe=lambda p: compression_ratio(p["w"], d_par),
            tau=None if one else [spec.scaled_flow().tau for spec in specs])
        return [spec._measure(net, init, params, x, y, seed, result, dev) for spec, seed, init, params, (x, y), result
                in zip(specs, seeds, inits, unstack_params(stacked), train, results)]

    def _measure(self, net, init, params, x, y, seed, result, dev) -> dict[str, Any]:
        """The record of one trained model: test error, compression, NTK change (and frozen kernels)."""
        dt = torch.float64
        xt, yt = self.data.sample(self.n_test, seed, stream=1, device=dev, dtype=dt)
        d_par = self.d_par
        with torch.no_grad():
            out_test = self.alpha * (net.apply(params, xt) - net.apply(init, xt))
        # Jacobians on the training points, once per parameter set: the NTK change uses the first
        # `ntk_points` rows, the frozen-kernel SVC (if asked) all of them.
        n_probe = min(self.ntk_points, self.p)
        rows = self.p if self.frozen_kernels else n_probe
        jac0, jac1 = jacobian(net, init, x[:rows]), jacobian(net, params, x[:rows])
        k0, k1 = (j[:n_probe] @ j[:n_probe].T for j in (jac0, jac1))
        record: dict[str, Any] = {
            "test_error": float((out_test * yt <= 0).double().mean()),
            "compression": float(compression_ratio(params["w"], d_par)),
            "ntk_change": relative_change(k0, k1),
            "converged": result.converged, "stalled": result.stalled, "steps": result.steps, "rejected": result.rejected,
            "time": result.time, "train_error": result.train_error, "min_margin": result.min_margin,
            "compression_trace": result.trace,
        }
        if self.frozen_kernels:
            record.update(self._frozen_kernels(net, (("init", init, jac0), ("final", params, jac1)), y, xt, yt))
        return record

    def _frozen_kernels(self, net, kernels, y, xt, yt) -> dict[str, Any]:
        """SVC test error and kernel-PCA label share of each (name, params, training Jacobian) in `kernels`."""
        out: dict[str, Any] = {}
        for name, p, jac in kernels:
            jac_t = jacobian(net, p, xt)
            gram = jac @ jac.T
            scale = float(gram.diagonal().mean())  # the SVC's C is meant relative to a unit-diagonal kernel
            svc = fit_svc(gram / scale, y, self.svc_c)
            support = torch.as_tensor(svc.support_, device=jac.device)
            coef = torch.as_tensor(svc.dual_coef_[0], device=jac.device, dtype=jac.dtype)
            decision = (jac_t @ jac[support].T / scale) @ coef + float(svc.intercept_[0])
            pred = torch.where(decision > 0, 1.0, -1.0).to(yt.dtype)
            out[f"svc_error_ntk_{name}"] = float((pred != yt).double().mean())
            out[f"label_projection_{name}"] = label_projection(gram, y, min(self.pca_components, self.p))
        out["log2_svc_error_ratio"] = (
            math.log2(out["svc_error_ntk_init"] / out["svc_error_ntk_final"])
            if out["svc_error_ntk_final"] > 0 and out["svc_error_ntk_init"] > 0 else math.nan
        )
        out["label_projection_gain"] = out["label_projection_final"] - out["label_projection_init"]
        return out
