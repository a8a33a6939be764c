"""Sensitivity of a network's layers to a perturbation of its inputs: one function for every paper.

For a perturbation x -> x' and every hidden layer k (then the output),

    S_k = <|f_k(x') - f_k(x)|^2> / <|f_k(x) - f_k(z)|^2>,

f_k the layer's features flattened per sample, the average over the inputs
of the batch, z an independent input. The numerator, the denominator and
their ratio are returned per layer (:class:`LayerSensitivity`). The formula
lives in :func:`layer_sensitivities`, which takes lists of feature tensors
computed by anyone (built from :func:`flat_features`, :func:`change_terms`,
:func:`average` and :func:`reference_distance`); :func:`sensitivity` applies it
to the hidden layers and the output of a package network.

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
from typing import Protocol, Sequence

import torch

from ..networks.base import Network, Params
from ..runs.checks import check_bool, check_choice, check_finite

__all__ = [
    "LayerSensitivity", "Perturbation", "sensitivity", "layer_sensitivities", "flat_features", "change_terms",
    "reference_distance", "average", "REFERENCES", "STATISTICS",
]

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


def flat_features(f: torch.Tensor, channel_mean: bool = False) -> torch.Tensor:
    """Features [batch, channels, *positions] (or [batch] scalars, or [batch, units]) -> [batch, units].

    With `channel_mean`, features with positions are averaged over channels first
    (a [batch, units] tensor has no channels and is left as it is).
    """
    if f.ndim == 1:  # scalar output [batch]
        return f[:, None]
    if channel_mean and f.ndim > 2:
        f = f.mean(dim=1)
    return f.flatten(1)


def change_terms(f: torch.Tensor, f_moved: torch.Tensor) -> torch.Tensor:
    """Per-input numerator terms |f_i(x') - f_i(x)|^2 of flattened features [batch, units] -> [batch]."""
    return (f - f_moved).pow(2).sum(1)


def average(values: torch.Tensor, statistic: str) -> torch.Tensor:
    """Mean or median (`statistic`) of a 1D tensor of terms."""
    return values.mean() if statistic == "mean" else values.median()


def _pair_distances(f: torch.Tensor, statistic: str) -> torch.Tensor:
    """Mean (or median) of |f_i - f_j|^2 over all ordered pairs (i, j), i = j included."""
    if statistic == "mean":  # exact identity: mean_ij |f_i - f_j|^2 = 2 (mean_i |f_i|^2 - |mean_i f_i|^2)
        g = f.to(torch.float64)
        return (2 * (g.pow(2).sum(1).mean() - g.mean(0).pow(2).sum())).to(f.dtype)
    return torch.cdist(f, f).pow(2).flatten().median()


def reference_distance(f: torch.Tensor, reference: str, statistic: str) -> torch.Tensor:
    """The denominator <|f(x) - f(z)|^2> of flattened features [batch, units], z independent of x.

    ``reference="shifted"``: z_i = x_{i-1} (the batch rolled by one); ``"pairs"``: every
    ordered pair of the batch, i = j included; averaged with `statistic` (mean or median).
    """
    if reference == "shifted":
        return average(change_terms(f, f.roll(1, dims=0)), statistic)
    return _pair_distances(f, statistic)


def layer_sensitivities(
    features: Sequence[torch.Tensor],
    features_moved: Sequence[torch.Tensor],
    *,
    reference: str = "shifted",
    statistic: str = "mean",
    channel_mean: bool = False,
) -> LayerSensitivity:
    """The sensitivity formula applied layer by layer to features computed by anyone.

    For each pair (f, f') of `features` and `features_moved` (the responses of one
    layer to x and to the perturbed x'): numerator = `statistic` over the inputs of
    |f(x') - f(x)|^2, denominator = :func:`reference_distance` of f(x), ratio =
    numerator / denominator (NaN where the denominator is 0).

    Parameters
    ----------
    features, features_moved : sequences of tensors [batch, channels, *positions],
        [batch, units] or [batch] (scalars); the two sequences match layer by layer.
    reference : ``"shifted"`` or ``"pairs"`` (:func:`reference_distance`).
    statistic : ``"mean"`` or ``"median"``.
    channel_mean : average features with positions over channels first.
    """
    check_choice(reference, "reference", REFERENCES)
    check_choice(statistic, "statistic", STATISTICS)
    features, features_moved = list(features), list(features_moved)
    if len(features) != len(features_moved):
        raise ValueError(f"features and features_moved must hold the same number of layers, "
                         f"got {len(features)} and {len(features_moved)}")
    numerators, denominators, ratios = [], [], []
    for k, (f, f_moved) in enumerate(zip(features, features_moved)):
        if f.shape != f_moved.shape:
            raise ValueError(f"layer {k}: features_moved has shape {list(f_moved.shape)}, features {list(f.shape)}")
        if f.ndim < 1 or f.shape[0] < 2:
            raise ValueError("a sensitivity needs at least two inputs (the denominator compares independent ones)")
        f, f_moved = flat_features(f, channel_mean), flat_features(f_moved, channel_mean)
        num = average(change_terms(f, f_moved), statistic)
        den = reference_distance(f, reference, statistic)
        numerators.append(float(num))
        denominators.append(float(den))
        ratios.append(float(num / den) if den > 0 else float("nan"))
    return LayerSensitivity(tuple(numerators), tuple(denominators), tuple(ratios))


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

    The formula is :func:`layer_sensitivities`, applied to the hidden features and the output.
    """
    check_choice(reference, "reference", REFERENCES)
    check_choice(statistic, "statistic", STATISTICS)
    check_bool(channel_mean, "channel_mean")
    for name, v in (("x", x), ("x_moved", x_moved)):
        if not isinstance(v, torch.Tensor):
            raise ValueError(f"{name} must be a torch.Tensor [batch, *input_shape], got {type(v).__name__}")
        check_finite(v, name)
    if x.shape != x_moved.shape:
        raise ValueError(f"x_moved must have the shape of x {list(x.shape)}, got {list(x_moved.shape)}")
    if x.shape[0] < 2:
        raise ValueError("a sensitivity needs at least two inputs (the denominator compares independent ones)")
    with torch.no_grad():
        layers = [net.features(params, v) + [net.apply(params, v)] for v in (x, x_moved)]
    return layer_sensitivities(layers[0], layers[1], reference=reference, statistic=statistic,
                               channel_mean=channel_mean)
