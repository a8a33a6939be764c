"""Learning the Random Hierarchy Model with a network: one learning-curve point per run.

Cagnetta et al., arXiv:2307.02129: a deep CNN whose filters match the patches
of the hierarchy learns the RHM with P* ~ n_c m^L training points; a shallow
fully connected net needs P* ~ P_max.

A run draws a grammar (``rules_seed``, or the run seed when None), a training
set of ``p`` members and a disjoint test set of ``n_test`` members
(:meth:`RandomHierarchyModel.split`: test set first, training sets nested in
p), initialises the network with the run seed, trains it on cross-entropy
(:func:`simulate.training.train_one`) and measures the test error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from ..data.rhm import RandomHierarchyModel, grammar_seed, rhm_for_run
from ..data.sparse_rhm import SparseRandomHierarchyModel
from ..runs.device import resolve_device
from ..networks import HierarchicalCNN, LocallyConnected, Network, ShallowFCN
from ..observables.sensitivity import synonymic_sensitivity
from ..observables.rhm_correlations import empirical_frequencies, exact_frequencies, signal
from ..runs.spec import Spec, require
from ..learners.training import TrainConfig, train_one

NETWORKS = ("cnn", "lcn", "fcn")


@dataclass(frozen=True)
class RHMLearningSpec(Spec):
    """Train one network on P members of an RHM and measure its test error.

    Fields: the RHM parameters ``n_c, v, m, s, L``; ``p`` training points;
    ``net`` in ``("cnn", "lcn", "fcn")`` (hierarchical CNN, its locally
    connected twin, shallow fully connected net); ``width`` (H);
    ``n_test`` test points; ``train`` (a :class:`TrainConfig`);
    ``rules_seed`` (None: a new grammar per run seed); ``sensitivity_level``
    (None, or l in 1..L counted from the input: also measure the synonymic
    sensitivity S_{k,l} of the trained network on up to 1024 test members,
    :mod:`simulate.rhm_sensitivity`); ``device``.

    Returns ``{"p", "n_c", "v", "m", "s", "L", "net", "width", "test_error",
    "test_loss", "train_loss", "train_error", "steps", "converged", "diverged",
    "error_over_chance"}``, the last being test_error / (1 - 1/n_c); with a
    sensitivity level also ``"sensitivity"`` (S_{k,l} for k = 1..L and the
    output) and ``"sensitivity_top"`` (S_{L,l}, the last hidden layer).
    """

    kind: ClassVar[str] = "rhm_learning"
    version: ClassVar[int] = 1

    n_c: int
    v: int
    m: int
    s: int
    L: int
    p: int
    net: str = "cnn"
    width: int = 64
    n_test: int = 2048
    train: TrainConfig = field(default_factory=TrainConfig)
    rules_seed: int | None = None
    sensitivity_level: int | None = None
    device: str = "cpu"

    def __post_init__(self) -> None:
        rhm = self.model(0)  # validates the RHM parameters
        require(self.net in NETWORKS, f"net={self.net!r}; allowed: {', '.join(NETWORKS)}")
        for name in ("p", "width", "n_test"):
            value = getattr(self, name)
            require(isinstance(value, int) and value >= 1, f"{name}={value!r} must be an integer >= 1")
        require(
            self.p + self.n_test <= rhm.p_max,
            f"p + n_test = {self.p + self.n_test} exceeds the dataset size P_max = {rhm.p_max} "
            f"(n_c={self.n_c}, m={self.m}, s={self.s}, L={self.L})",
        )
        require(isinstance(self.train, TrainConfig), f"train must be a TrainConfig, got {type(self.train).__name__}")
        require(
            self.sensitivity_level is None or (isinstance(self.sensitivity_level, int) and 1 <= self.sensitivity_level <= self.L),
            f"sensitivity_level={self.sensitivity_level!r} must be None or an integer in 1..L={self.L}",
        )

    def model(self, seed: int) -> RandomHierarchyModel:
        """The RHM of a run with this seed."""
        return rhm_for_run(self.n_c, self.v, self.m, self.s, self.L, self.rules_seed, seed)

    def network(self) -> Network:
        rhm = self.model(0)
        channels, patch = rhm.n_channels, getattr(rhm, "patch", self.s)
        if self.net == "cnn":
            return HierarchicalCNN(channels, self.n_c, patch, self.L, self.width)
        if self.net == "lcn":
            return LocallyConnected(channels, self.n_c, patch, self.L, self.width)
        return ShallowFCN(channels, self.n_c, rhm.input_dim, self.width)

    def _inputs(self, rhm: Any, idx: Any, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, tuple]:
        """One-hot inputs, classes, and the members' production choices (for the sensitivity)."""
        members = rhm.choices_from_indices(idx, device=device)
        return rhm.one_hot(rhm.tokens(*members)), members[0], members

    def cost(self) -> float:
        return float(self.p) * self.width

    def _run(self, seed: int) -> dict[str, Any]:
        dev = resolve_device(self.device)
        rhm = self.model(seed)
        train_idx, test_idx = rhm.split(self.p, self.n_test, seed)

        x, y, _ = self._inputs(rhm, train_idx, dev)
        x_test, test_classes, test_members = self._inputs(rhm, test_idx, dev)
        net = self.network()
        params = net.init(seed, device=dev, dtype=torch.float32)
        params, result = train_one(net, params, x, y, seed=seed, config=self.train, x_test=x_test, y_test=test_classes)
        record = result.as_record()
        out = {
            "p": self.p, "n_c": self.n_c, "v": self.v, "m": self.m, "s": self.s, "L": self.L,
            "net": self.net, "width": self.width, **record,
            "error_over_chance": record["test_error"] / (1.0 - 1.0 / self.n_c),
        }
        if self.sensitivity_level is not None:
            k = min(1024, len(test_idx))
            choices = test_members[1]
            sens = synonymic_sensitivity(net, params, rhm, test_classes[:k], choices[:k], self.sensitivity_level, seed)
            out.update(sensitivity=sens, sensitivity_top=sens[self.L - 1] if self.net != "fcn" else sens[0])
        return out


@dataclass(frozen=True)
class SparseRHMLearningSpec(RHMLearningSpec):
    """:class:`RHMLearningSpec` on the sparse RHM (Tomasini & Wyart, arXiv:2404.10727).

    Extra field ``s0`` (>= 0): empty positions per sub-patch. The networks see
    v+1 channels and patches of s*(s0+1) positions; the record adds ``"s0"``
    and ``"s0_plus_1"``. The synonymic sensitivity is not measured here.
    """

    kind: ClassVar[str] = "sparse_rhm_learning"
    version: ClassVar[int] = 1

    s0: int = 1

    def __post_init__(self) -> None:
        require(isinstance(self.s0, int) and self.s0 >= 0, f"s0={self.s0!r} must be an integer >= 0")
        require(self.sensitivity_level is None, "sensitivity_level is not supported on the sparse RHM; leave it None")
        super().__post_init__()

    def model(self, seed: int) -> SparseRandomHierarchyModel:
        return SparseRandomHierarchyModel(self.n_c, self.v, self.m, self.s, self.L, self.s0, grammar_seed(self.rules_seed, seed))

    def cost(self) -> float:
        return float(self.p) * self.width * (self.s0 + 1) ** self.L

    def _run(self, seed: int) -> dict[str, Any]:
        return {**super()._run(seed), "s0": self.s0, "s0_plus_1": self.s0 + 1}


@dataclass(frozen=True)
class RHMCorrelationSpec(Spec):
    """Signal and sampling noise of the input-class correlations at P samples.

    Fields: the RHM parameters (``n_c, v, m, s, L``), ``p`` (the number of
    samples) and ``rules_seed``: ``None`` (default) draws a new grammar for
    every run seed, so that averages over seeds are over grammars too; an
    integer fixes the grammar and the seed only draws the samples. Returns ``{"p", "n_c", "m", "L", "v", "s", "signal",
    "noise", "noise_to_signal"}``.
    """

    kind: ClassVar[str] = "rhm_correlations"
    version: ClassVar[int] = 1

    n_c: int
    v: int
    m: int
    s: int
    L: int
    p: int
    rules_seed: int | None = None

    def __post_init__(self) -> None:
        self.model(0)  # validates the RHM parameters
        require(isinstance(self.p, int) and self.p >= 1, f"p={self.p!r} must be an integer >= 1")

    def model(self, seed: int) -> RandomHierarchyModel:
        """The RHM of a run with this seed (its grammar is `rules_seed`, or the seed when that is None)."""
        return rhm_for_run(self.n_c, self.v, self.m, self.s, self.L, self.rules_seed, seed)

    def cost(self) -> float:
        return float(self.p) * self.s**self.L

    def _run(self, seed: int) -> dict[str, Any]:
        rhm = self.model(seed)
        exact = exact_frequencies(rhm)
        tokens, classes = rhm.sample(self.p, seed, one_hot=False)
        emp = empirical_frequencies(tokens, classes, self.n_c, self.v)
        sig = signal(exact)
        noise = float(self.v * (emp - exact).pow(2).mean().sqrt())
        return {
            "p": self.p, "n_c": self.n_c, "m": self.m, "L": self.L, "v": self.v, "s": self.s,
            "signal": sig, "noise": noise, "noise_to_signal": noise / sig if sig > 0 else math.inf,
        }
