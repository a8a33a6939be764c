"""Random Hierarchy Model experiments: learning curves of networks, and input-class correlations.

Cagnetta et al., arXiv:2307.02129: a deep CNN whose filters match the patches
of the hierarchy learns the RHM with P* ~ n_c m^L training points; a shallow
fully connected net needs P* ~ P_max; the class-conditional input
frequencies carry a signal that P samples resolve from P_c ~ n_c m^L on.
Tomasini & Wyart, arXiv:2404.10727: the sparse RHM.

:class:`RHMLearningSpec` draws a grammar (``rules_seed``, or the run seed when
None), a training set of ``p`` members and a disjoint test set of ``n_test``
members (:meth:`RandomHierarchyModel.split`: test set first, training sets
nested in p), initialises its network (any :class:`..networks.Network`, a
user's torch module included, fitted to the RHM's shape) with the run seed,
trains it on cross-entropy (:mod:`..learners.training`) and measures the test
error. Records hold what a run measured; the spec's fields and the test error
over chance error join them when read (:mod:`..runs.rows`). The
seeds of one spec, and those of specs that differ only in ``p`` (one sweep's
learning curve), train together as one batched model (``batch_limit``), each
network with its own grammar, data, initialisation and training-set size; the
records are those of seed-by-seed runs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Hashable

import torch
import torch.nn.functional as F

from ..data.rhm import RandomHierarchyModel, grammar_seed, rhm_for_run
from ..data.sparse_rhm import SparseRandomHierarchyModel
from ..learners.training import TrainConfig, train_ensemble
from ..networks import HierarchicalCNN, Network, ShallowFCN
from ..observables.perturbations import SynonymResampling
from ..observables.rhm_correlations import empirical_frequencies, exact_frequencies, signal
from ..observables.sensitivity import sensitivity
from ..runs.checks import check_instance, check_int, require, show
from ..runs.device import check_device, spec_device
from ..runs.spec import Spec

__all__ = ["RHMSpec", "RHMLearningSpec", "SparseRHMLearningSpec", "RHMCorrelationSpec"]

SENSITIVITY_SAMPLES = 1024
"""Test members on which the synonymic sensitivity is measured (the first ones)."""


@dataclass(frozen=True)
class RHMSpec(Spec):
    """The fields every RHM experiment shares: ``n_c, v, m, s, L``, the number ``p`` of samples, and the
    grammar (``rules_seed``; None: a new grammar per run seed, so that averages over seeds are over
    grammars too)."""

    n_c: int
    v: int
    m: int
    s: int
    L: int
    p: int
    rules_seed: int | None = None

    def model(self, seed: int) -> RandomHierarchyModel:
        """The RHM of a run with this seed (its grammar is `rules_seed`, or the seed when that is None)."""
        return rhm_for_run(self.n_c, self.v, self.m, self.s, self.L, self.rules_seed, seed)


@dataclass(frozen=True)
class RHMLearningSpec(RHMSpec):
    """Train one network on P members of an RHM and measure its test error.

    Fields: the RHM parameters ``n_c, v, m, s, L``; ``p`` training points;
    ``net``, the network (default :class:`HierarchicalCNN` of width 64; a
    :class:`LocallyConnected`, a :class:`ShallowFCN`, or any
    :class:`..networks.Network` such as a user's :class:`TorchNetwork`), whose
    shape fields left None are taken from the RHM (:meth:`Network.for_data`);
    ``n_test`` test points; ``train`` (a :class:`TrainConfig`);
    ``rules_seed`` (None: a new grammar per run seed); ``sensitivity_level``
    (None, or l in 1..L counted from the input: also measure the synonymic
    sensitivity S_{k,l} of the trained network on up to 1024 test members,
    :mod:`..observables.sensitivity`); ``device`` (None: CUDA when present).

    Records ``{"test_error", "test_loss", "train_loss", "train_error", "steps",
    "converged", "diverged"}``; with a sensitivity level also ``"sensitivity"``
    (S_{k,l} for each hidden layer and the output) and ``"sensitivity_top"``
    (that of the last hidden layer). Read as rows (:mod:`..runs.rows`) they also
    hold the spec's fields and ``"error_over_chance"``, test_error / (1 - 1/n_c).
    """

    kind: ClassVar[str] = "rhm_learning"
    version: ClassVar[int] = 1
    batch_limit: ClassVar[int] = 16
    """Networks per batch. Measured on the quick suite's learning curves (one thread, 2026-11-24), the P of
    a curve batched 16 at a time against each spec's 4 seeds as a batch: 1.5x for the CNN, 1.3x for the
    FCN, 1.5x to 1.9x for the sparse RHM's LCN; every record the same."""
    gpu_batch_limit: ClassVar[int | None] = 512
    """Networks per batch on a GPU: a whole learning curve of the full suite (up to 384 networks: 12 P x 32
    seeds) as one model. In 'auto' mode the measured speed-up at the batch size decides where it runs
    (`simulate.runs.device_rates`: 4 networks of width 64 at P = 4096 ran 0.51x one CPU core on an H100)."""

    net: Network = field(default_factory=HierarchicalCNN)
    n_test: int = 2048
    train: TrainConfig = field(default_factory=TrainConfig)
    sensitivity_level: int | None = None
    device: str | None = None

    def __post_init__(self) -> None:
        rhm = self.model(0)  # validates the RHM parameters
        check_instance(self.net, "net", Network, "a Network (HierarchicalCNN(width=64), ShallowFCN(), a TorchNetwork, ...)")
        net = self.network()  # the network fits this RHM
        require(net.n_out == self.n_c and not net.scalar,
                f"net {type(self.net).__name__} has {net.n_out} outputs; the RHM has n_c={self.n_c} classes")
        for name in ("p", "n_test"):
            check_int(getattr(self, name), name, 1)
        require(
            self.p + self.n_test <= rhm.p_max,
            f"p + n_test = {self.p + self.n_test} exceeds the dataset size P_max = {show(rhm.p_max)} "
            f"(n_c={self.n_c}, m={self.m}, s={self.s}, L={self.L})",
        )
        check_instance(self.train, "train", TrainConfig, "a TrainConfig")
        require(self.train.loss == "cross_entropy", f"train.loss={self.train.loss!r}: the RHM is learnt on cross_entropy")
        if self.sensitivity_level is not None:
            check_int(self.sensitivity_level, "sensitivity_level", 1, self.L)
        check_device(self.device)

    def network(self) -> Network:
        """The network fitted to this RHM's shape (channels, length, patch, depth, classes)."""
        return self.net.for_data(self.model(0))

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        """Columns computed when a record is read: the test error over chance error, test_error / (1 - 1/n_c)."""
        return {"error_over_chance": record["test_error"] / (1.0 - 1.0 / self.n_c)} if "test_error" in record else {}

    def cost(self) -> float:
        # Seconds (see Spec.cost), fitted to the quick suite's runs at width 64: the steps to the loss threshold
        # grow slowly with p (the epochs fall), faster for the shallow FCN.
        power = 0.5 if isinstance(self.net, ShallowFCN) else 0.33
        return 0.07 * float(self.p) ** power * getattr(self.net, "width", 64) / 64

    def _data(self, seed: int, dev: torch.device) -> tuple[Any, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(rhm, x, y, x_test, y_test) of one seed: one-hot inputs and classes."""
        rhm = self.model(seed)
        train_idx, test_idx = rhm.split(self.p, self.n_test, seed)
        (x, y), (x_test, y_test) = ((rhm.one_hot(rhm.tokens(*members)), members[0]) for members in
                                    (rhm.choices_from_indices(i, device=dev) for i in (train_idx, test_idx)))
        return rhm, x, y, x_test, y_test

    def _run(self, seed: int) -> dict[str, Any]:
        return self._run_points([(self, seed)])[0]

    def _run_batch(self, seeds: list[int]) -> list[dict[str, Any]]:
        return self._run_points([(self, seed) for seed in seeds])

    def batch_group(self) -> Hashable:
        """Specs that differ only in ``p`` train as one batch, each network on its own P (``train_ensemble``'s
        ``sizes``)."""
        return tuple(getattr(self, f.name) for f in fields(self) if f.name != "p")

    def _run_points(self, points: list[tuple[Spec, int]]) -> list[dict[str, Any]]:
        dev = spec_device(self, len(points))
        data = [spec._data(seed, dev) for spec, seed in points]
        sizes = [spec.p for spec, _ in points]
        top = max(sizes)
        net = self.network()
        stacked = lambda j: torch.stack([d[j] for d in data])  # noqa: E731
        # training sets padded to the largest P (no padding when all sizes are equal); the padding is never read
        padded = lambda j: torch.stack([F.pad(d[j], (0, 0) * (d[j].ndim - 1) + (0, top - d[j].shape[0]))  # noqa: E731
                                        for d in data])
        seeds = [seed for _, seed in points]
        params, results = train_ensemble(net, net.init_ensemble(seeds, device=dev, dtype=torch.float32),
                                         padded(1), padded(2), seeds=seeds, config=self.train,
                                         x_test=stacked(3), y_test=stacked(4),
                                         sizes=None if len(set(sizes)) == 1 else sizes)
        records = []
        for i, ((spec, seed), (rhm, _, _, x_test, _), result) in enumerate(zip(points, data, results)):
            out = result.as_record()
            if self.sensitivity_level is not None:
                own = {k: v[i] for k, v in params.items()}
                x = x_test[:SENSITIVITY_SAMPLES]
                moved = SynonymResampling(rhm, self.sensitivity_level)(x, seed)
                ratio = sensitivity(net, own, x, moved, reference="shifted").ratio
                out.update(sensitivity=list(ratio), sensitivity_top=ratio[-2])  # the last hidden layer
            records.append(out)
        return records


@dataclass(frozen=True)
class SparseRHMLearningSpec(RHMLearningSpec):
    """:class:`RHMLearningSpec` on the sparse RHM (Tomasini & Wyart, arXiv:2404.10727).

    Extra field ``s0`` (>= 0): empty positions per sub-patch. The networks see
    v+1 channels and patches of s*(s0+1) positions; its rows add ``"s0_plus_1"``.
    The synonymic sensitivity is not measured here.
    """

    kind: ClassVar[str] = "sparse_rhm_learning"
    version: ClassVar[int] = 1
    s0: int = 1

    def __post_init__(self) -> None:
        check_int(self.s0, "s0", 0)
        require(self.sensitivity_level is None, "sensitivity_level is not supported on the sparse RHM; leave it None")
        super().__post_init__()

    def model(self, seed: int) -> SparseRandomHierarchyModel:
        return SparseRandomHierarchyModel(self.n_c, self.v, self.m, self.s, self.L, self.s0, grammar_seed(self.rules_seed, seed))

    def cost(self) -> float:
        return 0.016 * float(self.p) ** 0.54 * (self.s0 + 1) ** 1.74 * getattr(self.net, "width", 64) / 64  # s, Spec.cost

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**super().derived(record), "s0_plus_1": self.s0 + 1}


@dataclass(frozen=True)
class RHMCorrelationSpec(RHMSpec):
    """Signal and sampling noise of the input-class correlations at P samples.

    Fields: the RHM parameters (``n_c, v, m, s, L``), ``p`` (the number of
    samples) and ``rules_seed``: ``None`` (default) draws a new grammar for
    every run seed, so that averages over seeds are over grammars too; an
    integer fixes the grammar and the seed only draws the samples. Records ``{"signal", "noise"}``; read as
    rows they also hold the spec's fields and ``"noise_to_signal"``. Computed on the CPU (counting, no network).
    """

    kind: ClassVar[str] = "rhm_correlations"
    version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        self.model(0)  # validates the RHM parameters
        check_int(self.p, "p", 1)

    def cost(self) -> float:
        return 1.1e-6 * float(self.p) * self.s**self.L  # seconds, see Spec.cost

    def _run(self, seed: int) -> dict[str, Any]:
        rhm = self.model(seed)
        exact = exact_frequencies(rhm)
        tokens, classes = rhm.sample(self.p, seed, one_hot=False, device="cpu")
        emp = empirical_frequencies(tokens, classes, self.n_c, self.v)
        sig = signal(exact)
        noise = float(self.v * (emp - exact).pow(2).mean().sqrt())
        return {"signal": sig, "noise": noise}

    def derived(self, record: dict[str, Any]) -> dict[str, Any]:
        """The noise-to-signal ratio of the record (infinite where the signal is 0)."""
        if "signal" not in record:
            return {}
        return {"noise_to_signal": record["noise"] / record["signal"] if record["signal"] > 0 else math.inf}
