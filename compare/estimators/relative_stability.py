"""Relative stability of a researcher's own model, in one call: D_f, G_f, R_f with bootstrap intervals.

Petrini, Favero, Geiger, Wyart, arXiv:2105.02468 (docs/science.md section 5):
R_f = D_f / G_f compares a network's response to small max-entropy
diffeomorphisms of its input images with its response to Gaussian noise of
the same norm. The measurement is :func:`...simulate.observables.relative_stability.stability_terms`;
the intervals come from the package's one bootstrap (:func:`.bootstrap.seed_bootstrap`,
here resampling images: each image with its own diffeomorphism and noise is
one independent unit) and its one interval rule (:func:`.bootstrap.bootstrap_interval`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from ...simulate.data.images import as_image_batch
from ...simulate.observables.diffeomorphisms import MaxEntropyDiffeo, temperature_for_displacement
from ...simulate.observables.relative_stability import stability_terms
from ...simulate.observables.sensitivity import layer_sensitivities
from ...simulate.runs.checks import check_float, check_seed, require
from ...simulate.runs.device import resolve_device
from .bootstrap import bootstrap_interval, check_settings, seed_bootstrap

__all__ = ["RelativeStabilityResult", "relative_stability"]


@dataclass(frozen=True)
class RelativeStabilityResult:
    """D_f, G_f, R_f at a model's output with their bootstrap intervals (images resampled).

    ``*_interval`` are (low, high) at level `confidence` (NaN when the bootstrap could not
    give one). `T`, `c`, `delta` (typical displacement in pixels), `n_images`, `statistic`,
    `interpolation` and `n_boot` say how it was measured; `seed` seeds the diffeomorphisms,
    the noise and the bootstrap.
    """

    D: float
    G: float
    R: float
    D_interval: tuple[float, float]
    G_interval: tuple[float, float]
    R_interval: tuple[float, float]
    T: float
    c: float
    delta: float
    n_images: int
    statistic: str
    interpolation: str
    confidence: float
    n_boot: int
    seed: int


def _module_device(model: Any) -> torch.device | None:
    if isinstance(model, torch.nn.Module):
        for t in list(model.parameters()) + list(model.buffers()):
            return t.device
    return None


def relative_stability(
    model: torch.nn.Module | Callable[[torch.Tensor], torch.Tensor],
    images: Any,
    *,
    T: float | None = None,
    c: float = 3.0,
    delta: float | None = None,
    seed: int = 0,
    statistic: str = "mean",
    confidence: float = 0.95,
    n_boot: int = 1000,
    interpolation: str = "bilinear",
    device: str | torch.device | None = None,
    batch_size: int = 256,
) -> RelativeStabilityResult:
    """D_f, G_f and R_f = D_f / G_f of `model` on `images`, with bootstrap confidence intervals.

    Each image i is deformed by its own max-entropy diffeomorphism tau_i (temperature `T`,
    cut-off `c`) and, separately, perturbed by Gaussian noise eta_i with |eta_i| = |tau_i x_i - x_i|;

        D_f = <|f(tau x) - f(x)|^2> / <|f(x) - f(z)|^2>,   G_f = same with x + eta,   R_f = D_f / G_f,

    averages over the images (mean or median), z running over the other images (all ordered pairs).

    Parameters
    ----------
    model : a ``torch.nn.Module`` or any callable mapping images [batch, C, n, n] to outputs
        [batch, ...] (logits, features). Used as it is: call ``model.eval()`` first if it has
        dropout or batch normalisation.
    images : numpy array or torch tensor [N, n, n] or [N, C, n, n], floating and finite, N >= 2
        (the paper uses 500 test images).
    T : temperature of the diffeomorphisms (give `T` or `delta`; by default the T of a typical
        displacement of one pixel, ``delta=1``). Must not exceed T_max = 4/(pi^3 c^2 ln c).
    c : high-frequency cut-off (modes i^2 + j^2 <= c^2); the paper uses 3, 5, 15.
    delta : typical displacement (n/2) sqrt(pi T ln c) in pixels, instead of `T`.
    seed : seeds the diffeomorphisms, the noise and the bootstrap.
    statistic : ``"mean"`` (default) or ``"median"``.
    confidence : level of the intervals, in (0, 1).
    n_boot : bootstrap resamples of the images (>= 10).
    interpolation : ``"bilinear"`` or ``"gaussian"`` (sigma = 0.4715 pixel, clean images too).
    device : where to compute. None: the device of the module's parameters, or for a plain
        callable CUDA when present, else the CPU. Images are moved there (and to the
        module's dtype).
    batch_size : images per forward pass.

    Returns
    -------
    :class:`RelativeStabilityResult`.

    Example
    -------
    >>> import torch
    >>> from scalingcheck.compare.estimators.relative_stability import relative_stability
    >>> from scalingcheck.simulate.data.images import digits
    >>> images, labels = digits(size=16, device="cpu")
    >>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(256, 64), torch.nn.ReLU(),
    ...                           torch.nn.Linear(64, 10))
    >>> result = relative_stability(net, images[:200], delta=1.0, c=3, seed=0)
    >>> result.R, result.R_interval          # of order 1 for an untrained network
    """
    check_settings(confidence, n_boot)
    seed = check_seed(seed)
    require(T is None or delta is None, "give either T or delta, not both")
    images = as_image_batch(images)
    n = images.shape[-1]
    c = check_float(c, "c", 1.0, low_open=True)
    if T is None:
        delta = 1.0 if delta is None else delta
        T = temperature_for_displacement(delta, n, c)
    diffeo = MaxEntropyDiffeo(n=n, T=check_float(T, "T", 0.0, low_open=True), c=c, interpolation=interpolation)
    dev = resolve_device(device) if device is not None else (_module_device(model) or resolve_device(None))
    if isinstance(model, torch.nn.Module) and _module_device(model) not in (None, dev):
        raise ValueError(f"the model's parameters are on {_module_device(model)} but device={str(dev)!r}; "
                         "move the model (model.to(device)) or leave device=None")
    terms = stability_terms(model, images.to(dev), diffeo, seed, statistic=statistic, batch_size=batch_size)

    f, fd, fn = terms.outputs, terms.outputs_diffeo, terms.outputs_noise

    def replicate(index: list[np.ndarray]) -> tuple[float, float, float]:
        idx = torch.as_tensor(index[0], device=f.device)
        d = layer_sensitivities([f[idx]], [fd[idx]], reference="pairs", statistic=statistic).ratio[0]
        g = layer_sensitivities([f[idx]], [fn[idx]], reference="pairs", statistic=statistic).ratio[0]
        return d, g, d / g if g > 0 else math.nan

    n_images = images.shape[0]
    reps = seed_bootstrap(replicate, [n_images], n_boot, seed)
    if reps.size == 0:
        reps = np.full((0, 3), math.nan)
    intervals = [bootstrap_interval(v, reps[:, k], n_images, confidence)
                 for k, v in enumerate((terms.D, terms.G, terms.R))]
    return RelativeStabilityResult(
        D=terms.D, G=terms.G, R=terms.R, D_interval=intervals[0], G_interval=intervals[1], R_interval=intervals[2],
        T=diffeo.T, c=diffeo.c, delta=diffeo.delta, n_images=n_images, statistic=statistic,
        interpolation=interpolation, confidence=confidence, n_boot=n_boot, seed=seed,
    )
