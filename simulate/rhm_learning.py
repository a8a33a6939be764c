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

from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch

from .data.rhm import RandomHierarchyModel
from .device import resolve_device
from .networks import HierarchicalCNN, LocallyConnected, Network, ShallowFCN
from .spec import Spec, require
from .training import TrainConfig, train_one

NETWORKS = ("cnn", "lcn", "fcn")


@dataclass(frozen=True)
class RHMLearningSpec(Spec):
    """Train one network on P members of an RHM and measure its test error.

    Fields: the RHM parameters ``n_c, v, m, s, L``; ``p`` training points;
    ``net`` in ``("cnn", "lcn", "fcn")`` (hierarchical CNN, its locally
    connected twin, shallow fully connected net); ``width`` (H);
    ``n_test`` test points; ``train`` (a :class:`TrainConfig`);
    ``rules_seed`` (None: a new grammar per run seed); ``device``.

    Returns ``{"p", "n_c", "v", "m", "s", "L", "net", "width", "test_error",
    "test_loss", "train_loss", "train_error", "steps", "converged", "diverged",
    "error_over_chance"}``, the last being test_error / (1 - 1/n_c).
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

    def model(self, seed: int) -> RandomHierarchyModel:
        """The RHM of a run with this seed."""
        rules_seed = seed if self.rules_seed is None else self.rules_seed
        return RandomHierarchyModel(self.n_c, self.v, self.m, self.s, self.L, rules_seed)

    def network(self) -> Network:
        if self.net == "cnn":
            return HierarchicalCNN(self.v, self.n_c, self.s, self.L, self.width)
        if self.net == "lcn":
            return LocallyConnected(self.v, self.n_c, self.s, self.L, self.width)
        return ShallowFCN(self.v, self.n_c, self.s**self.L, self.width)

    def cost(self) -> float:
        return float(self.p) * self.width

    def _run(self, seed: int) -> dict[str, Any]:
        dev = resolve_device(self.device)
        rhm = self.model(seed)
        train_idx, test_idx = rhm.split(self.p, self.n_test, seed)

        def data(idx):
            classes, choices = rhm.choices_from_indices(idx, device=dev)
            return rhm.one_hot(rhm.tokens(classes, choices)), classes

        x, y = data(train_idx)
        x_test, y_test = data(test_idx)
        net = self.network()
        params = net.init(seed, device=dev, dtype=torch.float32)
        _, result = train_one(net, params, x, y, seed=seed, config=self.train, x_test=x_test, y_test=y_test)
        record = result.as_record()
        return {
            "p": self.p, "n_c": self.n_c, "v": self.v, "m": self.m, "s": self.s, "L": self.L,
            "net": self.net, "width": self.width, **record,
            "error_over_chance": record["test_error"] / (1.0 - 1.0 / self.n_c),
        }
