"""Hierarchical CNN: L layers of non-overlapping 1D convolutions (filter = stride = s), ReLU, mean-field readout.

The deep network of the Random Hierarchy Model (Cagnetta, Petrini, Tomasini,
Favero, Wyart, Phys. Rev. X 2024, arXiv:2307.02129; docs/science.md section 3).
For an input x [batch, v, d] with d = s**L, layer k = 1..L maps
[C_{k-1}, d / s**(k-1)] to [H, d / s**k] by

    h_k[h, i] = relu( sum_{c, j} w_k[h, c, j] h_{k-1}[c, s*i + j] / sqrt(C_{k-1} s)  (+ b_k[h]) ),

with C_0 = v and C_k = H, one filter w_k [H, C, s] shared by all positions
(weight sharing). The readout averages the last layer over its remaining
positions (one when d = s**L) and applies ``beta [H, n_c] / H``. All weights
(and biases, when ``bias=True``) are standard normal at initialisation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from .base import HierarchicalNetwork, Params, filters, layer_shapes, patches

__all__ = ["HierarchicalCNN"]


@dataclass(frozen=True)
class HierarchicalCNN(HierarchicalNetwork):
    """Deep CNN with filter size = stride = `s`, `L` hidden layers of `width` channels.

    Parameters
    ----------
    v : input channels (vocabulary size), >= 1.
    n_c : number of classes (outputs), >= 2.
    s : filter size and stride (patch size), >= 2.
    L : number of hidden layers (depth), >= 1; the input length is d = s**L.
    width : channels H of every hidden layer, >= 1.
    bias : add a bias (standard normal at init) to every hidden pre-activation.

    Parameters: ``w1`` [H, v, s], ``w2..wL`` [H, H, s] (conv1d layout), ``b1..bL`` [H]
    when `bias`, ``beta`` [H, n_c].
    """

    kind: ClassVar[str] = "hierarchical_cnn"

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        weights = [(self.width, self.v if k == 1 else self.width, self.s) for k in range(1, self.L + 1)]
        return layer_shapes(weights, [(self.width,)] * self.L if self.bias else None, (self.width, self.n_c))

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        h = x.transpose(-1, -2)  # channels last: [..., batch, d, v]
        layers = []
        for k in range(1, self.L + 1):
            w = params[f"w{k}"]
            fan_in = w.shape[-2] * w.shape[-1]
            p = patches(h, self.s)  # [..., batch, n, s*C]
            *lead, n, sc = p.shape
            pre = torch.matmul(p.reshape(*lead[:-1], lead[-1] * n, sc), filters(w)) / math.sqrt(fan_in)
            pre = pre.reshape(*lead, n, self.width)
            if self.bias:
                pre = pre + params[f"b{k}"][..., None, None, :]
            h = torch.relu(pre)
            layers.append(h)
        if features:
            return [a.transpose(-1, -2) for a in layers]
        return self._readout_positions(h, params["beta"])
