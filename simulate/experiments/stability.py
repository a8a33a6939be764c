"""Relative stability toward diffeomorphisms: run specs (Petrini, Favero, Geiger, Wyart, arXiv:2105.02468).

docs/science.md section 5.

* :class:`DiffeoDisplacementSpec`: the rms displacement of sampled max-entropy
  fields, over the image and at its centre (the theory's delta is evaluated
  by the compare layer, not stored here).
* :class:`DiffeoInvertibilitySpec`: the fraction of sampled maps whose
  Jacobian determinant stays positive (a diffeomorphism), against T / T_max.
* :class:`RelativeStabilitySpec`: a network (a CNN, a fully connected net, a
  user's torch module) on a labelled image set (scikit-learn's digits
  upsampled to size x size by default); D_f, G_f, R_f of its output at
  initialisation and after training (cross-entropy), and its test error.

The generator specs accept T above T_max (they measure the bound); the
network spec refuses it (its deformations must be diffeomorphisms).
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from ..data.image_sets import ImageSet
from ..data.images import Digits, split_indices
from ..learners.training import TrainConfig, TrainResult, train_ensemble
from ..networks.base import Network, stack_params, unstack_params
from ..networks.image import ImageCNN
from ..observables.diffeomorphisms import INTERPOLATIONS, MaxEntropyDiffeo, rms_displacement, temperature_for_displacement
from ..observables.relative_stability import derived_seed, stability_terms
from ..observables.sensitivity import STATISTICS
from ..runs.checks import check_choice, check_float, check_instance, check_int, require
from ..runs.device import check_device, spec_device
from ..runs.spec import KEY_OMITS_DEFAULT, Spec

__all__ = ["DiffeoDisplacementSpec", "DiffeoInvertibilitySpec", "RelativeStabilitySpec", "STABILITY_TRAIN"]

_SHORT = {"image_cnn": "cnn", "image_fcn": "fcn"}
"""How the rows name the package's image networks (``architecture``); any other network by its kind."""

STABILITY_TRAIN = TrainConfig(optimizer="adam", lr=1e-2, batch_size=64, loss_threshold=1e-3, max_steps=1000, eval_every=100)
"""Default training of :class:`RelativeStabilitySpec`: Adam, lr 0.01, batch 64, at most 1000 steps.

Chosen by one-off CPU trials on digits at 16 x 16, P = 1024, seed 0 (one thread): the CNN (width 16,
3 blocks) reached 3.5% test error in 1000 steps (7% in 500; with Adam lr 0.003 15% in 500; plain SGD
lr 0.05 did not leave chance level in 500), the FCN (width 256, depth 2) 1.25% in 500 steps
(Adam lr 0.001: 3.5%). At 24 x 24 a CNN step costs about twice as much as at 16 x 16."""

_SPLIT_STREAM, _MEASURE_STREAM = 3, 2


@functools.lru_cache(maxsize=64)
def _forward_flops(net: Network) -> float:
    """FLOPs of one image through `net` (its own initial parameters, on the CPU whatever the device mode: a
    plan for a GPU machine is made anywhere), as torch counts them; a network the counter cannot run is costed
    as 10^6 FLOPs per image."""
    from torch.utils.flop_counter import FlopCounterMode

    try:
        params = net.init(0, device="cpu")
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            net.apply(params, torch.zeros(1, *net.input_shape))
        return float(max(counter.get_total_flops(), 1))
    except Exception:  # a cost estimate never fails a run
        return 1e6


@dataclass(frozen=True)
class _GeneratorSpec(Spec):
    """Fields of the generator specs: image side `n`, cut-off `c`, temperature `T`, fields per run `n_fields`,
    which modes are kept: `cutoff` (``"paper"``, the default, or ``"authors"``; see :class:`MaxEntropyDiffeo`;
    left out of run keys at its default)."""

    n: int
    c: float
    T: float
    n_fields: int = 64
    cutoff: str = field(default="paper", metadata={KEY_OMITS_DEFAULT: True})

    def __post_init__(self) -> None:
        check_int(self.n_fields, "n_fields", 1)
        self.diffeo()  # validates n, c, T, cutoff

    def diffeo(self) -> MaxEntropyDiffeo:
        return MaxEntropyDiffeo(n=self.n, T=self.T, c=self.c, allow_non_diffeo=True, cutoff=self.cutoff)

    def _common(self) -> dict[str, Any]:
        d = self.diffeo()
        return {"n": self.n, "c": self.c, "T": self.T, "n_fields": self.n_fields, "T_over_T_max": self.T / d.t_max}


@dataclass(frozen=True)
class DiffeoDisplacementSpec(_GeneratorSpec):
    """rms displacement (pixels) of `n_fields` fields drawn with the run seed.

    Returns ``{"n", "c", "T", "n_fields", "T_over_T_max", "delta_rms", "delta_rms_centre"}``:
    ``delta_rms`` = sqrt(<dx^2 + dy^2>) over the n x n pixel grid and the fields,
    ``delta_rms_centre`` the same at the centre (u, v) = (1/2, 1/2) of the image. CPU, float64.
    """

    kind: ClassVar[str] = "diffeo_displacement"
    version: ClassVar[int] = 1

    def cost(self) -> float:
        return 3.7e-8 * self.n_fields * self.n**2  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        d = self.diffeo()
        return {
            **self._common(),
            "delta_rms": rms_displacement(d.displacement(seed, self.n_fields, device="cpu")),
            "delta_rms_centre": rms_displacement(d.displacement_at(seed, self.n_fields, [0.5], [0.5])),
        }


@dataclass(frozen=True)
class DiffeoInvertibilitySpec(_GeneratorSpec):
    """Invertibility of `n_fields` maps drawn with the run seed: min over a fine grid of the Jacobian determinant.

    The map is the source map X -> X - d(X) of a deformation (pixel coordinates); its determinant is
    evaluated analytically on a ``points x points`` grid of the image (None: 16 floor(c) + 1, at least 65).
    Returns ``{"n", "c", "T", "n_fields", "T_over_T_max", "fraction_invertible", "min_det",
    "min_det_median", "min_det_mean"}``: the fraction of maps with min det > 0, the smallest min det,
    and the median and mean of the per-map minima. CPU, float64.
    """

    kind: ClassVar[str] = "diffeo_invertibility"
    version: ClassVar[int] = 1

    points: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.points is not None:
            check_int(self.points, "points", 2)

    def cost(self) -> float:
        return 1.6e-5 * self.n_fields * self.diffeo().max_mode ** 2  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        m = self.diffeo().min_jacobian_determinant(seed, self.n_fields, self.points)
        return {
            **self._common(),
            "fraction_invertible": float((m > 0).double().mean()),
            "min_det": float(m.min()), "min_det_median": float(m.median()), "min_det_mean": float(m.mean()),
        }


@dataclass(frozen=True)
class RelativeStabilitySpec(Spec):
    """R_f of a network on labelled images at initialisation and after training.

    Fields
    ------
    data : the images (default :class:`Digits` at 16 x 16): an :class:`..data.image_sets.ImageSet`
        (:class:`FashionMNIST`, :class:`MNIST5k`, any IDX files). A set with its own test split gives
        the training points from ``"train"`` and the test points from ``"test"``; a set of one split
        (``"all"``) is split into disjoint training and test sets.
    net : the network (default :class:`ImageCNN` of width 16 and 3 blocks; an :class:`ImageFCN`,
        or any :class:`Network`, a user's :class:`TorchNetwork` included), its shape fields left None
        taken from the images (:meth:`Network.for_data`).
    p_train, n_test : the sizes of the training and test sets drawn from the images.
    n_probe : test images on which D_f, G_f, R_f are measured (the first ones, <= n_test).
    train : :class:`TrainConfig` (cross-entropy; default :data:`STABILITY_TRAIN`).
    T, delta : the temperature, or the typical displacement in pixels (give at most one; default delta = 1).
    c : cut-off of the diffeomorphisms (default 3).
    interpolation : ``"bilinear"`` or ``"gaussian"``.
    cutoff : the modes kept, ``"paper"`` (i^2 + j^2 <= c^2, default) or ``"authors"`` (sqrt(i^2 + j^2) < c + 1/2,
        their code's); at the same T the authors' keeps more modes and deforms more (:class:`MaxEntropyDiffeo`).
    statistic : ``"mean"`` or ``"median"`` over the probe images.
    trace_at : optimiser steps at which D_f, G_f, R_f of the output are also measured during training (on
        the same probes and deformations; default none); a run that stopped earlier is measured with its
        final parameters there (it no longer changes).
    converged_error : what "converged" means for this protocol: a run converged when it did not diverge
        and its final training error is at most this fraction (the paper's nets fit their training sets);
        the record then holds ``converged``, and a claim leaves a run that did not converge out of its fit
        and counts it. None (default): no such check (the record has no ``converged``).
    device : None: CUDA when present.

    One run (seed s): the split from a seed derived from s, the network initialised with s and
    trained with mini-batches from s, the diffeomorphisms and noise of the measurement from another
    derived seed (the same ones at initialisation and after training). Float32.

    Records ``{"D_init", "G_init", "R_init", "D", "G", "R", "test_error", "test_loss", "train_loss",
    "train_error", "reached_loss_threshold", "diverged", "steps", "D_layers_init", "G_layers_init",
    "R_layers_init", "D_layers", "G_layers", "R_layers"}``, with ``converged`` when `converged_error` is set
    and ``trace_steps``, ``trace_D``, ``trace_G``, ``trace_R`` (lists over `trace_at`) when it is given: D, G,
    R at the output; the per-layer lists run over the hidden layers then the output.
    Read as rows they also hold the spec's fields and ``architecture`` (``"cnn"``, ``"fcn"``, or the
    network's kind), ``family`` (``"fully connected"`` or ``"convolutional"``), ``width``, ``depth``, ``size``,
    ``T``, ``delta`` and
    ``label`` = ``"<architecture> w<width> P<p_train>"``, and per layer ``D_layers_ratio`` and ``G_layers_ratio``
    (after training over at initialisation).
    """

    kind: ClassVar[str] = "relative_stability"
    version: ClassVar[int] = 3  # 3: per-layer D and G at initialisation, trace_at, converged_error
    gpu_batch_limit: ClassVar[int | None] = 8
    """Networks per batch on a GPU: the seeds of one spec trained as one batched model (a user's or a
    standard torch module through ``torch.func.vmap``; a module vmap cannot run, batch norm in training
    mode say, is looped over). On the CPU each seed runs alone (``batch_limit`` 1). float32: a batched
    network's record equals its lone one up to rounding (tests/simulate/test_relative_stability.py)."""
    trained_fields: ClassVar[frozenset[str]] = frozenset({
        "D", "G", "R", "test_error", "test_loss", "train_loss", "train_error", "D_layers", "G_layers", "R_layers",
        "trace_steps", "trace_D", "trace_G", "trace_R", "D_layers_ratio", "G_layers_ratio"})
    """The columns that depend on the training: a run that did not converge is left out only of the claims
    that read one of them (the ``*_init`` ones describe the network before any training)."""

    data: Digits = field(default_factory=Digits)
    net: Network = field(default_factory=lambda: ImageCNN(width=16, blocks=3))
    p_train: int = 1024
    n_test: int = 400
    n_probe: int = 200
    train: TrainConfig = field(default_factory=lambda: STABILITY_TRAIN)
    T: float | None = None
    delta: float | None = None
    c: float = 3.0
    interpolation: str = "bilinear"
    cutoff: str = "paper"
    statistic: str = "mean"
    trace_at: tuple[int, ...] = ()
    converged_error: float | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        require(isinstance(self.data, ImageSet), f"data={self.data!r} must be an image set with input_shape, "
                "n_classes, split_sizes() and load(split, device, dtype) (Digits(16), FashionMNIST(), ...)")
        check_instance(self.net, "net", Network, "a Network (ImageCNN(width=16), ImageFCN(width=256), a TorchNetwork)")
        net = self.network()
        require(net.n_out == self.data.n_classes and not net.scalar,
                f"net {type(self.net).__name__} has {net.n_out} outputs; the images have {self.data.n_classes} classes")
        check_int(self.p_train, "p_train", 1)
        check_int(self.n_test, "n_test", 2)
        check_int(self.n_probe, "n_probe", 2, self.n_test)
        sizes = self.data.split_sizes()
        if "train" in sizes:
            require(self.p_train <= sizes["train"] and self.n_test <= sizes.get("test", 0),
                    f"p_train={self.p_train}, n_test={self.n_test}: {self.data!r} has {sizes} images")
        else:
            require(self.p_train + self.n_test <= sizes["all"],
                    f"p_train + n_test = {self.p_train + self.n_test} exceeds the {sizes['all']} images of {self.data!r}")
        check_instance(self.train, "train", TrainConfig, "a TrainConfig")
        require(self.train.loss == "cross_entropy", f"train.loss={self.train.loss!r}: images are learnt on cross_entropy")
        require(self.T is None or self.delta is None, f"give T or delta, not both (T={self.T!r}, delta={self.delta!r})")
        if self.T is not None:
            check_float(self.T, "T", 0.0, low_open=True)
        if self.delta is not None:
            check_float(self.delta, "delta", 0.0, low_open=True)
            t = self.temperature
            require(math.isfinite(t) and t > 0, f"delta={self.delta!r} gives the temperature T={t!r} at size={self.size} "
                                                f"and c={self.c!r}: it must be finite and > 0")
        check_choice(self.interpolation, "interpolation", INTERPOLATIONS)
        check_choice(self.statistic, "statistic", STATISTICS)
        require(isinstance(self.trace_at, tuple), f"trace_at={self.trace_at!r} must be a tuple of steps")
        for i, t in enumerate(self.trace_at):
            check_int(t, f"trace_at[{i}]", 0, self.train.max_steps)
        require(list(self.trace_at) == sorted(set(self.trace_at)),
                f"trace_at={self.trace_at!r} must be increasing, without repeats")
        if self.converged_error is not None:
            check_float(self.converged_error, "converged_error", 0.0, 1.0)
        check_device(self.device)
        self.diffeo()

    @property
    def size(self) -> int:
        """The side n of the images [C, n, n]."""
        return self.data.input_shape[-1]

    @property
    def temperature(self) -> float:
        """T, or the T of a typical displacement `delta` (default 1 pixel) at this size and cut-off."""
        if self.T is not None:
            return self.T
        return temperature_for_displacement(1.0 if self.delta is None else self.delta, self.size, self.c)

    def diffeo(self) -> MaxEntropyDiffeo:
        return MaxEntropyDiffeo(n=self.size, T=self.temperature, c=self.c, interpolation=self.interpolation,
                                cutoff=self.cutoff)

    def network(self) -> Network:
        """The network fitted to the images (channels, side, classes)."""
        return self.net.for_data(self.data)

    @property
    def architecture(self) -> str:
        """``"cnn"`` or ``"fcn"`` for the package's image networks; a user's or a standard torch module by its
        factory and options (``"vgg(batch_norm=True)"``); else the network's kind."""
        factory = getattr(self.net, "factory", None)
        if factory is not None:
            options = ", ".join(f"{k}={v!r}" for k, v in getattr(self.net, "options", ()))
            return f"{factory.__name__.lower()}({options})" if options else factory.__name__.lower()
        return _SHORT.get(self.net.kind, self.net.kind)

    @property
    def family(self) -> str:
        """``"fully connected"`` (:class:`ImageFCN`, the standard ``FCN``, a module named so) or ``"convolutional"``."""
        factory = getattr(self.net, "factory", None)
        name = factory.__name__ if factory is not None else self.net.kind
        return "fully connected" if name.lower() in ("fcn", "image_fcn", "mlp") else "convolutional"

    @property
    def label(self) -> str:
        """``"<architecture> w<width> P<p_train>"`` (without the width for a network that has none)."""
        width = None if getattr(self.net, "factory", None) is not None else getattr(self.net, "width", None)
        return f"{self.architecture}{f' w{width}' if width is not None else ''} P{self.p_train}"

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        """The columns that describe the run in the paper's words: architecture, width, depth, size, the
        diffeomorphisms' T and delta, and the label of its group."""
        net, diffeo = self.network(), self.diffeo()
        depth = getattr(net, "blocks", getattr(net, "depth", None))
        width = None if getattr(self.net, "factory", None) is not None else getattr(net, "width", None)
        ratios = {f"{q}_layers_ratio": [a / b if b else math.nan for a, b in
                                         zip(record.get(f"{q}_layers", ()), record.get(f"{q}_layers_init", ()))]
                  for q in "DG"}
        return {"architecture": self.architecture, "family": self.family, "width": width, "depth": depth,
                "size": self.size, "T": diffeo.T, "delta": diffeo.delta, "label": self.label, **ratios}

    def _sets(self, seed: int, dev: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(x, y, x_test, y_test) of a run: from the set's own splits, or from disjoint parts of its one set."""
        sizes, split_seed = self.data.split_sizes(), derived_seed(seed, _SPLIT_STREAM)
        if "train" not in sizes:
            images, labels = self.data.load("all", device=dev, dtype=torch.float32)
            train_idx, test_idx = (i.to(dev) for i in split_indices(sizes["all"], self.p_train, self.n_test, split_seed))
            return images[train_idx], labels[train_idx], images[test_idx], labels[test_idx]
        out = []
        for split, p, n in (("train", self.p_train, 0), ("test", 0, self.n_test)):
            images, labels = self.data.load(split, device=dev, dtype=torch.float32)
            idx = split_indices(sizes[split], p, n, split_seed)[0 if p else 1].to(dev)
            out += [images[idx], labels[idx]]
        return out[0], out[1], out[2], out[3]

    def cost(self) -> float:
        """Seconds of one run on one thread (see :meth:`Spec.cost`): a per-step overhead plus the network's
        forward FLOPs (counted once per network by torch's ``FlopCounterMode``) over the training steps
        (forward and backward, 3x) and the measurements (about 3 forwards per probe image at initialisation,
        at each traced step and after training). Fitted to the quick suite's Fashion-MNIST runs (2026-12-06,
        one thread, seven networks): 16 ms per step and 1.8e-11 s per FLOP, within a factor 2 of every one."""
        steps = self.train.max_steps
        net = self.network()
        try:
            flops = _forward_flops(net)
        except TypeError:  # a network that cannot be hashed is counted each time
            flops = _forward_flops.__wrapped__(net)
        work = 3 * flops * steps * self.train.batch_size + 3 * flops * self.n_probe * (2 + len(self.trace_at))
        return 0.016 * steps + 1.8e-11 * work

    def _run(self, seed: int) -> dict[str, Any]:
        return self._run_batch([seed])[0]

    def _run_batch(self, seeds: list[int]) -> list[dict[str, Any]]:
        """The records of several seeds, their networks trained as one batched model (on a GPU: see
        ``gpu_batch_limit``); each network measured alone, before, along and after training."""
        dev = spec_device(self, len(seeds))
        sets = [self._sets(seed, dev) for seed in seeds]
        net = self.network()
        diffeo = self.diffeo()
        probes = [x_test[: self.n_probe] for _, _, x_test, _ in sets]
        measure_seeds = [derived_seed(seed, _MEASURE_STREAM) for seed in seeds]

        def measure(i, params):
            return stability_terms(net, probes[i], diffeo, measure_seeds[i], params=params, statistic=self.statistic)

        inits = [net.init(seed, device=dev, dtype=torch.float32) for seed in seeds]
        before = [measure(i, init) for i, init in enumerate(inits)]
        traced: list[dict[int, Any]] = [{} for _ in seeds]

        def observe(t, ids, stacked):
            for i, params in zip(ids, unstack_params(stacked)):
                traced[i][t] = measure(i, params)

        stack = lambda j: torch.stack([part[j] for part in sets])  # noqa: E731
        final, results = train_ensemble(net, stack_params(inits), stack(0), stack(1), seeds=seeds, config=self.train,
                                        x_test=stack(2), y_test=stack(3), observe=observe, observe_at=self.trace_at)
        return [self._record(before[i], traced[i], measure(i, params), result)
                for i, (params, result) in enumerate(zip(unstack_params(final), results))]

    def _record(self, before: Any, traced: dict[int, Any], after: Any, result: TrainResult) -> dict[str, Any]:
        """The record of one network from its measurements before, along (step -> terms) and after training."""
        # The protocol is a fixed training budget (as in the paper: a fixed number of epochs), stopped early
        # only once the loss is below the threshold; a run that used the whole budget is not a failed run.
        # Whether it converged is the spec's own criterion (converged_error), when it has one.
        trained = result.as_record()
        trained["reached_loss_threshold"] = trained.pop("converged")
        if self.converged_error is not None:
            trained["converged"] = not result.diverged and result.train_error <= self.converged_error
        trace = {}
        if self.trace_at:
            points = [traced.get(t, after) for t in self.trace_at]  # a run that stopped before t: its final net
            trace = {"trace_steps": list(self.trace_at), **{f"trace_{q}": [getattr(m, q) for m in points] for q in "DGR"}}
        return {
            "D_init": before.D, "G_init": before.G, "R_init": before.R,
            "D": after.D, "G": after.G, "R": after.R,
            **trained,
            "D_layers_init": list(before.D_layers), "G_layers_init": list(before.G_layers),
            "R_layers_init": list(before.R_layers),
            "D_layers": list(after.D_layers), "G_layers": list(after.G_layers), "R_layers": list(after.R_layers),
            **trace,
        }
