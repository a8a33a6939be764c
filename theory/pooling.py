"""How deep CNNs lose spatial information: pooling and sensitivities (docs/science.md section 4).

Source: Tomasini, Petrini, Cagnetta, Wyart, "How deep convolutional neural
networks lose spatial information with training", Mach. Learn.: Sci. Technol.
2023, arXiv:2210.01506.

D_k and G_k are the sensitivities of layer k to diffeomorphisms and to noise of
matched energy (normalised by the distance between independent inputs). The
paper states that they scale with depth in a stride-dependent way; the
exponents below are [derived] from the mechanism (trained nets learn
average-pooling filters; ReLU rectifies the noise, whose mean piles up). They
should be checked first on idealised average-pooling ReLU nets, then on
trained nets.

Besides the asymptotic rates, :func:`ideal_pooling_exact` computes the idealised net's D_k and G_k at
finite N exactly [exact] (numpy, no torch): with bias 0 and one-pixel probes every ReLU acts on
non-negative inputs, so the net is linear on the probes and D_k follows from propagating them;
for stride = F the receptive fields do not overlap, so the noise reaching different units is
independent and E|f_k(x + eta) - f_k(x)|^2 is a sum of one-unit expectations in closed form.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from .prediction import Prediction, Provenance, Relation

PAPER = "2210.01506"
SECTION = "4. Pooling"

F = sp.Symbol("F", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)

_STRIDED = (
    "average-pooling filters of size F with stride F (idealised net, or trained net that learned them)",
    "scale-detection task: two active pixels, diffeo = shift by +-1 within the block",
)
_STRIDE1 = (
    "average-pooling filters with stride 1 (idealised net, or trained net that learned them)",
    "slow approach: fit at large k",
)

pooling_diffeo_strided = Prediction(
    name="pooling_diffeo_strided",
    quantity="relative sensitivity D_k to diffeomorphisms of layer k, stride = filter size F",
    expr=F ** (-k),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDED,
    section=SECTION,
    symbol="D_k",
    symbol_latex="D_k",
)

pooling_noise_strided = Prediction(
    name="pooling_noise_strided",
    quantity="relative sensitivity G_k to matched-energy noise of layer k, stride = filter size F",
    expr=F**k,
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDED,
    section=SECTION,
    symbol="G_k",
    symbol_latex="G_k",
)

pooling_diffeo_stride1 = Prediction(
    name="pooling_diffeo_stride1",
    quantity="relative sensitivity D_k to diffeomorphisms of layer k, stride 1",
    expr=1 / k,
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDE1,
    section=SECTION,
    symbol="D_k",
    symbol_latex="D_k",
)

pooling_noise_stride1 = Prediction(
    name="pooling_noise_stride1",
    quantity="relative sensitivity G_k to matched-energy noise of layer k, stride 1",
    expr=sp.sqrt(k),
    citation=PAPER,
    provenance=Provenance.DERIVED,
    relation=Relation.SCALES,
    validity=_STRIDE1,
    section=SECTION,
    symbol="G_k",
    symbol_latex="G_k",
)

PREDICTIONS = (pooling_diffeo_strided, pooling_noise_strided, pooling_diffeo_stride1, pooling_noise_stride1)


def _layer_lengths(N: int, F: int, stride: int, L: int) -> list[int]:
    pad, out = (F - 1) // 2, [N]
    for _ in range(L):
        out.append((out[-1] + 2 * pad - F) // stride + 1)
    return out


def ideal_pooling_exact(N: int, F: int, stride: int, L: int) -> dict[str, list[float]]:
    """D_k and G_k (k = 1..L) of the idealised pooling net (bias 0) on its N one-pixel probes, exact at finite N.

    The net: h_k[i] = relu((s/F) sum_{j<F} hpad_{k-1}[s i + j]), zero padding (F-1)//2 each side; the
    diffeomorphism shifts a probe by one pixel (periodically); the noise eta is uniform on the sphere of
    radius |shifted - probe| = sqrt(2) (matched per probe). Returns ``{"D", "num_D", "deno"}`` and, for
    stride = F, ``{"G", "num_G"}`` (None otherwise: overlapping fields correlate the units).

    * D_k: the probes propagate linearly (non-negative inputs: every ReLU is the identity); numD_k is
      the mean over probes of |f_k(shifted) - f_k(probe)|^2, deno_k the mean over ordered pairs of
      probes of |f_k(e_i) - f_k(e_j)|^2. Exact up to float64 rounding.
    * G_k (stride = F): each unit sums the layer-1 units below it, X_i = relu(Z_i), Z_i ~ N(0, a_i sigma^2)
      (a_i its real input pixels), independent; E X = sqrt(a sigma^2 / (2 pi)), E X^2 = a sigma^2 / 2; the
      unit above the probe holds relu(1 + Z_h) instead of X_h. With sigma^2 = 2 / N, a Gaussian eta gives
      the same E|f_k(eta)|^2 as the sphere for every unit without the probe (f_k is homogeneous of degree
      1 there); the one unit with the probe differs by O(1/N) relative (a share 1/n_k of num_G).
    """
    for name, v in (("N", N), ("F", F), ("stride", stride), ("L", L)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name}={v!r} must be an integer >= 1")
    if stride > F:
        raise ValueError(f"stride={stride} must be <= F={F}")
    lengths = _layer_lengths(N, F, stride, L)
    if min(lengths[:-1]) < F or lengths[-1] < 1:
        raise ValueError(f"F={F} does not fit the layers (lengths {lengths}): reduce L or F, or increase N")
    pad = (F - 1) // 2
    num_d, deno = [], []
    if stride == F:
        # unit index of every probe at every layer (-1: fell off the end), the probes stay one-hot of value 1
        unit = np.arange(N)
        units = []
        for k in range(1, L + 1):
            nxt = np.where(unit >= 0, (unit + pad) // F, -1)
            unit = np.where((nxt >= 0) & (nxt < lengths[k]), nxt, -1)
            units.append(unit)
            moved = np.roll(unit, -1)  # probe p shifted by one pixel is probe p + 1
            both = (unit >= 0) & (moved >= 0)
            diff = np.where(both, 2.0 * (unit != moved), (unit >= 0).astype(float) + (moved >= 0))
            num_d.append(float(diff.mean()))
            counts = np.bincount(unit[unit >= 0], minlength=lengths[k]) / N
            deno.append(float(2 * (unit >= 0).mean() - 2 * np.sum(counts**2)))
    else:
        h = np.eye(N)
        for k in range(1, L + 1):
            hp = np.pad(h, ((0, 0), (pad, pad)))
            n_out = lengths[k]
            h = (stride / F) * sum(hp[:, j: j + stride * (n_out - 1) + 1: stride] for j in range(F))
            diff = np.roll(h, -1, axis=0) - h
            num_d.append(float(np.mean(np.sum(diff**2, axis=1))))
            deno.append(float(2 * np.mean(np.sum(h**2, axis=1)) - 2 * np.sum(h.mean(axis=0) ** 2)))
    out: dict[str, list[float] | None] = {
        "num_D": num_d, "deno": deno, "D": [a / b if b > 0 else math.nan for a, b in zip(num_d, deno)],
        "num_G": None, "G": None}
    if stride != F:
        return out
    # layer-1 units: real input pixels a_i, first/second moments of relu(N(0, a sigma^2))
    var = 2.0 / N
    n1 = lengths[1]
    starts = np.arange(n1) * F - pad
    a = np.minimum(starts + F, N) - np.maximum(starts, 0)
    m = np.sqrt(a * var / (2 * math.pi))
    q = a * var / 2
    sd = np.sqrt(a * var)
    phi = np.exp(-0.5 / (a * var)) / math.sqrt(2 * math.pi)
    cdf = np.array([0.5 * math.erfc(-1 / (s_ * math.sqrt(2))) for s_ in sd])
    r1 = cdf + sd * phi  # E relu(1 + Z)
    r2 = (1 + sd**2) * cdf + sd * phi  # E relu(1 + Z)^2
    hot_own = r2 - 2 * r1 + 1  # E (relu(1 + Z) - 1)^2
    probe_h = units[0]  # layer-1 unit of each probe
    anc = np.arange(n1)  # layer-k ancestor of every layer-1 unit
    num_g = []
    for k in range(1, L + 1):
        if k > 1:
            nxt = np.where(anc >= 0, (anc + pad) // F, -1)
            anc = np.where((nxt >= 0) & (nxt < lengths[k]), nxt, -1)
        ok = anc >= 0
        sm = np.bincount(anc[ok], weights=m[ok], minlength=lengths[k])
        sq = np.bincount(anc[ok], weights=q[ok], minlength=lengths[k])
        sm2 = np.bincount(anc[ok], weights=m[ok] ** 2, minlength=lengths[k])
        noise_unit = sq + sm**2 - sm2
        total = noise_unit.sum()
        per_probe = np.full(N, total)
        has = probe_h >= 0
        h_ = probe_h[has]
        u = anc[h_]
        hot = u >= 0
        hh, uu = h_[hot], u[hot]
        M = sm[uu] - m[hh]
        Q = sq[uu] - q[hh]
        M2 = sm2[uu] - m[hh] ** 2
        hot_term = hot_own[hh] + 2 * (r1[hh] - 1) * M + Q + M**2 - M2
        idx = np.flatnonzero(has)[hot]
        per_probe[idx] = total - noise_unit[uu] + hot_term
        num_g.append(float(per_probe.mean()))
    out["num_G"] = num_g
    out["G"] = [a_ / b if b > 0 else math.nan for a_, b in zip(num_g, deno)]
    return out
