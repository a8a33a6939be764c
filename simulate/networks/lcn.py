"""Locally connected network: the hierarchical CNN without weight sharing.

Same architecture as :class:`simulate.networks.cnn.HierarchicalCNN` (non-overlapping
patches of size s, L ReLU layers of width H, mean-field readout ``beta / H``),
but layer k has a separate filter for each of its d / s**k output positions:

    h_k[h, i] = relu( sum_{c, j} w_k[i, h, c, j] h_{k-1}[c, s*i + j] / sqrt(C_{k-1} s)  (+ b_k[i, h]) ).

The contrast network of the (sparse) Random Hierarchy Model (Tomasini, Wyart,
ICML 2024, arXiv:2404.10727). Setting every ``w_k[i]`` equal to one filter
gives the CNN.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from .base import HierarchicalNetwork, Params, filters, layer_shapes, patches

__all__ = ["LocallyConnected"]


@dataclass(frozen=True)
class LocallyConnected(HierarchicalNetwork):
    """Deep locally connected net: filter size = stride = `s`, `L` layers of `width` channels.

    Parameters as :class:`HierarchicalCNN`. Parameters: ``w_k`` [d / s**k, H, C, s]
    (one conv1d-layout filter per output position), ``b_k`` [d / s**k, H] when
    `bias`, ``beta`` [H, n_c].
    """

    kind: ClassVar[str] = "locally_connected"

    def positions(self, k: int) -> int:
        """Number of output positions of layer k (1..L): d / s**k."""
        return self.s ** (self.L - k)

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        layers = range(1, self.L + 1)
        weights = [(self.positions(k), self.width, self.v if k == 1 else self.width, self.s) for k in layers]
        biases = [(self.positions(k), self.width) for k in layers] if self.bias else None
        return layer_shapes(weights, biases, (self.width, self.n_c))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = x.transpose(-1, -2)  # channels last: [..., batch, d, v]
        layers = []
        for k in range(1, self.L + 1):
            w = params[f"w{k}"]  # [..., n, H, C, s]
            fan_in = w.shape[-2] * w.shape[-1]
            p = patches(h, self.s).transpose(-2, -3)  # [..., n, batch, s*C]
            pre = (torch.matmul(p, filters(w)) / math.sqrt(fan_in)).transpose(-2, -3)  # [..., batch, n, H]
            if self.bias:
                pre = pre + params[f"b{k}"].unsqueeze(-3)
            h = torch.relu(pre)
            layers.append(h)
        if features:
            return [a.transpose(-1, -2) for a in layers]
        return self._readout_positions(h, params["beta"])
