"""Max-entropy diffeomorphisms of n x n images (Petrini, Favero, Geiger, Wyart, arXiv:2105.02468).

docs/science.md section 5. Coordinates u (horizontal, the last image axis) and v
(vertical) lie in [0, 1], pixel p of an axis sits at u = p / (n - 1) (the
grid ``linspace(0, 1, n)``). Each displacement component is a sine series

    tau(u, v) = sqrt(T) sum_{i, j >= 1, i^2 + j^2 <= c^2} C_ij sin(i pi u) sin(j pi v),
    C_ij ~ N(0, 1 / (i^2 + j^2)) independently,

and the displacement in pixels is ``n tau`` [code]. The field vanishes on the
border. A deformed image is ``out[y, x] = img[y - dy, x - dx]``, the source
coordinates clamped to [0, n - 1] and interpolated bilinearly (or with a
normalised Gaussian kernel of width sigma = 0.4715 pixel, which blurs even
the identity: :meth:`MaxEntropyDiffeo.reference` gives the clean image under
the same interpolation, the reference that deformed images are compared with).

**Mode cut-off** (``cutoff``). By default (``"paper"``) this module keeps the
paper's modes ``i^2 + j^2 <= c^2`` (i, j >= 1): 4, 15, 162 modes at c = 3, 5,
15. ``cutoff="authors"`` keeps those of the authors' code,
``sqrt(i^2 + j^2) < c + 1/2``: slightly more modes (6, 19, 172; at c = 3 also
(1, 3) and (3, 1)), hence a larger rms displacement at a given T and more
folded maps at T_max. With the paper's cut-off a c below sqrt(2) keeps no
mode at all, so c >= sqrt(2) is required; the authors' needs c > sqrt(2) - 1/2
(and c > 1 for the temperatures, which take ln c).

**Temperatures** [code]: the typical displacement is delta = (n/2) sqrt(pi T ln c)
pixels (a large-c estimate of the rms displacement over the image), and the
map stays a diffeomorphism up to T_max = 4 / (pi^3 c^2 ln c). These two
formulas also live in ``theory/diffeomorphisms.py`` (the simulation layer may
not import the theory layer); here they only set temperatures and guard the
bound, and tests/simulate/test_diffeomorphisms.py checks that both copies agree.

**Invertibility.** The map of a deformation is the source map
``S(X) = X - d(X)`` in pixel coordinates X = (n - 1) (u, v), d = n tau. Its
Jacobian ``I - (n / (n - 1)) grad_(u, v) tau`` follows analytically from the
sine series (derivatives are cosines); the deformation is a diffeomorphism of
the square when its determinant is positive everywhere (d vanishes on the
border, so S maps the square onto itself).

Randomness: the coefficients of a batch of B fields are drawn as one
``torch.randn([B, 2, K, K])`` (K the largest kept mode index, :attr:`MaxEntropyDiffeo.max_mode`:
floor(c) with the paper's cut-off; component 0 = dx, 1 = dy, then
mode i of u, mode j of v) on the CPU in float64 from
``torch.Generator().manual_seed(seed)``, then moved: a seed gives the same
fields on every device and dtype, and field b does not depend on B.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import torch

from ..runs.checks import (check_bool, check_choice, check_dtype, check_float, check_int, check_memory, check_seed,
                           check_size, require, show)
from ..runs.device import resolve_device
from ..runs.spec import KEY_OMITS_DEFAULT

__all__ = [
    "MaxEntropyDiffeo", "rms_displacement", "typical_displacement", "temperature_bounds", "temperature_for_displacement",
    "INTERPOLATIONS", "GAUSSIAN_SIGMA", "CUTOFFS", "kept_modes",
]

INTERPOLATIONS = ("bilinear", "gaussian")
GAUSSIAN_SIGMA = 0.4715
"""Width (pixels) of the Gaussian interpolation kernel of the authors' code."""

CUTOFFS = ("paper", "authors")
"""Mode cut-offs: the paper's ``i^2 + j^2 <= c^2`` (default) and the authors' code's ``sqrt(i^2 + j^2) < c + 1/2``."""

_GAUSSIAN_CHUNK = 64  # images per chunk of the Gaussian interpolation (memory ~ chunk * C * n^3)


def _kept(i: int, j: int, c: float, cutoff: str) -> bool:
    r2 = i * i + j * j
    if cutoff == "paper":
        return r2 <= c * c + 1e-9
    return math.sqrt(r2) < c + 0.5 - 1e-12


def kept_modes(c: float, cutoff: str = "paper") -> tuple[tuple[int, int], ...]:
    """The kept modes (i, j), i, j >= 1, in lexicographic order: ``i^2 + j^2 <= c^2`` (``cutoff="paper"``)
    or ``sqrt(i^2 + j^2) < c + 1/2`` (``"authors"``)."""
    cutoff = check_choice(cutoff, "cutoff", CUTOFFS)
    c = _check_c(c, cutoff)
    top = int(math.floor(c + 0.5)) + 1
    return tuple((i, j) for i in range(1, top + 1) for j in range(1, top + 1) if _kept(i, j, c, cutoff))


def _check_c(c: float, cutoff: str = "paper") -> float:
    c = check_float(c, "c", 1.0, low_open=True)
    if cutoff == "paper":
        require(c * c >= 2.0, f"c={c!r} keeps no mode under the cut-off i^2 + j^2 <= c^2 (i, j >= 1): use c >= sqrt(2)")
    return c  # the authors' cut-off keeps (1, 1) for every c > sqrt(2) - 1/2, so for every c > 1


def typical_displacement(n: int, T: float, c: float) -> float:
    """delta = (n / 2) sqrt(pi T ln c), the typical displacement in pixels [code]."""
    return n / 2 * math.sqrt(math.pi * T * math.log(c))


def temperature_bounds(n: int, c: float) -> tuple[float, float]:
    """(T_min, T_max) = (1 / (pi n^2 ln c), 4 / (pi^3 c^2 ln c)) [code]: delta = 1/2 pixel, and the
    largest temperature that still gives a diffeomorphism."""
    log = math.log(c)
    return 1.0 / (math.pi * n * n * log), 4.0 / (math.pi**3 * c * c * log)


def temperature_for_displacement(delta: float, n: int, c: float) -> float:
    """The T at which the typical displacement :func:`typical_displacement` equals `delta` pixels:
    T = (2 delta / n)^2 / (pi ln c).

    Parameters
    ----------
    delta : typical displacement in pixels (> 0).
    n : image side in pixels (>= 2).
    c : mode cut-off (>= sqrt(2)).
    """
    delta = check_float(delta, "delta", 0.0, low_open=True)
    n = check_int(n, "n", 2)
    c = _check_c(c)
    return (2.0 * delta / n) ** 2 / (math.pi * math.log(c))


def rms_displacement(fields: torch.Tensor) -> float:
    """Root mean square of the displacement |d| = sqrt(dx^2 + dy^2) over the fields and positions.

    Parameters
    ----------
    fields : displacement fields [batch, 2, *positions] (component axis 1), in pixels.
    """
    if not isinstance(fields, torch.Tensor) or not fields.is_floating_point() or fields.ndim < 2 or fields.shape[1] != 2:
        got = list(fields.shape) if isinstance(fields, torch.Tensor) else type(fields).__name__
        raise ValueError(f"fields must be a floating tensor [batch, 2, ...] (dx, dy), got {got}")
    if fields.numel() == 0:
        raise ValueError("fields must hold at least one displacement")
    return float(fields.detach().to(torch.float64).pow(2).sum(1).mean().sqrt())


@dataclass(frozen=True)
class MaxEntropyDiffeo:
    """Random max-entropy diffeomorphisms of n x n images at temperature `T` and cut-off `c`.

    Parameters
    ----------
    n : image side in pixels (>= 2).
    T : temperature (> 0); must not exceed T_max = 4 / (pi^3 c^2 ln c) unless `allow_non_diffeo`.
    c : high-frequency cut-off (> 1; >= sqrt(2) with the paper's cut-off).
    interpolation : ``"bilinear"`` (default) or ``"gaussian"`` (sigma = 0.4715 pixel; the clean image
        is interpolated too, :meth:`reference`).
    allow_non_diffeo : allow T > T_max (maps that may fold; needed to measure the bound itself).
    cutoff : which modes are kept: ``"paper"`` (default, i^2 + j^2 <= c^2) or ``"authors"``
        (sqrt(i^2 + j^2) < c + 1/2, the authors' code), :data:`CUTOFFS`.

    Example
    -------
    >>> diffeo = MaxEntropyDiffeo(n=16, T=temperature_for_displacement(1.0, 16, 3), c=3)
    >>> moved = diffeo(images, seed=0)        # images [B, C, 16, 16] or [B, 16, 16]
    """

    kind: ClassVar[str] = "max_entropy_diffeo"
    n: int
    T: float
    c: float
    interpolation: str = "bilinear"
    allow_non_diffeo: bool = False
    cutoff: str = field(default="paper", metadata={KEY_OMITS_DEFAULT: True})

    def __post_init__(self) -> None:
        check_size(self.n, "n", 2)
        check_float(self.T, "T", 0.0, low_open=True)
        check_choice(self.cutoff, "cutoff", CUTOFFS)
        _check_c(self.c, self.cutoff)
        check_choice(self.interpolation, "interpolation", INTERPOLATIONS)
        check_bool(self.allow_non_diffeo, "allow_non_diffeo")
        t_max = self.t_max
        require(
            self.allow_non_diffeo or self.T <= t_max,
            f"T={self.T!r} exceeds T_max = 4/(pi^3 c^2 ln c) = {t_max:.4g} at c={self.c!r}: the typical displacement "
            f"delta = {self.delta:.3g} pixels exceeds delta_max = n/(pi c) = {self.n / (math.pi * self.c):.3g} and the map "
            f"may not be a diffeomorphism; lower T, upsample the images, or pass allow_non_diffeo=True",
        )

    # -- scales --------------------------------------------------------------
    @property
    def t_max(self) -> float:
        """T_max = 4 / (pi^3 c^2 ln c) [code]."""
        return temperature_bounds(self.n, self.c)[1]

    @property
    def t_min(self) -> float:
        """T_min = 1 / (pi n^2 ln c) [code] (delta = 1/2 pixel)."""
        return temperature_bounds(self.n, self.c)[0]

    @property
    def delta(self) -> float:
        """Typical displacement (n / 2) sqrt(pi T ln c) in pixels [code]."""
        return typical_displacement(self.n, self.T, self.c)

    @property
    def max_mode(self) -> int:
        """K, the largest kept mode index along one axis: floor(c) with the paper's cut-off, the largest i
        with sqrt(i^2 + 1) < c + 1/2 with the authors'."""
        if self.cutoff == "paper":
            return int(math.floor(self.c + 1e-12))
        return max(i for i, _ in kept_modes(self.c, self.cutoff))

    def modes(self) -> tuple[tuple[int, int], ...]:
        """The kept modes (i, j), i, j >= 1 (:func:`kept_modes`)."""
        return kept_modes(self.c, self.cutoff)

    def mode_weights(self) -> torch.Tensor:
        """[K, K] float64: 1 / sqrt(i^2 + j^2) for the kept modes, 0 elsewhere; entry [i-1, j-1]."""
        k = torch.arange(1, self.max_mode + 1, dtype=torch.float64)
        r2 = k[:, None] ** 2 + k[None, :] ** 2
        if self.cutoff == "paper":
            keep = r2 <= self.c**2 + 1e-9
        else:
            keep = r2.sqrt() < self.c + 0.5 - 1e-12
        return torch.where(keep, r2.rsqrt(), torch.zeros_like(r2))

    def coefficients(self, seed: int, batch: int) -> torch.Tensor:
        """Amplitudes in pixels, [batch, 2, K, K] float64 on the CPU: ``n sqrt(T) C_ij`` (0 for dropped modes).

        Entry [b, k, i-1, j-1] multiplies sin(i pi u) sin(j pi v) in component k (0: dx, 1: dy) of field b.
        """
        seed = check_seed(seed)
        batch = check_int(batch, "batch", 1)
        k = self.max_mode
        check_memory(8 * 4 * batch * 2 * k * k, f"batch={show(batch)} fields of K x K = {show(k)} x {show(k)} modes "
                                                f"(c={self.c!r})")
        gen = torch.Generator(device="cpu").manual_seed(seed)
        z = torch.randn((batch, 2, k, k), generator=gen, dtype=torch.float64)
        return z * self.mode_weights() * (self.n * math.sqrt(self.T))

    # -- fields --------------------------------------------------------------
    def _series(self, amp: torch.Tensor, u: torch.Tensor, v: torch.Tensor, du: bool = False, dv: bool = False):
        """sum_ij amp[..., i, j] s_i(u) s_j(v) -> [..., len(v), len(u)]; s = sin, or its derivative i pi cos(i pi .)."""
        k = torch.arange(1, self.max_mode + 1, dtype=amp.dtype, device=amp.device)
        su = (k * math.pi) * torch.cos(math.pi * u[:, None] * k) if du else torch.sin(math.pi * u[:, None] * k)
        sv = (k * math.pi) * torch.cos(math.pi * v[:, None] * k) if dv else torch.sin(math.pi * v[:, None] * k)
        return torch.einsum("...ij,xi,yj->...yx", amp, su, sv)

    @staticmethod
    def _coords(values, name: str) -> torch.Tensor:
        t = torch.as_tensor(values, dtype=torch.float64).reshape(-1)
        if t.numel() == 0 or not bool(torch.isfinite(t).all()):
            raise ValueError(f"{name} must hold at least one finite coordinate in [0, 1]")
        return t

    def displacement_at(self, seed: int, batch: int, u, v) -> torch.Tensor:
        """Fields evaluated at coordinates u (horizontal) x v (vertical): [batch, 2, len(v), len(u)], float64 CPU, pixels."""
        u, v = self._coords(u, "u"), self._coords(v, "v")
        return self._series(self.coefficients(seed, batch), u, v)

    def displacement(
        self, seed: int, batch: int, device: str | torch.device | None = None, dtype: torch.dtype = torch.float64
    ) -> torch.Tensor:
        """Displacement fields on the pixel grid, [batch, 2, n, n] in pixels: [:, 0] = dx (along the last
        axis), [:, 1] = dy; entry [b, k, y, x] at u = x / (n - 1), v = y / (n - 1). Zero on the border.

        Parameters
        ----------
        seed : seed of the coefficients; field b of a batch does not depend on the batch size.
        batch : number of independent fields (>= 1).
        device : where to return them (None: CUDA when present, else CPU).
        dtype : floating dtype of the result (computed in float64).
        """
        grid = torch.linspace(0.0, 1.0, self.n, dtype=torch.float64)
        fields = self._series(self.coefficients(seed, batch), grid, grid)
        fields[..., 0, :] = 0.0  # sin(k pi) is 0 exactly; rounding would leave ~1e-16
        fields[..., -1, :] = 0.0
        fields[..., :, 0] = 0.0
        fields[..., :, -1] = 0.0
        return fields.to(device=resolve_device(device), dtype=check_dtype(dtype))

    def jacobian_determinant(self, seed: int, batch: int, points: int | None = None) -> torch.Tensor:
        """det(I - grad d) of the source map X -> X - d(X) (pixel coordinates) on a points x points grid of [0, 1]^2.

        Returns [batch, points, points] float64 (CPU), entry [b, y, x] at (u, v) = (x, y) / (points - 1);
        grad d = (n / (n - 1)) grad_(u, v) tau, analytic (cosine series). Default points: 16 K + 1, >= 65.
        """
        points = max(65, 16 * self.max_mode + 1) if points is None else check_int(points, "points", 2)
        amp = self.coefficients(seed, batch)
        g = torch.linspace(0.0, 1.0, points, dtype=torch.float64)
        scale = 1.0 / (self.n - 1)  # d/dX = d/du / (n - 1)
        dxdx = self._series(amp[:, 0], g, g, du=True) * scale
        dxdy = self._series(amp[:, 0], g, g, dv=True) * scale
        dydx = self._series(amp[:, 1], g, g, du=True) * scale
        dydy = self._series(amp[:, 1], g, g, dv=True) * scale
        return (1 - dxdx) * (1 - dydy) - dxdy * dydx

    def min_jacobian_determinant(self, seed: int, batch: int, points: int | None = None) -> torch.Tensor:
        """[batch] float64: the minimum over a fine grid of :meth:`jacobian_determinant` (> 0: a diffeomorphism)."""
        return self.jacobian_determinant(seed, batch, points).flatten(1).amin(dim=1)

    # -- images --------------------------------------------------------------
    def _images(self, images: torch.Tensor) -> tuple[torch.Tensor, bool]:
        """[B, C, n, n] floating view of `images` ([B, n, n] gains C = 1), and whether it was 3D."""
        want = f"[batch, C, {self.n}, {self.n}] or [batch, {self.n}, {self.n}]"
        if not isinstance(images, torch.Tensor) or not images.is_floating_point():
            got = f"dtype {images.dtype}" if isinstance(images, torch.Tensor) else type(images).__name__
            raise ValueError(f"images must be a floating torch tensor {want}, got {got}")
        if images.ndim not in (3, 4) or tuple(images.shape[-2:]) != (self.n, self.n) or images.shape[0] < 1:
            raise ValueError(f"images must have shape {want}, got {list(images.shape)}")
        return (images.unsqueeze(1), True) if images.ndim == 3 else (images, False)

    def warp(self, images: torch.Tensor, fields: torch.Tensor) -> torch.Tensor:
        """Apply given displacement fields: ``out[b, :, y, x] = img[b, :, y - dy, x - dx]`` (clamped, interpolated).

        Parameters
        ----------
        images : [B, C, n, n] or [B, n, n], floating.
        fields : [B, 2, n, n] in pixels (dx, dy), or [2, n, n] for one field shared by the batch.

        Returns the deformed images, in the shape, device and dtype of `images`.
        """
        x, squeeze = self._images(images)
        b = x.shape[0]
        if not isinstance(fields, torch.Tensor) or fields.ndim not in (3, 4) or tuple(fields.shape[-3:]) != (2, self.n, self.n) \
                or (fields.ndim == 4 and fields.shape[0] != b):
            got = list(fields.shape) if isinstance(fields, torch.Tensor) else type(fields).__name__
            raise ValueError(f"fields must have shape [{b}, 2, {self.n}, {self.n}] or [2, {self.n}, {self.n}], got {got}")
        d = fields.to(device=x.device, dtype=x.dtype).expand(b, 2, self.n, self.n)
        p = torch.arange(self.n, device=x.device, dtype=x.dtype)
        xs = (p[None, None, :] - d[:, 0]).clamp(0, self.n - 1)  # source column [B, n, n]
        ys = (p[None, :, None] - d[:, 1]).clamp(0, self.n - 1)  # source row
        out = self._bilinear(x, xs, ys) if self.interpolation == "bilinear" else self._gaussian(x, xs, ys)
        return out.squeeze(1) if squeeze else out

    def _bilinear(self, x: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        b, ch, n, _ = x.shape
        x0, y0 = xs.floor(), ys.floor()
        wx, wy = (xs - x0).unsqueeze(1), (ys - y0).unsqueeze(1)
        x0, y0 = x0.long(), y0.long()
        x1, y1 = (x0 + 1).clamp(max=n - 1), (y0 + 1).clamp(max=n - 1)
        flat = x.reshape(b, ch, n * n)

        def at(yi: torch.Tensor, xi: torch.Tensor) -> torch.Tensor:
            index = (yi * n + xi).reshape(b, 1, n * n).expand(b, ch, n * n)
            return flat.gather(2, index).reshape(b, ch, n, n)

        top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx
        bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx
        return top * (1 - wy) + bottom * wy

    def _gaussian(self, x: torch.Tensor, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        """Normalised Gaussian kernel over every source pixel; separable: weights exp(-(xs-q)^2/2s^2) exp(-(ys-p)^2/2s^2)."""
        p = torch.arange(self.n, device=x.device, dtype=x.dtype)
        chunks = []
        for start in range(0, x.shape[0], _GAUSSIAN_CHUNK):
            sl = slice(start, start + _GAUSSIAN_CHUNK)
            wx = torch.softmax(-(xs[sl, :, :, None] - p).pow(2) / (2 * GAUSSIAN_SIGMA**2), dim=-1)  # [b, y, x, q]
            wy = torch.softmax(-(ys[sl, :, :, None] - p).pow(2) / (2 * GAUSSIAN_SIGMA**2), dim=-1)  # [b, y, x, p]
            rows = torch.einsum("byxq,bcpq->bcyxp", wx, x[sl])
            chunks.append((rows * wy.unsqueeze(1)).sum(-1))
        return torch.cat(chunks)

    def reference(self, images: torch.Tensor) -> torch.Tensor:
        """The clean images under the chosen interpolation: `images` itself (bilinear), or the identity map
        interpolated with the Gaussian kernel (a slight blur), the x that deformed images are compared with."""
        x, _ = self._images(images)
        if self.interpolation == "bilinear":
            return images
        return self.warp(images, torch.zeros(2, self.n, self.n, device=x.device, dtype=x.dtype))

    def __call__(self, images: torch.Tensor, seed: int) -> torch.Tensor:
        """Deform each image of a batch [B, C, n, n] (or [B, n, n]) by its own field of :meth:`displacement`
        ``(seed, B)``; on the images' device and dtype."""
        x, _ = self._images(images)
        return self.warp(images, self.displacement(seed, x.shape[0], device=x.device, dtype=x.dtype))
