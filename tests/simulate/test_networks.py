"""Networks: shapes, the receptive-field structure, CNN = LCN with tied filters, conv1d reference, mean-field scaling."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch
import torch.nn.functional as F

from scalingcheck.simulate.networks import HierarchicalCNN, LocallyConnected, ShallowFCN, stack_params, unstack_params
from scalingcheck.simulate.runs.spec import canonical_json

torch.set_num_threads(2)


def one_hot(n: int, v: int, d: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(v, (n, d), generator=g)
    return F.one_hot(tokens, v).transpose(1, 2).to(dtype)


NETS = [
    HierarchicalCNN(v=5, n_c=3, s=2, L=3, width=7),
    HierarchicalCNN(v=4, n_c=2, s=3, L=2, width=6, bias=True),
    LocallyConnected(v=5, n_c=3, s=2, L=3, width=7),
    LocallyConnected(v=4, n_c=2, s=3, L=2, width=6, bias=True),
    ShallowFCN(v=5, n_c=3, d=8, width=7),
    ShallowFCN(v=4, n_c=2, d=9, width=6, bias=True),
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.kind}-bias{n.bias}")
def test_shapes_dtype_and_seeding(net):
    x = one_hot(11, net.v, net.d, 0, torch.float64)
    params = net.init(3, dtype=torch.float64)
    assert {k: tuple(v.shape) for k, v in params.items()} == net.param_shapes()
    assert net.n_params() == sum(v.numel() for v in params.values())
    out = net.apply(params, x)
    assert out.shape == (11, net.n_c) and out.dtype == torch.float64
    # same seed -> same parameters (float32 is float64 rounded); other seed -> different
    p32 = net.init(3)
    assert all(torch.equal(p32[k], params[k].float()) for k in params)
    assert not torch.equal(net.init(4)["beta"], p32["beta"])
    # every hidden layer has width channels
    for h in net.features(params, x):
        assert h.shape[:2] == (11, net.width) and (h >= 0).all()
    assert net.input_shape == (net.v, net.d) and net.n_out == net.n_c and not net.scalar


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.kind}-bias{n.bias}")
def test_spec_is_hashable_and_json(net):
    assert hash(net) == hash(dataclasses.replace(net))
    d = json.loads(canonical_json(net))
    assert d["kind"] == net.kind and d["width"] == net.width


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.kind}-bias{n.bias}")
def test_ensemble_apply_equals_per_model_and_vmap(net):
    e = 3
    stacked = net.init_ensemble(range(e), dtype=torch.float64)
    xs = torch.stack([one_hot(6, net.v, net.d, i, torch.float64) for i in range(e)])
    out = net.apply(stacked, xs)
    assert out.shape == (e, 6, net.n_c)
    features = net.features(stacked, xs)
    for i in range(e):
        for f, f_i in zip(features, net.features(net.init(i, dtype=torch.float64), xs[i])):
            torch.testing.assert_close(f[i], f_i)
    for i, p in enumerate(unstack_params(stacked)):
        torch.testing.assert_close(out[i], net.apply(net.init(i, dtype=torch.float64), xs[i]))
        torch.testing.assert_close(out[i], net.apply(p, xs[i]))
    torch.testing.assert_close(torch.func.vmap(net.apply)(stacked, xs), out)
    restacked = stack_params(unstack_params(stacked))
    assert all(torch.equal(restacked[k], stacked[k]) for k in stacked)


def test_cnn_matches_torch_conv1d_reference():
    net = HierarchicalCNN(v=5, n_c=3, s=2, L=3, width=7, bias=True)
    p = net.init(1, dtype=torch.float64)
    x = one_hot(9, 5, 8, 2, torch.float64)
    h = x
    for k in range(1, 4):
        w = p[f"w{k}"]
        h = F.conv1d(h, w / math.sqrt(w.shape[1] * w.shape[2]), p[f"b{k}"], stride=2).relu()
    ref = h.mean(-1) @ p["beta"] / 7
    torch.testing.assert_close(net.apply(p, x), ref)


def test_fcn_matches_hand_computation():
    net = ShallowFCN(v=3, n_c=2, d=4, width=5, bias=True)
    p = net.init(0, dtype=torch.float64)
    x = one_hot(7, 3, 4, 1, torch.float64)
    h = torch.relu(x.reshape(7, 12) @ p["w1"].T / math.sqrt(12) + p["b1"])
    torch.testing.assert_close(net.apply(p, x), h @ p["beta"] / 5)


@pytest.mark.parametrize("cls", [HierarchicalCNN, LocallyConnected])
def test_receptive_field(cls):
    """Changing input position i changes, at layer k, only position i // s**k (the patch above it)."""
    net = cls(v=4, n_c=2, s=2, L=3, width=16, bias=True)
    p = net.init(0, dtype=torch.float64)
    x = one_hot(1, 4, 8, 0, torch.float64)
    base = net.features(p, x)
    for i in range(8):
        x2 = x.clone()
        x2[0, :, i] = torch.roll(x2[0, :, i], 1)  # another symbol at position i
        for k, (h, h2) in enumerate(zip(base, net.features(p, x2)), start=1):
            changed = (h - h2).abs().amax(dim=(0, 1)) > 0  # [positions]
            allowed = torch.zeros_like(changed)
            allowed[i // 2**k] = True
            assert not (changed & ~allowed).any(), f"position {i} leaked outside its patch at layer {k}"
            assert changed[i // 2**k] or k > 1, "layer 1 above position i should change"  # ReLU may mask deeper


def test_lcn_with_tied_filters_equals_cnn():
    cnn = HierarchicalCNN(v=5, n_c=3, s=2, L=3, width=6, bias=True)
    lcn = LocallyConnected(v=5, n_c=3, s=2, L=3, width=6, bias=True)
    pc = cnn.init(7, dtype=torch.float64)
    pl = {"beta": pc["beta"]}
    for k in range(1, 4):
        n = lcn.positions(k)
        pl[f"w{k}"] = pc[f"w{k}"].expand(n, *pc[f"w{k}"].shape).clone()
        pl[f"b{k}"] = pc[f"b{k}"].expand(n, 6).clone()
    x = one_hot(10, 5, 8, 3, torch.float64)
    torch.testing.assert_close(lcn.apply(pl, x), cnn.apply(pc, x))
    # and untied filters differ
    assert not torch.allclose(lcn.apply(lcn.init(7, dtype=torch.float64), x), cnn.apply(pc, x))


@pytest.mark.parametrize("make, depth", [
    (lambda h: HierarchicalCNN(v=4, n_c=4, s=2, L=3, width=h), 3),
    (lambda h: LocallyConnected(v=4, n_c=4, s=2, L=2, width=h), 2),
    (lambda h: ShallowFCN(v=4, n_c=4, d=8, width=h), 1),
], ids=["cnn", "lcn", "fcn"])
def test_mean_field_output_scale(make, depth):
    """At init the output std over seeds is c / sqrt(H), with c known exactly.

    Without biases, given the layer below, a pre-activation is Gaussian with variance the
    mean square of that layer (1/sqrt(fan_in) scaling), and relu halves the second moment;
    a one-hot input has mean square 1/v. So E[phi_L^2] = 1 / (v 2^L) at every width and the
    readout beta^T phi / H has E[f^2] = 1 / (v 2^L H): c = (v 2^L)^(-1/2).
    Estimated from 200 seeds x 4 outputs x 4 inputs at H = 16 and 256; tolerance 20%
    (observed statistical scatter ~5%).
    """
    x = one_hot(4, 4, make(1).d, 0)
    c = (4 * 2**depth) ** -0.5
    for h in (16, 256):
        net = make(h)
        out = net.apply(net.init_ensemble(range(200)), x.expand(200, *x.shape))
        measured = out.pow(2).mean().sqrt().item() * math.sqrt(h)
        assert measured == pytest.approx(c, rel=0.2), (h, measured, c)


@pytest.mark.parametrize("call, match", [
    (lambda: HierarchicalCNN(v=0, n_c=2, s=2, L=2, width=4), "v=0 must be an integer >= 1"),
    (lambda: HierarchicalCNN(v=3, n_c=1, s=2, L=2, width=4), "n_c=1 must be an integer >= 2"),
    (lambda: HierarchicalCNN(v=3, n_c=2, s=1, L=2, width=4), "s=1 must be an integer >= 2"),
    (lambda: HierarchicalCNN(v=3, n_c=2, s=2, L=0, width=4), "L=0 must be an integer >= 1"),
    (lambda: LocallyConnected(v=3, n_c=2, s=2, L=2, width=2.0), "width=2.0 must be an integer >= 1"),
    (lambda: HierarchicalCNN(v=3, n_c=2, s=2, L=2, width=4, bias=1), "bias=1 must be True or False"),
    (lambda: ShallowFCN(v=3, n_c=2, d=0, width=4), "d=0 must be an integer >= 1"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).init(-1), "seed=-1 must be a non-negative integer"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).init(0, dtype=torch.int64), "dtype"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).init(0, device="nonsense"), "device"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).apply(HierarchicalCNN(3, 2, 2, 2, 4).init(0), torch.zeros(5, 3, 8)),
     r"x must have shape \[batch, v=3, d=4\]"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).apply(HierarchicalCNN(3, 2, 2, 2, 4).init(0), torch.zeros(5, 3, 4,
                                                                                                  dtype=torch.long)),
     "floating"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).apply(HierarchicalCNN(3, 2, 2, 2, 4).init_ensemble([0, 1]),
                                                  torch.zeros(1, 5, 3, 4)),
     r"x must have shape \[2, batch, v=3, d=4\]"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4).apply({**HierarchicalCNN(3, 2, 2, 2, 4).init_ensemble([0, 1]),
                                                   "beta": torch.zeros(3, 4, 2)}, torch.zeros(2, 5, 3, 4)),
     r"params\['beta'\] has ensemble size 3, others 2"),
    (lambda: HierarchicalCNN(3, 2, 2, 2, 4, readout="ntk"), "readout='ntk'; allowed: mean_field, standard"),
    (lambda: stack_params([]), "at least one"),
])
def test_bad_arguments_raise_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("net", [HierarchicalCNN(v=4, n_c=3, s=2, L=2, width=9, readout="standard"),
                                 ShallowFCN(v=4, n_c=3, d=4, width=9, readout="standard")], ids=["cnn", "fcn"])
def test_standard_readout_is_the_mean_field_one_times_sqrt_width(net):
    """beta^T h / sqrt(H) = sqrt(H) * beta^T h / H: the two readouts differ by exactly sqrt(H)."""
    mean_field = dataclasses.replace(net, readout="mean_field")
    p = net.init(0, dtype=torch.float64)
    x = one_hot(5, 4, 4, 0, torch.float64)
    torch.testing.assert_close(net.apply(p, x), mean_field.apply(p, x) * 3.0)
