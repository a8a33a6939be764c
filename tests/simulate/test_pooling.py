"""Pooling study (arXiv:2210.01506): the idealised net against hand calculations, the 1D CNN against brute force,
and the run specs."""
import dataclasses
import math
from fractions import Fraction

import pytest
import torch

from scalingcheck.simulate.data.scale_detection import ScaleDetection1D
from scalingcheck.simulate.experiments.pooling import IdealPoolingSpec, TrainedPoolingSpec, default_pooling_train_config
from scalingcheck.simulate.learners.training import TrainConfig, evaluate, train_one
from scalingcheck.simulate.networks.cnn1d import ConvNet1D
from scalingcheck.simulate.networks.pooling import IdealPoolingNet, probes, shift
from scalingcheck.simulate.observables.perturbations import matched_noise
from scalingcheck.simulate.observables.sensitivity import sensitivity
from scalingcheck.simulate.runs.spec import run, run_batch

torch.set_num_threads(1)


# --------------------------------------------------------------------------- idealised net


def ideal_brute(x, N, F, s, L, b=0.0):
    """Reference forward of the idealised net with explicit loops over positions (python floats)."""
    pad = (F - 1) // 2
    layers = []
    h = [list(map(float, row)) for row in x[:, 0].tolist()]
    for _ in range(L):
        new = []
        for row in h:
            padded = [0.0] * pad + row + [0.0] * pad
            n_out = (len(padded) - F) // s + 1
            new.append([max(0.0, b + s / F * sum(padded[s * i + j] for j in range(F))) for i in range(n_out)])
        h = new
        layers.append(h)
    return layers


def sens_brute(f, g):
    """(numerator, denominator) of the sensitivity by loops: mean_i |g_i - f_i|^2, mean_{i,j} |f_i - f_j|^2."""
    n = len(f)
    sq = lambda a, b: sum((u - v) ** 2 for u, v in zip(a, b))  # noqa: E731
    return sum(sq(a, b) for a, b in zip(f, g)) / n, sum(sq(a, b) for a in f for b in f) / n**2


def test_ideal_stride2_by_hand():
    """F = s = 2, N = 16. Layer k maps the probe e_p to e_{p // 2^k} (value 1: (s/F) = 1, relu of a sum).

    Shifting e_p to e_{p+1} (periodically) changes the layer-k vector iff p + 1 crosses a block of 2^k,
    for 16 / 2^k of the 16 probes, each time |e_a - e_b|^2 = 2: numD_k = 2 * 2^-k, so numD_1 = 1,
    numD_2 = 1/2. Two probes differ at layer k unless they share a block: 16 * 2^k of the 256 ordered
    pairs share one, so deno_k = 2 (1 - 2^k / 16): deno_1 = 7/4, deno_2 = 3/2, D_1 = 4/7, D_2 = 1/3.
    """
    record = run(IdealPoolingSpec(IdealPoolingNet(16, 2, 2, 3)), 0)
    assert len(record["D"]) == 3 and "k" not in record, "lists over the layers k = 1..L; a record holds measurements"
    want = {"num_D": [1, Fraction(1, 2)], "deno": [Fraction(7, 4), Fraction(3, 2)],
            "D": [Fraction(4, 7), Fraction(1, 3)]}
    for key, values in want.items():
        for k, v in enumerate(values):
            assert record[key][k] == pytest.approx(float(v), rel=1e-13, abs=1e-15), (key, k)
    assert record["D"][2] == pytest.approx(0.125 / (1 - 8 / 16))  # the same count at k = 3: 2^-3 / (1 - 2^3/16)


def test_ideal_stride1_by_hand():
    """Stride 1, N = 4, probes e_0..e_3 shifted periodically (e_3 -> e_0).

    F = 2 (no padding, lengths 3 then 2), layer 1 = (x_i + x_{i+1}) / 2:
      e0 -> (1/2, 0, 0), e1 -> (1/2, 1/2, 0), e2 -> (0, 1/2, 1/2), e3 -> (0, 0, 1/2);
      shifted differences 1/4, 1/2, 1/4, 1/2 -> numD_1 = 3/8; pair distances (i < j) 1/4, 3/4, 1/2, 1/2, 3/4, 1/4
      sum 3 -> deno_1 = 2 * 3 / 16 = 3/8, D_1 = 1.
    Layer 2: e0 -> (1/4, 0), e1 -> (1/2, 1/4), e2 -> (1/4, 1/2), e3 -> (0, 1/4): every shifted difference 1/8,
      numD_2 = 1/8; pairs 1/8, 1/4, 1/8, 1/8, 1/4, 1/8 sum 1 -> deno_2 = 1/8, D_2 = 1.
    F = 3 (padding 1, length 4), layer 1 = (x_{i-1} + x_i + x_{i+1}) / 3:
      e0 -> (1,1,0,0)/3, e1 -> (1,1,1,0)/3, e2 -> (0,1,1,1)/3, e3 -> (0,0,1,1)/3;
      shifted differences 1/9, 2/9, 1/9, 4/9 -> numD_1 = 2/9; pairs 1/9, 3/9, 4/9, 2/9, 3/9, 1/9 sum 14/9
      -> deno_1 = 7/36, D_1 = 8/7.
    """
    r2 = run(IdealPoolingSpec(IdealPoolingNet(4, 2, 1, 2)), 0)
    assert r2["num_D"] == pytest.approx([3 / 8, 1 / 8], rel=1e-13)
    assert r2["deno"] == pytest.approx([3 / 8, 1 / 8], rel=1e-13)
    assert r2["D"] == pytest.approx([1.0, 1.0], rel=1e-13)
    r3 = run(IdealPoolingSpec(IdealPoolingNet(4, 3, 1, 1)), 0)
    assert r3["num_D"][0] == pytest.approx(2 / 9, rel=1e-13)
    assert r3["deno"][0] == pytest.approx(7 / 36, rel=1e-13)
    assert r3["D"][0] == pytest.approx(8 / 7, rel=1e-13)


@pytest.mark.parametrize("N, F, s, L, b", [(16, 2, 2, 3, 0.0), (12, 3, 1, 3, 0.0), (27, 3, 3, 2, 0.0),
                                           (10, 4, 2, 2, 0.0), (9, 2, 1, 4, 0.3)])
def test_ideal_net_and_noise_sensitivity_equal_brute_force(N, F, s, L, b):
    """Forward by loops; numG_k and deno_k by loops on the same noisy probes (norm matched probe by probe)."""
    net = IdealPoolingNet(N, F, s, L, bias=b)
    x = probes(N, device="cpu")
    noisy = matched_noise(x, shift(x), 5)
    assert torch.allclose((noisy - x).flatten(1).norm(dim=1), torch.full((N,), math.sqrt(2.0), dtype=torch.float64))
    feats = net.features({}, x)
    feats_noisy = net.features({}, noisy)
    brute, brute_noisy = ideal_brute(x, N, F, s, L, b), ideal_brute(noisy, N, F, s, L, b)
    assert [f.shape[-1] for f in feats] == list(net.lengths[1:])
    record = run(IdealPoolingSpec(IdealPoolingNet(N, F, s, L, b)), 5)
    for k in range(L):
        assert torch.allclose(feats[k][:, 0], torch.tensor(brute[k], dtype=torch.float64), atol=1e-14)
        assert torch.allclose(feats_noisy[k][:, 0], torch.tensor(brute_noisy[k], dtype=torch.float64), atol=1e-13)
        num_g, deno = sens_brute(brute[k], brute_noisy[k])
        assert record["num_G"][k] == pytest.approx(num_g, rel=1e-10, abs=1e-14)
        assert record["deno"][k] == pytest.approx(deno, rel=1e-10, abs=1e-14)
    assert torch.equal(net.apply({}, x), feats[-1][:, 0])


def test_stride_F_layer_is_the_subsampled_stride_1_layer():
    """With b = 0 and the same padding, window i of stride F is window F i of stride 1, weighted F/F instead of 1/F."""
    x = probes(15, device="cpu") + 0.1 * torch.randn(15, 1, 15, generator=torch.Generator().manual_seed(0),
                                                     dtype=torch.float64)
    strided = IdealPoolingNet(15, 3, 3, 1).features({}, x)[0]
    dense = IdealPoolingNet(15, 3, 1, 1).features({}, x)[0]
    assert torch.allclose(strided, 3 * dense[..., ::3], atol=1e-14)


def test_ideal_net_checks():
    with pytest.raises(ValueError, match="F=3 larger than the input of layer 3"):
        IdealPoolingNet(9, 3, 3, 3)  # lengths 9, 3, 1
    with pytest.raises(ValueError, match="F=5 larger than the input of layer 1"):
        IdealPoolingNet(4, 5, 1, 1)
    with pytest.raises(ValueError, match="stride=3"):
        IdealPoolingNet(16, 2, 3, 1)
    net = IdealPoolingNet(8, 2, 2, 3)
    assert net.init(0) == {} and net.n_params() == 0 and net.lengths == (8, 4, 2, 1)
    with pytest.raises(ValueError, match="no parameters"):
        net.features({"w": torch.zeros(1)}, probes(8, device="cpu"))
    with pytest.raises(ValueError, match="F=3 larger than the input"):
        IdealPoolingSpec(IdealPoolingNet(9, 3, 3, 3))


def test_ideal_spec_record_is_seeded_only_through_the_noise():
    spec = IdealPoolingSpec(IdealPoolingNet(32, 2, 2, 4))
    a, b, c = run(spec, 1), run(spec, 1), run(spec, 2)
    keys = {"D", "G", "R", "num_D", "num_G", "deno"}
    assert keys <= set(a)
    assert all(len(a[key]) == 4 for key in keys)
    assert {k: a[k] for k in keys} == {k: b[k] for k in keys}
    assert a["D"] == c["D"] and a["deno"] == c["deno"] and a["G"] != c["G"]
    assert a["R"] == pytest.approx([d / g for d, g in zip(a["D"], a["G"])])


# --------------------------------------------------------------------------- trainable 1D CNN


def cnn_brute(params, x, F, s, L):
    """Reference forward of ConvNet1D with explicit loops (circular padding F//2 - 1 | F//2 for even F,
    (F-1)//2 | (F-1)//2 for odd F), one model, python floats."""
    left = (F - 1) // 2 if F % 2 else F // 2 - 1
    right = F - 1 - left
    outs = []
    for sample in x.tolist():
        h = sample  # [C][n]
        for k in range(1, L + 1):
            w, b = params[f"w{k}"].tolist(), params[f"b{k}"].tolist()
            c_in, n = len(h), len(h[0])
            pad = [row[n - left:] + row + row[:right] if left else row + row[:right] for row in h]
            n_out = (n + F - 1 - F) // s + 1
            h = [[math.sqrt(F) * max(0.0, sum(w[o][c][j] * pad[c][s * i + j] for c in range(c_in) for j in range(F))
                                     / math.sqrt(c_in * F) + b[o]) for i in range(n_out)] for o in range(len(w))]
        pooled = [sum(row) / len(row) for row in h]
        outs.append(float(params["b_out"][0]) + sum(p * q for p, q in zip(pooled, params["beta"].tolist())) / len(h))
    return outs


@pytest.mark.parametrize("F, s", [(2, 2), (3, 1), (2, 1), (4, 2), (3, 3)])
def test_cnn1d_equals_brute_force(F, s):
    net = ConvNet1D(d=10, F=F, stride=s, L=2, width=3)
    params = net.init(0, device="cpu", dtype=torch.float64)
    x = torch.randn(4, 1, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert net.apply(params, x).tolist() == pytest.approx(cnn_brute(params, x, F, s, 2), rel=1e-12)
    feats = net.features(params, x)
    assert [tuple(f.shape) for f in feats] == [(4, 3, n) for n in net.lengths[1:]]


def test_cnn1d_ensemble_forward_and_backward_equal_each_model_alone():
    """Bit for bit: model i of a stacked ensemble gives what it gives as an ensemble of one and alone."""
    net = ConvNet1D(d=32, F=2, stride=2, L=4, width=16)
    e = 5
    params = net.init_ensemble(range(e), device="cpu")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(e, 24, 1, 32, generator=g)
    y = torch.sign(torch.randn(e, 24, generator=g))

    def forward_backward(p, xs, ys):
        leaves = {k: v.clone().requires_grad_(True) for k, v in p.items()}
        out = net.apply(leaves, xs)
        return out.detach(), torch.autograd.grad(torch.relu(1 - ys * out).mean(-1).sum(), list(leaves.values()))

    out, grads = forward_backward(params, x, y)
    feats = net.features(params, x)
    for i in range(e):
        out_i, grads_i = forward_backward({k: v[i:i + 1] for k, v in params.items()}, x[i:i + 1], y[i:i + 1])
        assert torch.equal(out_i[0], out[i])
        assert all(torch.equal(a[0], b[i]) for a, b in zip(grads_i, grads))
        alone = {k: v[i] for k, v in params.items()}
        assert torch.allclose(net.apply(alone, x[i]), out[i], rtol=1e-5, atol=1e-6)
        assert all(torch.allclose(f_alone, f[i], rtol=1e-5, atol=1e-6)
                   for f_alone, f in zip(net.features(alone, x[i]), feats))


def test_cnn1d_checks():
    with pytest.raises(ValueError, match="F=2 larger than the input of block 6"):
        ConvNet1D(d=32, F=2, stride=2, L=6, width=4)  # lengths 32, 16, 8, 4, 2, 1
    ConvNet1D(d=32, F=2, stride=2, L=5, width=4)
    ConvNet1D(d=8, F=3, stride=1, L=20, width=4)  # stride 1 keeps the length
    with pytest.raises(ValueError, match="stride=3"):
        ConvNet1D(d=8, F=2, stride=3, L=1, width=4)
    with pytest.raises(ValueError, match="readout"):
        ConvNet1D(d=8, F=2, stride=2, L=1, width=4, readout="nope")


def test_short_training_reduces_the_hinge_loss():
    spec = TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(F=2, stride=2, L=3, width=16), p_train=32, n_test=16,
                              n_probe=8, device="cpu")
    net, task = spec.network(), spec.scale_detection()
    (x, y), _ = task.split(32, 16, 0, device="cpu")
    params = net.init(0, device="cpu")
    config = dataclasses.replace(spec.train_config(), max_steps=800)
    before = float(evaluate(net, params, x, y, "hinge")[0])
    trained, result = train_one(net, params, x, y, seed=0, config=config)
    assert result.train_loss < 0.2 * before
    assert float(evaluate(net, trained, x, y, "hinge")[0]) == pytest.approx(result.train_loss)


# --------------------------------------------------------------------------- trained spec


SMALL = TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(F=2, stride=2, L=3, width=8), p_train=32, n_test=16,
                           n_probe=12,
                           train=dataclasses.replace(default_pooling_train_config(), max_steps=100), device="cpu")
KEYS = {"D_init", "G_init", "R_init", "D", "G", "R", "test_error", "train_loss", "converged", "steps"}


def test_trained_spec_record_keys_and_reproducibility(one_thread):
    a, b = run(SMALL, 0), run(SMALL, 0)
    assert KEYS <= set(a)
    assert all(len(a[key]) == 3 for key in ("D_init", "G_init", "R_init", "D", "G", "R"))
    same = lambda r: {k: v for k, v in r.items() if k not in ("seconds",)}  # noqa: E731
    assert same(a) == same(b)
    assert a["D_init"] != run(SMALL, 1)["D_init"]
    # the measurement matches a direct call of sensitivity on the same probes at initialisation
    net, task = SMALL.network(), SMALL.scale_detection()
    (_, _), (xt, _) = task.split(SMALL.p_train, SMALL.n_test, 0, device="cpu")
    x, moved, _ = SMALL._probes(0, xt)
    assert torch.equal(task.label(moved), task.label(x))
    params = net.init(0, device="cpu")
    direct = sensitivity(net, params, x, moved, reference="pairs", channel_mean=True).ratio[:3]
    assert a["D_init"] == list(direct)


def test_trained_spec_batch_equals_lone_runs(one_thread):
    seeds = [0, 1, 2]
    batch = run_batch(SMALL, seeds)
    for seed, record in zip(seeds, batch):
        alone = run(SMALL, seed)
        assert {k: v for k, v in alone.items() if k not in ("seconds", "batch")} == \
               {k: v for k, v in record.items() if k not in ("seconds", "batch")}


def test_trained_spec_checks():
    with pytest.raises(ValueError, match="exceeds the 48 balanced pairs"):
        TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(L=3), p_train=40, n_test=16, n_probe=8)
    with pytest.raises(ValueError, match="hinge"):
        TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(L=3), p_train=16, n_test=16, n_probe=8, train=TrainConfig())
    with pytest.raises(ValueError, match="ridge"):
        TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(L=3), p_train=16, n_test=16, n_probe=8,
                           train=dataclasses.replace(default_pooling_train_config(), weight_decay=0.01))
    with pytest.raises(ValueError, match="n_probe=20"):
        TrainedPoolingSpec(ScaleDetection1D(16, 4), ConvNet1D(L=3), p_train=16, n_test=16, n_probe=20)
    with pytest.raises(ValueError, match="xi=6 must be a power of 2"):
        TrainedPoolingSpec(ScaleDetection1D(24, 6), ConvNet1D(L=3), p_train=16, n_test=16, n_probe=8)
    assert SMALL.train_config().weight_decay == pytest.approx(2 * 0.01 / (8 * 3))


@pytest.mark.slow
def test_default_spec_trains_to_zero_hinge_loss_and_batches_like_lone_runs(one_thread):
    """The defaults (d = 64, xi = 16, F = s = 2, L = 5, H = 32, P = 512) reach zero hinge loss; ~15 s per lone run."""
    spec = TrainedPoolingSpec(device="cpu")
    batch = run_batch(spec, [0, 1])
    for seed, record in zip([0, 1], batch):
        assert record["converged"] and record["train_loss"] < 1e-6 and record["train_error"] == 0.0
        alone = run(spec, seed)
        assert {k: v for k, v in alone.items() if k not in ("seconds", "batch")} == \
               {k: v for k, v in record.items() if k not in ("seconds", "batch")}


def test_trained_spec_refuses_a_network_invariant_to_shifts_that_change_the_label():
    """Circular padding + GAP: a stride-1 net gives the same output for x and x rolled by one pixel, but rolling
    (7, 8) to (8, 9) with xi = 8 turns a -1 pair into a +1 pair; such a spec cannot be trained to zero loss."""
    net = ConvNet1D(d=16, F=2, stride=1, L=2, width=4)
    params = net.init(0, device="cpu", dtype=torch.float64)
    task = ScaleDetection1D(16, 8)
    x = task.images(torch.tensor([[7, 8], [8, 9]]), device="cpu", dtype=torch.float64)
    assert task.label(x).tolist() == [-1.0, 1.0]
    out = net.apply(params, x)
    assert out[0].item() == pytest.approx(out[1].item(), rel=1e-12)
    with pytest.raises(ValueError, match="stride\\*\\*L = 1 is not a multiple of xi = 4"):
        dataclasses.replace(SMALL, net=dataclasses.replace(SMALL.net, stride=1))
    with pytest.raises(ValueError, match="stride\\*\\*L = 8 is not a multiple of xi = 16"):
        TrainedPoolingSpec(net=ConvNet1D(L=3))


def test_trained_spec_on_task1_accepts_stride_1():
    """Task 1 (periodic distance) is invariant to every circular shift: stride-1 networks are allowed there."""
    spec = dataclasses.replace(SMALL, data=ScaleDetection1D(16, 4, task=1, gap=1.0),
                               net=dataclasses.replace(SMALL.net, stride=1))
    assert spec.scale_detection() == ScaleDetection1D(16, 4, task=1, gap=1.0)
    record = run(spec, 0)
    assert KEYS <= set(record) and len(record["D"]) == 3
