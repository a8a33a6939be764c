"""Sensitivity of a network's layers to a perturbation of its inputs: one function for every paper.

For a perturbation x -> x' and every hidden layer k (then the output),

    S_k = <|f_k(x') - f_k(x)|^2> / <|f_k(x) - f_k(z)|^2>,

f_k the layer's features flattened per sample, the average over the inputs
of the batch, z an independent input. The numerator, the denominator and
their ratio are returned per layer (:class:`LayerSensitivity`).

* Random Hierarchy Model (Cagnetta et al., arXiv:2307.02129): the synonymic
  sensitivity S_{k,l}, with x' = the same tree above level l and the synonyms
  of level l and below re-drawn (:class:`.perturbations.SynonymResampling`);
  z = the batch shifted by one (``reference="shifted"``).
* Pooling (Tomasini et al., arXiv:2210.01506) and relative stability
  (Petrini et al., arXiv:2105.02468): D_k (x' = a diffeomorphism of x) and
  G_k (x' = x plus noise of the same norm), with the denominator averaged
  over all ordered pairs of the batch, i = j included (``reference="pairs"``),
  optionally on channel-averaged features (``channel_mean=True``), and R_k = D_k / G_k.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import torch

from ..networks.base import Network, Params
from ..runs.checks import check_choice

__all__ = ["LayerSensitivity", "Perturbation", "sensitivity", "REFERENCES", "STATISTICS"]

REFERENCES = ("shifted", "pairs")
STATISTICS = ("mean", "median")


class Perturbation(Protocol):
    """Maps a batch of inputs to perturbed inputs of the same shape, reproducibly for a seed."""

    def __call__(self, x: torch.Tensor, seed: int) -> torch.Tensor: ...


@dataclass(frozen=True)
class LayerSensitivity:
    """Per layer (hidden layers 1..L, then the output): numerator, denominator and their ratio.

    The ratio is taken in the features' own precision (NaN where the denominator is 0).
    """

    numerator: tuple[float, ...]
    denominator: tuple[float, ...]
    ratio: tuple[float, ...]


def _flat(f: torch.Tensor, channel_mean: bool) -> torch.Tensor:
    """Features [batch, channels, *positions] -> [batch, units] (channels averaged first if asked)."""
    if channel_mean and f.ndim > 2:
        f = f.mean(dim=1)
    return f.flatten(1)


def _average(values: torch.Tensor, statistic: str) -> torch.Tensor:
    return values.mean() if statistic == "mean" else values.median()


def _pair_distances(f: torch.Tensor, statistic: str) -> torch.Tensor:
    """Mean (or median) of |f_i - f_j|^2 over all ordered pairs (i, j), i = j included."""
    if statistic == "mean":  # exact identity: mean_ij |f_i - f_j|^2 = 2 (mean_i |f_i|^2 - |mean_i f_i|^2)
        g = f.to(torch.float64)
        return (2 * (g.pow(2).sum(1).mean() - g.mean(0).pow(2).sum())).to(f.dtype)
    return torch.cdist(f, f).pow(2).flatten().median()


def sensitivity(
    net: Network,
    params: Params,
    x: torch.Tensor,
    x_moved: torch.Tensor,
    *,
    reference: str = "shifted",
    statistic: str = "mean",
    channel_mean: bool = False,
) -> LayerSensitivity:
    """Per-layer sensitivity of `net` (one model, `params`) to the perturbation x -> `x_moved`.

    Parameters
    ----------
    x, x_moved : inputs and their perturbed versions, [batch, *input_shape] (batch >= 2).
    reference : the independent inputs z of the denominator: ``"shifted"`` (z_i = x_{i-1},
        the batch rolled by one) or ``"pairs"`` (every ordered pair of the batch).
    statistic : ``"mean"`` (default) or ``"median"`` over the batch (and over pairs).
    channel_mean : average each layer's features over channels before comparing
        (isolates spatial pooling); the output has no channels.
    """
    check_choice(reference, "reference", REFERENCES)
    check_choice(statistic, "statistic", STATISTICS)
    if x.shape != x_moved.shape:
        raise ValueError(f"x_moved must have the shape of x {list(x.shape)}, got {list(x_moved.shape)}")
    if x.shape[0] < 2:
        raise ValueError("a sensitivity needs at least two inputs (the denominator compares independent ones)")
    with torch.no_grad():
        layers = [net.features(params, v) + [net.apply(params, v)] for v in (x, x_moved)]
    numerators, denominators, ratios = [], [], []
    for k, (f, f_moved) in enumerate(zip(*layers)):
        output = k == len(layers[0]) - 1
        if output and f.ndim == 1:  # scalar output [batch]
            f, f_moved = f[:, None], f_moved[:, None]
        f, f_moved = _flat(f, channel_mean and not output), _flat(f_moved, channel_mean and not output)
        num = _average((f - f_moved).pow(2).sum(1), statistic)
        if reference == "shifted":
            den = _average((f - f.roll(1, dims=0)).pow(2).sum(1), statistic)
        else:
            den = _pair_distances(f, statistic)
        numerators.append(float(num))
        denominators.append(float(den))
        ratios.append(float(num / den) if den > 0 else float("nan"))
    return LayerSensitivity(tuple(numerators), tuple(denominators), tuple(ratios))
