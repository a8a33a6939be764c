"""Pooling experiments (arXiv:2210.01506, docs/science.md section 4): sensitivities D_k, G_k, R_k against depth k.

Tomasini, Petrini, Cagnetta, Wyart, MLST 2023. At layer k,

    D_k = numD_k / deno_k,  G_k = numG_k / deno_k,  R_k = D_k / G_k,

numD_k the mean squared change of the layer's features under a
diffeomorphism, numG_k the same under Gaussian noise of matched norm, deno_k
the mean squared distance between the features of two inputs (all ordered
pairs, i = j included) (:func:`..observables.sensitivity.sensitivity` with
``reference="pairs"``).

* :class:`IdealPoolingSpec`: the constant-filter net
  (:class:`..networks.pooling.IdealPoolingNet`) on one-pixel probes, shifted
  by one pixel; exact apart from the noise, in float64 on the CPU.
* :class:`TrainedPoolingSpec`: a 1D CNN (:class:`..networks.cnn1d.ConvNet1D`)
  trained with the hinge loss on the scale-detection task (task 2 by default,
  :class:`..data.scale_detection.ScaleDetection1D`); channel-averaged D_k,
  G_k, R_k at initialisation and after training, on test points moved by
  :class:`..observables.perturbations.BlockShift`.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch

from ..data.scale_detection import ScaleDetection1D
from ..learners.training import TrainConfig, train_ensemble
from ..networks.base import Params
from ..networks.cnn1d import ConvNet1D
from ..networks.pooling import IdealPoolingNet, probes, shift
from ..observables.perturbations import BlockShift, matched_noise
from ..observables.sensitivity import layer_sensitivities, sensitivity
from ..runs.checks import check_bool, check_float, check_instance, check_int, require
from ..runs.device import check_device, spec_device
from ..runs.spec import Spec

__all__ = ["IdealPoolingSpec", "TrainedPoolingSpec", "default_pooling_train_config"]

TAG_DIFFEO = 0x504F4F01
TAG_NOISE = 0x504F4F02


def _derived_seed(seed: int, tag: int) -> int:
    """A seed for one random component of a run (diffeo, noise), independent of the others."""
    return int(np.random.SeedSequence([seed, tag]).generate_state(1, dtype=np.uint32)[0])


def _ratios(num: list[float], den: list[float]) -> list[float]:
    return [n / d if d > 0 else math.nan for n, d in zip(num, den)]


@dataclass(frozen=True)
class IdealPoolingSpec(Spec):
    """D_k, G_k, R_k of the idealised pooling net on one-pixel probes, layers k = 1..L.

    Field: ``net``, the :class:`IdealPoolingNet` (input length N, filter F, stride, L layers, bias).
    The probes are the N one-pixel inputs (value 1), the
    diffeomorphism shifts each by one pixel (periodically), the noise is Gaussian with the norm of
    that shift per probe (:func:`matched_noise`, drawn from the run seed: the only random part).

    Records ``{"D", "G", "R", "num_D", "num_G", "deno"}``, lists over the hidden layers k = 1..L
    (NaN where a denominator is 0); read as rows they hold the network's fields (``net.N``, ...).
    """

    kind: ClassVar[str] = "ideal_pooling"
    version: ClassVar[int] = 1

    net: IdealPoolingNet

    def __post_init__(self) -> None:
        check_instance(self.net, "net", IdealPoolingNet, "an IdealPoolingNet(N, F, stride, L, bias)")

    def network(self) -> IdealPoolingNet:
        return self.net

    def cost(self) -> float:
        return 6e-8 * float(self.net.N) ** 2 * self.net.L  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        net = self.network()
        x = probes(net.N, dtype=torch.float64, device="cpu")
        moved = shift(x)
        noisy = matched_noise(x, moved, seed)
        with torch.no_grad():  # each input through the net once; hidden layers only
            f, f_moved, f_noisy = (net.features({}, v) for v in (x, moved, noisy))
        diffeo = layer_sensitivities(f, f_moved, reference="pairs")
        noise = layer_sensitivities(f, f_noisy, reference="pairs")
        L = net.L
        num_d, num_g, deno = list(diffeo.numerator[:L]), list(noise.numerator[:L]), list(diffeo.denominator[:L])
        d, g = _ratios(num_d, deno), _ratios(num_g, deno)
        return {"D": d, "G": g, "R": _ratios(d, g), "num_D": num_d, "num_G": num_g, "deno": deno}


def default_pooling_train_config() -> TrainConfig:
    """Training of :class:`TrainedPoolingSpec`: the authors' SGD (rate ``lr * width`` = 0.01 H for the
    mean-field readout, batch 8, no momentum), hinge loss, until the training loss is below 1e-6.

    The weight decay is set by the spec's ``ridge`` (leave ``weight_decay=0`` here)."""
    return TrainConfig(optimizer="sgd", lr=0.01, momentum=0.0, batch_size=8, loss="hinge", weight_decay=0.0,
                       decay_params=("w",), loss_threshold=1e-6, max_steps=20_000)


@dataclass(frozen=True)
class TrainedPoolingSpec(Spec):
    """Train a 1D CNN on the scale-detection task (task 2 by default); D_k, G_k, R_k before and after training.

    Fields: ``data`` (a :class:`ScaleDetection1D`: d pixels, xi, task, gap), ``net`` (a
    :class:`ConvNet1D`: filter F, stride 1 <= s <= F of every block, L blocks, width H; its d left
    None is the data's), ``p_train`` training points, ``n_test`` test points (disjoint, both
    balanced), ``train`` (a :class:`TrainConfig` with ``loss="hinge"``), ``n_probe`` (the first
    n_probe test points carry the sensitivities, <= n_test, >= 2), ``ridge`` (>= 0: the authors'
    penalty ``ridge * sum_k |w_k|^2 / (H L)`` on the convolution weights, i.e. ``weight_decay =
    2 ridge / (H L)``, :meth:`train_config`; leave ``train.weight_decay = 0``), ``noise_rectify`` /
    ``noise_per_sample`` (the noise of G_k, :func:`matched_noise`), ``device`` (None: CUDA when present).

    A run with seed `seed` draws the training and test sets (``ScaleDetection1D.split``), the
    network (``init(seed)``) and the mini-batch order from `seed`, and the diffeo and the noise from
    seeds derived from it; the same perturbed probes are used before and after training. The
    sensitivities are channel-averaged (``channel_mean=True``). Training runs in float32 until the
    hinge loss on the training set is below ``train.loss_threshold`` (zero up to rounding: every
    margin >= 1) or ``train.max_steps``.

    Records ``{"D_init", "G_init", "R_init", "D", "G", "R", "test_error", "test_loss", "train_loss",
    "train_error", "converged", "diverged", "steps"}``, per-layer entries as lists over the hidden
    layers k = 1..L; read as rows they hold the spec's fields (``data.d``, ``net.stride``, ...).
    The seeds of one spec train together as one batched model (``batch_limit``); the records are
    those of seed-by-seed runs.

    Validity: the network is exactly invariant to circular shifts by ``stride**L`` pixels (when that
    divides d), task 2 only to shifts by multiples of xi; a task-2 spec where ``stride**L`` is not a
    multiple of xi (stride 1, or too few strided blocks) cannot fit the task and is refused. Task 1
    (periodic distance) is invariant to every circular shift, so stride-1 networks can learn it.

    Defaults: d = 64, xi = 16 (960 balanced pairs), F = s = 2, L = 5 (lengths 32, 16, 8, 4, 2),
    H = 32, P = 512, 448 test points, 256 probes; the authors' SGD (lr 0.01 H, batch 8, no momentum)
    and ridge 0.01. Every one of seeds 0..11 reached zero training hinge loss within 900-2100 steps
    (test error 0), about 15 s for a lone run and 2-4 s per seed in batches of 4-8 on one CPU thread.
    With stride 1 (L = 5) training did not converge in 20000 steps (the invariance above).
    """

    kind: ClassVar[str] = "trained_pooling"
    version: ClassVar[int] = 1
    batch_limit: ClassVar[int] = 8
    gpu_batch_limit: ClassVar[int | None] = 64
    """Networks per batch on a GPU (every seed of the full suite's specs)."""

    data: ScaleDetection1D = field(default_factory=lambda: ScaleDetection1D(64, 16))
    net: ConvNet1D = field(default_factory=ConvNet1D)
    p_train: int = 512
    n_test: int = 448
    train: TrainConfig = field(default_factory=default_pooling_train_config)
    n_probe: int = 256
    ridge: float = 0.01
    noise_rectify: bool = False
    noise_per_sample: bool = True
    device: str | None = None

    def __post_init__(self) -> None:
        check_instance(self.data, "data", ScaleDetection1D, "a ScaleDetection1D(d, xi, task, gap)")
        check_instance(self.net, "net", ConvNet1D, "a ConvNet1D(F=, stride=, L=, width=)")
        task, net = self.data, self.network()
        check_int(self.p_train, "p_train", 1)
        check_int(self.n_test, "n_test", 2)
        check_int(self.n_probe, "n_probe", 2, self.n_test)
        require(self.p_train + self.n_test <= task.n_balanced(),
                f"p_train + n_test = {self.p_train + self.n_test} exceeds the {task.n_balanced()} balanced pairs "
                f"of the task (d={task.d}, xi={task.xi})")
        check_instance(self.train, "train", TrainConfig, "a TrainConfig")
        require(self.train.loss == "hinge", f"train.loss={self.train.loss!r}: the scale-detection task is learnt "
                                            "with the hinge loss (loss='hinge')")
        check_float(self.ridge, "ridge", 0.0)
        require(self.train.weight_decay == 0, f"train.weight_decay={self.train.weight_decay!r}: the weight decay of "
                                              "this spec is set by ridge; leave train.weight_decay=0")
        period = net.stride**net.L
        require(task.task == 1 or task.d % period != 0 or period % task.xi == 0,
                f"stride**L = {period} is not a multiple of xi = {task.xi}: the network is exactly invariant to "
                f"circular shifts by stride**L pixels (circular padding, global average pooling) and the labels of "
                f"task 2 are not, so training cannot fit the task; use stride**L a multiple of xi (e.g. stride = F "
                f"and L >= log_F xi), or task=1 (periodic distance, invariant to every shift)")
        check_bool(self.noise_rectify, "noise_rectify")
        check_bool(self.noise_per_sample, "noise_per_sample")
        check_device(self.device)

    def scale_detection(self) -> ScaleDetection1D:
        """The data: the scale-detection task."""
        return self.data

    def network(self) -> ConvNet1D:
        """The network fitted to the data's length d."""
        return self.net.for_data(self.data)

    def train_config(self) -> TrainConfig:
        """`train` with the weight decay of the authors' penalty: ``weight_decay = 2 ridge / (H L)``
        on the convolution weights (``decay_params=("w",)``)."""
        return dataclasses.replace(self.train, weight_decay=2 * self.ridge / (self.net.width * self.net.L),
                                   decay_params=("w",))

    def cost(self) -> float:
        net = self.net
        return 1.8e-10 * float(self.train.max_steps) * self.train.batch_size * net.width**2 * self.data.d / net.stride

    def _probes(self, seed: int, x_test: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x, diffeo-moved x, noisy x) on the first n_probe test points."""
        x = x_test[: self.n_probe]
        moved = BlockShift(self.scale_detection())(x, _derived_seed(seed, TAG_DIFFEO))
        noisy = matched_noise(x, moved, _derived_seed(seed, TAG_NOISE), per_sample=self.noise_per_sample,
                              rectify=self.noise_rectify)
        return x, moved, noisy

    def _sensitivities(self, net: ConvNet1D, params: Params, x: torch.Tensor, moved: torch.Tensor,
                       noisy: torch.Tensor) -> tuple[list[float], list[float], list[float]]:
        diffeo = sensitivity(net, params, x, moved, reference="pairs", channel_mean=True)
        noise = sensitivity(net, params, x, noisy, reference="pairs", channel_mean=True)
        d, g = list(diffeo.ratio[: net.L]), list(noise.ratio[: net.L])
        return d, g, _ratios(d, g)

    def _run(self, seed: int) -> dict[str, Any]:
        return self._run_batch([seed])[0]

    def _run_batch(self, seeds: list[int]) -> list[dict[str, Any]]:
        dev = spec_device(self, len(seeds))
        task, net = self.scale_detection(), self.network()
        data = [task.split(self.p_train, self.n_test, seed, device=dev, dtype=torch.float32) for seed in seeds]
        params0 = net.init_ensemble(seeds, device=dev, dtype=torch.float32)
        probe_sets = [self._probes(seed, test[0]) for seed, (_, test) in zip(seeds, data)]
        before = [self._sensitivities(net, {k: v[i] for k, v in params0.items()}, *probe_sets[i])
                  for i in range(len(seeds))]
        stacked = lambda part, j: torch.stack([d[part][j] for d in data])  # noqa: E731
        params, results = train_ensemble(net, params0, stacked(0, 0), stacked(0, 1), seeds=seeds,
                                         config=self.train_config(), x_test=stacked(1, 0), y_test=stacked(1, 1))
        records = []
        for i, result in enumerate(results):
            d, g, r = self._sensitivities(net, {k: v[i] for k, v in params.items()}, *probe_sets[i])
            d0, g0, r0 = before[i]
            records.append({"D_init": d0, "G_init": g0, "R_init": r0, "D": d, "G": g, "R": r, **result.as_record()})
        return records
