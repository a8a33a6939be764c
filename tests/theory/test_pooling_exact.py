"""The idealised pooling net's exact finite-N D_k and G_k (theory.pooling.ideal_pooling_exact, [exact]): by hand at
tiny N, against the closed forms of docs/science.md, by brute-force Monte Carlo in numpy, and errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

from scalingcheck.theory.pooling import ideal_pooling_exact


def net_numpy(x, F, stride, L):
    """The idealised net written again, plainly: relu((s/F) * window sums of the zero-padded layer)."""
    pad, out = (F - 1) // 2, []
    h = x
    for _ in range(L):
        hp = np.pad(h, [(0, 0)] * (h.ndim - 1) + [(pad, pad)])
        n_out = (h.shape[-1] + 2 * pad - F) // stride + 1
        h = np.maximum(0, (stride / F) * np.stack([hp[..., stride * i: stride * i + F].sum(-1) for i in range(n_out)], -1))
        out.append(h)
    return out


def test_d_by_hand_f2_n8():
    # stride 2, N = 8: layer 1 pairs pixels (0,1), (2,3), ...; a shift changes the pair of 4 probes of 8 (1, 3, 5, 7):
    # numD_1 = 2 * 4/8 = 1; deno_1 = 2 - 2 * 4 * (2/8)^2 = 1.5; layer 2: 2 of 8 change, numD = 0.5, deno = 2 - 2*2*(1/2)^2 = 1
    ex = ideal_pooling_exact(8, 2, 2, 2)
    assert ex["num_D"] == pytest.approx([1.0, 0.5]) and ex["deno"] == pytest.approx([1.5, 1.0])
    assert ex["D"] == pytest.approx([2 / 3, 0.5])


@pytest.mark.parametrize("N", [32, 1024])
def test_d_equals_the_closed_form_for_stride_f(N):
    # docs/science.md: D_k = F^-k / (1 - F^k / N) for stride = F = 2 (no padding: (F - 1) // 2 = 0)
    F, L = 2, 4
    ex = ideal_pooling_exact(N, F, F, L)
    for k in range(1, L + 1):
        assert ex["D"][k - 1] == pytest.approx(F ** (-k) / (1 - F**k / N), rel=1e-12)


@pytest.mark.parametrize("N,F,stride,L", [(27, 3, 3, 2), (20, 2, 1, 5), (15, 3, 1, 4), (16, 4, 2, 2)])
def test_d_against_the_net_written_in_numpy(N, F, stride, L):
    x = np.eye(N)
    moved = np.roll(x, 1, axis=1)
    ex = ideal_pooling_exact(N, F, stride, L)
    for k, (f, g) in enumerate(zip(net_numpy(x, F, stride, L), net_numpy(moved, F, stride, L))):
        num = np.mean(np.sum((g - f) ** 2, axis=1))
        deno = np.mean([np.sum((f[i] - f[j]) ** 2) for i in range(N) for j in range(N)])
        assert ex["num_D"][k] == pytest.approx(num, abs=1e-12) and ex["deno"][k] == pytest.approx(deno, abs=1e-12)


@pytest.mark.parametrize("N,F,L", [(32, 2, 3), (27, 3, 2)])
def test_g_against_brute_force_monte_carlo_on_the_sphere(N, F, L):
    rng = np.random.default_rng(0)
    draws = 4000
    x = np.eye(N)
    clean = net_numpy(x, F, F, L)
    sums = np.zeros((draws, L))
    for d in range(draws):
        eta = rng.standard_normal((N, N))
        eta *= math.sqrt(2) / np.linalg.norm(eta, axis=1, keepdims=True)  # |eta| = |shift - probe| per probe
        noisy = net_numpy(x + eta, F, F, L)
        sums[d] = [np.mean(np.sum((g - f) ** 2, axis=1)) for f, g in zip(clean, noisy)]
    mean, se = sums.mean(0), sums.std(0, ddof=1) / math.sqrt(draws)
    ex = ideal_pooling_exact(N, F, F, L)
    # the sphere vs the Gaussian in the probe's unit: O(1/N) of a 1/n_k share; plus 4 standard errors
    np.testing.assert_array_less(np.abs(np.array(ex["num_G"]) - mean), 4 * se + 2e-3 * mean)


def test_stride_one_has_no_exact_g_and_bad_input_is_refused():
    assert ideal_pooling_exact(16, 2, 1, 3)["G"] is None
    with pytest.raises(ValueError, match="stride=3 must be <= F=2"):
        ideal_pooling_exact(16, 2, 3, 2)
    with pytest.raises(ValueError, match="does not fit"):
        ideal_pooling_exact(8, 2, 2, 4)
