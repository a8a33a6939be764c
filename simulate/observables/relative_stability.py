"""Relative stability toward diffeomorphisms, D_f, G_f and R_f = D_f / G_f (Petrini et al., arXiv:2105.02468).

docs/science.md section 5. For images x, a random max-entropy diffeomorphism tau
per image (:class:`.diffeomorphisms.MaxEntropyDiffeo`) and Gaussian noise eta
rescaled per image so that |eta| = |tau x - x| (:func:`.perturbations.matched_noise`):

    D_f = <|f(tau x) - f(x)|^2> / <|f(x) - f(z)|^2>,
    G_f = <|f(x + eta) - f(x)|^2> / <|f(x) - f(z)|^2>,    R_f = D_f / G_f,

the averages (mean by default, or median) over the images, the denominator
over all ordered pairs of images (z another image of the set). With the
Gaussian interpolation, x is the clean image under the same interpolation
(:meth:`MaxEntropyDiffeo.reference`). The formula is the package's one
sensitivity formula, :func:`.sensitivity.layer_sensitivities`.

`f` is the output of any callable or ``torch.nn.Module`` (images -> outputs),
or, for a package :class:`..networks.base.Network` with its parameters, every
hidden layer and then the output.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from ..data.images import as_image_batch
from ..networks.base import Network, Params
from ..runs.checks import check_bool, check_choice, check_instance, check_int, check_seed
from .diffeomorphisms import MaxEntropyDiffeo
from .perturbations import matched_noise
from .sensitivity import REFERENCES, STATISTICS, change_terms, flat_features, layer_sensitivities

__all__ = ["StabilityTerms", "stability_terms", "derived_seed", "noise_seed"]

_NOISE_STREAM = 1


def derived_seed(seed: int, stream: int) -> int:
    """An independent seed for stream `stream` of `seed`: the first 32-bit word of
    ``numpy.random.SeedSequence([seed, stream])`` (two torch generators seeded with equal
    seeds would draw the same numbers)."""
    return int(np.random.SeedSequence([check_seed(seed), check_seed(stream, "stream")]).generate_state(1)[0])


def noise_seed(seed: int) -> int:
    """The seed of the noise eta of a measurement with seed `seed` (the diffeomorphisms use `seed` itself):
    :func:`derived_seed` (seed, 1)."""
    return derived_seed(seed, _NOISE_STREAM)


@dataclass(frozen=True)
class StabilityTerms:
    """What D_f, G_f and R_f are made of, per image and per layer (hidden layers first, the output last).

    Attributes
    ----------
    diffeo_terms, noise_terms : per layer, [N] tensors |f(tau x) - f(x)|^2 and |f(x + eta) - f(x)|^2.
    outputs, outputs_diffeo, outputs_noise : the output f(x), f(tau x), f(x + eta), flattened [N, units]:
        what a bootstrap over images needs to recompute the output's D_f, G_f (numerators and denominator).
    change_norms : [N] |tau x - x| (= |eta|) per image.
    denominators : per layer, the denominator <|f(x) - f(z)|^2>.
    D_layers, G_layers, R_layers : per layer D_f, G_f and R_f = D_f / G_f (NaN where undefined).
    statistic, reference, channel_mean : how the averages were taken.
    """

    diffeo_terms: tuple[torch.Tensor, ...]
    noise_terms: tuple[torch.Tensor, ...]
    outputs: torch.Tensor
    outputs_diffeo: torch.Tensor
    outputs_noise: torch.Tensor
    change_norms: torch.Tensor
    denominators: tuple[float, ...]
    D_layers: tuple[float, ...]
    G_layers: tuple[float, ...]
    R_layers: tuple[float, ...]
    statistic: str
    reference: str
    channel_mean: bool

    @property
    def D(self) -> float:
        """D_f at the output."""
        return self.D_layers[-1]

    @property
    def G(self) -> float:
        """G_f at the output."""
        return self.G_layers[-1]

    @property
    def R(self) -> float:
        """R_f = D_f / G_f at the output."""
        return self.R_layers[-1]


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 and np.isfinite(a) else float("nan")


def _model_target(model: Any, params: Params | None, images: torch.Tensor) -> torch.Tensor:
    """`images` moved to where the model computes: the parameters' device and dtype, when it has any."""
    ref = None
    if isinstance(model, Network):
        ref = next(iter(params.values()))
    elif isinstance(model, torch.nn.Module):
        ref = next(model.parameters(), None)
        ref = next(model.buffers(), None) if ref is None else ref
    if ref is None or not ref.is_floating_point():
        return images
    return images.to(device=ref.device, dtype=ref.dtype)


def _evaluate(model: Any, params: Params | None, x: torch.Tensor, batch_size: int) -> list[torch.Tensor]:
    """Per layer, the responses to `x` evaluated in chunks: hidden features then output (a Network),
    or the output alone (a callable)."""
    chunks: list[list[torch.Tensor]] = []
    with torch.no_grad():
        for start in range(0, x.shape[0], batch_size):
            xc = x[start:start + batch_size]
            if isinstance(model, Network):
                chunks.append(model.features(params, xc) + [model.apply(params, xc)])
            else:
                out = model(xc)
                if not isinstance(out, torch.Tensor) or out.ndim < 1 or out.shape[0] != xc.shape[0]:
                    got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                    raise ValueError(f"model must map images [batch, ...] to a tensor [batch, ...], got {got} "
                                     f"for a batch of {xc.shape[0]}")
                chunks.append([out.detach()])
    return [torch.cat(layer) for layer in zip(*chunks)]


def stability_terms(
    model: Network | torch.nn.Module | Callable[[torch.Tensor], torch.Tensor],
    images: Any,
    diffeo: MaxEntropyDiffeo,
    seed: int,
    *,
    params: Params | None = None,
    statistic: str = "mean",
    reference: str = "pairs",
    channel_mean: bool = False,
    batch_size: int = 256,
) -> StabilityTerms:
    """D_f, G_f, R_f of `model` on `images` and the per-image terms they are made of.

    Parameters
    ----------
    model : a package :class:`Network` (then `params` is required, and every hidden layer is
        measured before the output), a ``torch.nn.Module`` or any callable mapping images
        [batch, C, n, n] to outputs [batch, ...]. Modules are used as they are: call
        ``model.eval()`` first if it has dropout or batch normalisation.
    images : [N, C, n, n] or [N, n, n] (numpy or torch, floating, finite), N >= 2; n = ``diffeo.n``.
        Moved to the device and dtype of the model's parameters (a Network or a module with
        parameters), otherwise used where they are.
    diffeo : the distribution of diffeomorphisms; image i gets field i of ``diffeo(images, seed)``.
    seed : seeds the diffeomorphisms; the noise uses :func:`noise_seed` (seed).
    params : the parameters of a package Network (one model, not stacked).
    statistic : ``"mean"`` (default) or ``"median"`` over the images (and image pairs).
    reference : denominator over ``"pairs"`` (every ordered pair, default) or ``"shifted"`` images.
    channel_mean : average hidden features over channels first (Network layers only).
    batch_size : images per forward pass.
    """
    seed = check_seed(seed)
    check_instance(diffeo, "diffeo", MaxEntropyDiffeo, "a MaxEntropyDiffeo")
    check_choice(statistic, "statistic", STATISTICS)
    check_choice(reference, "reference", REFERENCES)
    check_bool(channel_mean, "channel_mean")
    batch_size = check_int(batch_size, "batch_size", 1)
    if isinstance(model, Network):
        if params is None:
            raise ValueError(f"params are required to measure a {type(model).__name__} (net.init(seed) or trained ones)")
        if model.ensemble_size(params) is not None:
            raise ValueError("params are stacked [E, ...]: measure one model at a time")
    elif not callable(model):
        raise ValueError(f"model must be a Network, a torch.nn.Module or a callable, got {type(model).__name__}")
    elif params is not None:
        raise ValueError("params are only used with a package Network; a module or callable carries its own")
    images = as_image_batch(images)
    if images.shape[-1] != diffeo.n:
        raise ValueError(f"images are {images.shape[-1]} x {images.shape[-1]} but diffeo.n={diffeo.n}")
    if images.shape[0] < 2:
        raise ValueError("images must hold at least two images (the denominator compares independent ones)")
    images = _model_target(model, params, images)

    x = diffeo.reference(images)
    x_diffeo = diffeo(images, seed)
    x_noise = matched_noise(x, x_diffeo, noise_seed(seed))
    f, f_diffeo, f_noise = (_evaluate(model, params, v, batch_size) for v in (x, x_diffeo, x_noise))

    d = layer_sensitivities(f, f_diffeo, reference=reference, statistic=statistic, channel_mean=channel_mean)
    g = layer_sensitivities(f, f_noise, reference=reference, statistic=statistic, channel_mean=channel_mean)
    flat = [[flat_features(a, channel_mean) for a in layers] for layers in (f, f_diffeo, f_noise)]
    return StabilityTerms(
        diffeo_terms=tuple(change_terms(a, b) for a, b in zip(flat[0], flat[1])),
        noise_terms=tuple(change_terms(a, b) for a, b in zip(flat[0], flat[2])),
        outputs=flat[0][-1], outputs_diffeo=flat[1][-1], outputs_noise=flat[2][-1],
        change_norms=(x_diffeo - x).flatten(1).norm(dim=1),
        denominators=d.denominator,
        D_layers=d.ratio, G_layers=g.ratio,
        R_layers=tuple(_ratio(a, b) for a, b in zip(d.ratio, g.ratio)),
        statistic=statistic, reference=reference, channel_mean=channel_mean,
    )
