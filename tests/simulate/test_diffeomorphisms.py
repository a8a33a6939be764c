"""Max-entropy diffeomorphisms: the sine series against plain numpy, the warp against scipy, the Jacobian against
finite differences, the bounds against the theory layer, and the errors."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.ndimage import map_coordinates

from scalingcheck.simulate.observables.diffeomorphisms import (
    GAUSSIAN_SIGMA,
    MaxEntropyDiffeo,
    rms_displacement,
    temperature_for_displacement,
    typical_displacement,
)
from scalingcheck.theory.registry import get

torch.set_num_threads(1)


def raw_fields_numpy(n, T, c, seed, batch, points_u, points_v):
    """Independent evaluation: the same normal draws, the paper's modes and the sine series summed term by term."""
    k = int(math.floor(c))
    z = torch.randn((batch, 2, k, k), generator=torch.Generator().manual_seed(seed), dtype=torch.float64).numpy()
    out = np.zeros((batch, 2, len(points_v), len(points_u)))
    for b in range(batch):
        for comp in range(2):
            for a, v in enumerate(points_v):
                for e, u in enumerate(points_u):
                    total = 0.0
                    for i in range(1, k + 1):
                        for j in range(1, k + 1):
                            if i * i + j * j <= c * c:
                                total += z[b, comp, i - 1, j - 1] / math.sqrt(i * i + j * j) * math.sin(i * math.pi * u) \
                                    * math.sin(j * math.pi * v)
                    out[b, comp, a, e] = n * math.sqrt(T) * total
    return out


def test_modes_follow_the_papers_cutoff():
    # i^2 + j^2 <= c^2, counted by hand: c = 3 -> (1,1), (1,2), (2,1), (2,2); c = 5 -> 4 + 4 + 4 + 3 = 15
    assert int((MaxEntropyDiffeo(16, 1e-4, 3).mode_weights() > 0).sum()) == 4
    assert int((MaxEntropyDiffeo(16, 1e-4, 5).mode_weights() > 0).sum()) == 15
    w = MaxEntropyDiffeo(16, 1e-4, 3).mode_weights()
    assert float(w[0, 1]) == pytest.approx(1 / math.sqrt(5))


@pytest.mark.parametrize("c", [3, 5.5])
def test_displacement_equals_the_sine_series_in_numpy(c):
    n, T, seed = 12, 1e-3, 7
    d = MaxEntropyDiffeo(n, T, c)
    fields = d.displacement(seed, 3, device="cpu")
    xs, ys = [0, 3, 7, 11], [0, 5, 10, 11]
    ref = raw_fields_numpy(n, T, c, seed, 3, [x / (n - 1) for x in xs], [y / (n - 1) for y in ys])
    got = fields[:, :, ys][:, :, :, xs].numpy()
    np.testing.assert_allclose(got, ref, atol=1e-12, rtol=1e-12)
    uv = [0.13, 0.5, 0.91]
    np.testing.assert_allclose(d.displacement_at(seed, 3, uv, uv).numpy(), raw_fields_numpy(n, T, c, seed, 3, uv, uv),
                               atol=1e-12, rtol=1e-12)


def test_the_field_vanishes_on_the_border_and_seeds_are_reproducible():
    d = MaxEntropyDiffeo(16, 5e-3, 4)
    f = d.displacement(3, 5, device="cpu")
    for edge in (f[..., 0, :], f[..., -1, :], f[..., :, 0], f[..., :, -1]):
        assert bool((edge == 0).all())
    assert float(f.abs().max()) > 0.1
    assert torch.equal(f, d.displacement(3, 5, device="cpu"))
    assert torch.equal(f[:2], d.displacement(3, 2, device="cpu"))  # field b does not depend on the batch size
    assert not torch.equal(f, d.displacement(4, 5, device="cpu"))


def numpy_warp(img, field):
    """out[y, x] = img[y - dy, x - dx], clamped, bilinear: scipy's map_coordinates (order 1, edge values)."""
    n = img.shape[-1]
    yy, xx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    ys = np.clip(yy - field[1], 0, n - 1)
    xs = np.clip(xx - field[0], 0, n - 1)
    return np.stack([map_coordinates(ch, [ys, xs], order=1, mode="nearest") for ch in img])


def test_batched_warp_equals_a_loop_and_scipy():
    n = 10
    d = MaxEntropyDiffeo(n, 0.8 * MaxEntropyDiffeo(n, 1e-6, 3).t_max, 3)
    images = torch.randn(5, 2, n, n, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    moved = d(images, 11)
    fields = d.displacement(11, 5, device="cpu")
    for b in range(5):
        assert torch.equal(moved[b:b + 1], d.warp(images[b:b + 1], fields[b:b + 1]))
        np.testing.assert_allclose(moved[b].numpy(), numpy_warp(images[b].numpy(), fields[b].numpy()), atol=1e-12)
    # a displacement pointing outside the image reads the clamped border
    big = torch.zeros(1, 2, n, n, dtype=torch.float64)
    big[0, 0] = 100.0  # dx = 100: every pixel reads column 0
    assert torch.equal(d.warp(images[:1], big), images[:1, :, :, :1].expand(1, 2, n, n))


def test_small_temperature_gives_the_identity_and_3d_batches_keep_their_shape():
    images = torch.randn(4, 16, 16, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    for T in (1e-12, 1e-20):  # displacements ~ n sqrt(T): the change shrinks with them
        out = MaxEntropyDiffeo(16, T, 3)(images, 0)
        assert out.shape == images.shape and out.dtype == images.dtype
        torch.testing.assert_close(out, images, atol=1e3 * 16 * math.sqrt(T), rtol=0)
    assert torch.equal(MaxEntropyDiffeo(16, 1e-3, 3).warp(images, torch.zeros(2, 16, 16)), images)  # zero field: exact


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_device_and_dtype_are_kept(dtype):
    d = MaxEntropyDiffeo(16, 1e-3, 3)
    images = torch.randn(3, 1, 16, 16, dtype=dtype)
    for interp in ("bilinear", "gaussian"):
        out = MaxEntropyDiffeo(16, 1e-3, 3, interpolation=interp)(images, 0)
        assert out.dtype == dtype and out.device == images.device and out.shape == images.shape
    assert d.displacement(0, 2, device="cpu", dtype=torch.float32).dtype == torch.float32


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    d = MaxEntropyDiffeo(16, 1e-3, 3)
    images = torch.randn(3, 1, 16, 16, dtype=torch.float64)
    out = d(images.cuda(), 5)
    assert out.is_cuda
    torch.testing.assert_close(out.cpu(), d(images, 5), atol=1e-12, rtol=0)


def test_gaussian_interpolation_against_the_brute_force_kernel():
    n = 8
    d = MaxEntropyDiffeo(n, 2e-3, 3, interpolation="gaussian")
    images = torch.randn(2, 1, n, n, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    fields = d.displacement(1, 2, device="cpu").numpy()
    out = d(images, 1).numpy()
    ref_clean = d.reference(images).numpy()
    yy, xx = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    for b in range(2):
        for field, got in ((fields[b], out[b, 0]), (np.zeros((2, n, n)), ref_clean[b, 0])):
            ys = np.clip(yy - field[1], 0, n - 1)
            xs = np.clip(xx - field[0], 0, n - 1)
            want = np.zeros((n, n))
            for y in range(n):
                for x in range(n):
                    w = np.exp(-((ys[y, x] - yy) ** 2 + (xs[y, x] - xx) ** 2) / (2 * GAUSSIAN_SIGMA**2))
                    want[y, x] = (w * images[b, 0].numpy()).sum() / w.sum()
            np.testing.assert_allclose(got, want, atol=1e-12)
    assert not np.allclose(ref_clean, images.numpy())  # the Gaussian blurs the clean image too
    assert torch.equal(MaxEntropyDiffeo(n, 2e-3, 3).reference(images), images)


def test_jacobian_determinant_against_finite_differences():
    n, c, seed = 16, 4, 3
    d = MaxEntropyDiffeo(n, 0.7 * MaxEntropyDiffeo(n, 1e-6, c).t_max, c)
    points = 9
    g = np.linspace(0, 1, points)
    det = d.jacobian_determinant(seed, 2, points).numpy()
    h = 1e-5
    def field(du, dv):
        return d.displacement_at(seed, 2, g + du, g + dv).numpy()
    scale = 1 / (2 * h * (n - 1))  # pixel coordinate X = (n - 1) u
    ddu = (field(h, 0) - field(-h, 0)) * scale  # [b, comp, v, u]
    ddv = (field(0, h) - field(0, -h)) * scale
    want = (1 - ddu[:, 0]) * (1 - ddv[:, 1]) - ddv[:, 0] * ddu[:, 1]
    np.testing.assert_allclose(det, want, atol=1e-8)
    assert d.min_jacobian_determinant(seed, 2, points).numpy() == pytest.approx(want.reshape(2, -1).min(1), abs=1e-8)


def test_small_fields_are_invertible_and_large_ones_fold():
    d = MaxEntropyDiffeo(32, 1e-5, 3)
    assert bool((d.min_jacobian_determinant(0, 16) > 0).all())
    wild = MaxEntropyDiffeo(32, 50 * d.t_max, 3, allow_non_diffeo=True)
    assert bool((wild.min_jacobian_determinant(0, 16) < 0).any())


def test_bounds_agree_with_the_theory_layer():
    for n, c in ((16, 3), (32, 5), (32, 15)):
        d = MaxEntropyDiffeo(n, 1e-5, c)
        assert d.t_max == pytest.approx(get("diffeo_t_max").evaluate(c=c), rel=1e-12)
        assert d.t_min == pytest.approx(get("diffeo_t_min").evaluate(n=n, c=c), rel=1e-12)
        assert d.delta == pytest.approx(get("diffeo_delta").evaluate(n=n, T=1e-5, c=c), rel=1e-12)
        T = temperature_for_displacement(0.75, n, c)
        assert typical_displacement(n, T, c) == pytest.approx(0.75, rel=1e-12)


def test_rms_displacement_by_hand():
    fields = torch.zeros(2, 2, 1, 2, dtype=torch.float64)
    fields[0, 0, 0, 0], fields[0, 1, 0, 0], fields[1, 1, 0, 1] = 3.0, 4.0, 1.0  # |d|^2 = 25, 0, 0, 1
    assert rms_displacement(fields) == pytest.approx(math.sqrt(26 / 4))
    with pytest.raises(ValueError, match=r"fields must be a floating tensor \[batch, 2"):
        rms_displacement(torch.zeros(2, 3, 4))


def test_bad_parameters_and_images_raise_clear_errors():
    with pytest.raises(ValueError, match="exceeds T_max"):
        MaxEntropyDiffeo(8, temperature_for_displacement(1.0, 8, 3), 3)  # one pixel at 8x8, c=3: above the bound
    MaxEntropyDiffeo(8, temperature_for_displacement(1.0, 8, 3), 3, allow_non_diffeo=True)
    MaxEntropyDiffeo(16, temperature_for_displacement(1.0, 16, 3), 3)  # upsampled: below the bound
    with pytest.raises(ValueError, match="T=0 must be a finite number > 0"):
        MaxEntropyDiffeo(16, 0, 3)
    with pytest.raises(ValueError, match="c=1 must be a finite number > 1"):
        MaxEntropyDiffeo(16, 1e-3, 1)
    with pytest.raises(ValueError, match="keeps no mode"):
        MaxEntropyDiffeo(16, 1e-3, 1.3)
    with pytest.raises(ValueError, match="n=1 must be an integer >= 2"):
        MaxEntropyDiffeo(1, 1e-3, 3)
    with pytest.raises(ValueError, match="interpolation='cubic'; allowed: bilinear, gaussian"):
        MaxEntropyDiffeo(16, 1e-3, 3, interpolation="cubic")
    d = MaxEntropyDiffeo(16, 1e-3, 3)
    with pytest.raises(ValueError, match=r"images must have shape \[batch, C, 16, 16\]"):
        d(torch.zeros(2, 1, 16, 12), 0)
    with pytest.raises(ValueError, match=r"images must have shape"):
        d(torch.zeros(16, 16), 0)
    with pytest.raises(ValueError, match="floating torch tensor"):
        d(torch.zeros(2, 16, 16, dtype=torch.int64), 0)
    with pytest.raises(ValueError, match="floating torch tensor"):
        d(np.zeros((2, 16, 16)), 0)
    with pytest.raises(ValueError, match="seed=-1 must be a non-negative integer"):
        d(torch.zeros(2, 16, 16), -1)
    with pytest.raises(ValueError, match=r"fields must have shape \[2, 2, 16, 16\]"):
        d.warp(torch.zeros(2, 16, 16), torch.zeros(3, 2, 16, 16))


# -- the cut-off switch ------------------------------------------------------------------------------------------

def _enumerated(c, cutoff):
    keep = (lambda i, j: i * i + j * j <= c * c) if cutoff == "paper" else (lambda i, j: math.sqrt(i * i + j * j) < c + 0.5)
    return {(i, j) for i in range(1, 40) for j in range(1, 40) if keep(i, j)}


@pytest.mark.parametrize("cutoff,counts", [("paper", (4, 15, 162)), ("authors", (6, 19, 172))])
def test_cutoffs_keep_4_15_162_and_6_19_172_modes(cutoff, counts):
    for c, count in zip((3, 5, 15), counts):
        d = MaxEntropyDiffeo(32, 1e-5, c, cutoff=cutoff)
        w = d.mode_weights()
        kept = {(i + 1, j + 1) for i, j in zip(*np.nonzero(w.numpy()))}
        assert kept == _enumerated(c, cutoff) and len(kept) == count
        assert set(d.modes()) == kept
        for i, j in kept:
            assert float(w[i - 1, j - 1]) == pytest.approx(1 / math.sqrt(i * i + j * j), rel=1e-15)


def test_paper_cutoff_is_the_default_and_leaves_keys_and_draws_unchanged():
    from scalingcheck.simulate.experiments.stability import DiffeoDisplacementSpec, DiffeoInvertibilitySpec
    from scalingcheck.simulate.runs.spec import to_dict

    d = MaxEntropyDiffeo(16, 1e-3, 3)
    assert d.cutoff == "paper" and d.max_mode == 3
    # the fields before the switch: the same draws, the sine series of the paper's modes
    ref = raw_fields_numpy(16, 1e-3, 3, 5, 2, [0.2, 0.7], [0.4, 0.5])
    np.testing.assert_allclose(d.displacement_at(5, 2, [0.2, 0.7], [0.4, 0.5]).numpy(), ref, atol=1e-13)
    for spec in (DiffeoDisplacementSpec(n=16, c=3, T=1e-3), DiffeoInvertibilitySpec(n=16, c=3, T=1e-3)):
        assert "cutoff" not in to_dict(spec)  # run keys of the default are those of before the switch
        authors = type(spec)(n=16, c=3, T=1e-3, cutoff="authors")
        assert to_dict(authors)["cutoff"] == "authors" and authors.key(0) != spec.key(0)
        assert authors.diffeo().cutoff == "authors"


def test_authors_cutoff_adds_modes_1_3_and_3_1_at_c_3():
    d = MaxEntropyDiffeo(16, 1e-3, 3, cutoff="authors")
    assert d.max_mode == 3 and {(1, 3), (3, 1)} <= set(d.modes())
    assert MaxEntropyDiffeo(16, 1e-3, 3.7, cutoff="authors").max_mode == 4  # sqrt(4^2 + 1) = 4.12 < 4.2
    assert MaxEntropyDiffeo(16, 1e-3, 3.6, cutoff="authors").max_mode == 3  # 4.12 > 4.1
    assert MaxEntropyDiffeo(16, 1e-3, 1.2, cutoff="authors").modes() == ((1, 1),)  # c < sqrt(2) keeps (1, 1)


def test_bad_cutoff_names_the_allowed_values():
    with pytest.raises(ValueError, match="cutoff='wide'; allowed: paper, authors"):
        MaxEntropyDiffeo(16, 1e-3, 3, cutoff="wide")
    with pytest.raises(ValueError, match="keeps no mode"):
        MaxEntropyDiffeo(16, 1e-3, 1.2)
