"""The alpha-trick network, its gradient flow, empirical NTKs and the feature/lazy run spec."""
import math

import pytest
import torch

from scalingcheck.simulate.data.cylinder import Cylinder
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.experiments.feature_lazy import AlphaTrainingSpec
from scalingcheck.simulate.learners.gradient_flow import FlowConfig, train_flow, train_flow_ensemble
from scalingcheck.simulate.networks import TwoLayerReLU, stack_params, unstack_params
from scalingcheck.simulate.observables.compression import compression_ratio
from scalingcheck.simulate.learners.ntk import empirical_ntk, label_projection, relative_change
from scalingcheck.simulate.runs.spec import run
from scalingcheck.simulate.networks import ConvNet1D, HierarchicalCNN
from scalingcheck.simulate.runs.rows import row

F64 = torch.float64


def test_two_layer_output_matches_the_formula_and_the_ensemble():
    net = TwoLayerReLU(d=3, width=5)
    params = net.init(1, dtype=F64)
    x = torch.randn(7, 3, dtype=F64, generator=torch.Generator().manual_seed(0))
    by_hand = torch.stack([
        sum(params["beta"][i] * torch.relu(params["w"][i] @ xi / math.sqrt(3) + params["b"][i]) for i in range(5)) / 5
        for xi in x
    ])
    torch.testing.assert_close(net.apply(params, x), by_hand)
    other = net.init(2, dtype=F64)
    both = net.apply(stack_params([params, other]), torch.stack([x, x]))
    torch.testing.assert_close(both[1], net.apply(other, x))
    with pytest.raises(ValueError, match=r"x must have shape \[batch, d=3\]"):
        net.apply(params, torch.zeros(7, 4, dtype=F64))


def test_compression_ratio_by_hand():
    w = torch.tensor([[3.0, 1.0, 1.0], [4.0, 1.0, -1.0]])  # |w_par|^2 = 25 over 1 coordinate, |w_perp|^2 = 4 over 2
    assert float(compression_ratio(w, 1)) == pytest.approx(math.sqrt(25 / (4 / 2)))
    with pytest.raises(ValueError, match="d_par=3"):
        compression_ratio(w, 3)


def _ntk_by_hand(net, params, x1, x2):
    """Theta = (1/h^2) sum_i [relu(z_i) relu(z_i') + beta_i^2 1(z_i > 0) 1(z_i' > 0) (x.x'/d + 1)]."""
    z1, z2 = net.pre_activations(params, x1), net.pre_activations(params, x2)
    h, d = net.width, net.d
    beta2 = params["beta"] ** 2
    readout = torch.relu(z1) @ torch.relu(z2).T
    hidden = ((z1 > 0).to(F64) * beta2) @ (z2 > 0).to(F64).T * (x1 @ x2.T / d + 1)
    return (readout + hidden) / h**2


def test_empirical_ntk_from_torch_func_matches_the_hand_derived_kernel():
    net = TwoLayerReLU(d=4, width=16)
    params = net.init(3, dtype=F64)
    g = torch.Generator().manual_seed(1)
    x1, x2 = torch.randn(9, 4, dtype=F64, generator=g), torch.randn(5, 4, dtype=F64, generator=g)
    torch.testing.assert_close(empirical_ntk(net, params, x1, x2), _ntk_by_hand(net, params, x1, x2))
    k = empirical_ntk(net, params, x1)
    torch.testing.assert_close(k, k.T)
    assert relative_change(k, 2 * k) == pytest.approx(1.0)


def test_label_projection():
    y = torch.tensor([1.0, -1.0, 1.0, 1.0])
    gram = torch.outer(y, y) + 0.1 * torch.eye(4, dtype=torch.float64)  # top eigenvector is y / |y|
    assert label_projection(gram, y, 1) == pytest.approx(1.0)
    assert label_projection(torch.eye(4) + torch.diag(torch.tensor([3.0, 0, 0, 0])), y, 1) == pytest.approx(0.25)
    assert label_projection(gram, y, 4) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k=5"):
        label_projection(gram, y, 5)


def _problem(p=48, d=2, seed=0):
    x, y = Stripe(d=d).sample(p, seed, stream=0, dtype=F64)
    return x, y


@pytest.mark.parametrize("loss", ["hinge", "soft_hinge"])
def test_flow_reaches_every_margin_and_starts_from_zero_output(loss):
    x, y = _problem()
    net = TwoLayerReLU(d=2, width=32)
    init = net.init(0, dtype=F64)
    params, res = train_flow(net, init, x, y, 1.0, FlowConfig(loss=loss, tau=100.0, max_steps=20000),
                             observe=lambda p: compression_ratio(p["w"], 1))
    assert res.converged and res.min_margin >= 1 and res.train_error == 0
    out = 1.0 * (net.apply(params, x) - net.apply(init, x))
    assert float((out * y).min()) == pytest.approx(res.min_margin)
    assert res.trace[0][0] == 0.0 and res.trace[-1][0] == pytest.approx(res.time)


def test_ensemble_reproduces_the_loop_model_by_model():
    net = TwoLayerReLU(d=2, width=16)
    data = [_problem(p=32, seed=s) for s in range(3)]
    inits = [net.init(s, dtype=F64) for s in range(3)]
    alphas = [0.1, 1.0, 100.0]
    cfg = FlowConfig(tau=50.0, max_steps=3000)
    stacked, results = train_flow_ensemble(
        net, stack_params(inits), torch.stack([x for x, _ in data]), torch.stack([y for _, y in data]), alphas, cfg
    )
    for i, params in enumerate(unstack_params(stacked)):
        single, res = train_flow(net, inits[i], data[i][0], data[i][1], alphas[i], cfg)
        assert (res.steps, res.converged) == (results[i].steps, results[i].converged)
        for k in params:
            torch.testing.assert_close(params[k], single[k], rtol=1e-9, atol=1e-9)


def test_flow_config_errors_name_the_parameter():
    with pytest.raises(ValueError, match="loss='square'; allowed: hinge, soft_hinge"):
        FlowConfig(loss="square")
    with pytest.raises(ValueError, match="tau=-1"):
        FlowConfig(tau=-1.0)
    with pytest.raises(ValueError, match="shrink=1.5"):
        FlowConfig(shrink=1.5)
    with pytest.raises(ValueError, match="dt0=inf must be a finite number > 0"):
        FlowConfig(dt0=math.inf)
    assert FlowConfig(max_dgrad=math.inf, max_dout=math.inf).max_dgrad == math.inf  # inf: no bound
    net = TwoLayerReLU(d=2, width=4)
    x, y = _problem(p=8)
    with pytest.raises(ValueError, match="alpha"):
        train_flow(net, net.init(0, dtype=F64), x, y, -1.0)
    params, xs, ys = stack_params([net.init(s, dtype=F64) for s in (0, 1)]), torch.stack([x, x]), torch.stack([y, y])
    for tau, message in (([1.0], r"one inertia per model \(E=2\), got 1"), (2.0, "sequence of one inertia"),
                         ([1.0, -1.0], r"tau\[1\]=-1.0"), ([1.0, 0.0], "> 0 for every model or 0 for every model")):
        with pytest.raises(ValueError, match=message):
            train_flow_ensemble(net, params, xs, ys, 1.0, FlowConfig(tau=1.0), tau=tau)


def test_regimes_are_what_they_claim_lazy_ntk_barely_moves_feature_ntk_changes():
    """Large alpha: the NTK barely moves; small alpha: it changes by more than its own size; monotone between."""
    flow = FlowConfig(tau=100.0, max_steps=20000)
    base = AlphaTrainingSpec(Stripe(d=2), p=64, alpha=1.0, net=TwoLayerReLU(width=64), n_test=256, flow=flow, ntk_points=64)
    alphas = (1e-2, 1.0, 1e2, 1e4)
    change = {a: run(base.replace(alpha=a), 0) for a in alphas}
    assert all(r["converged"] for r in change.values())
    assert change[1e4]["ntk_change"] < 0.01
    assert change[1e-2]["ntk_change"] > 1.0
    moves = [change[a]["ntk_change"] for a in alphas]
    assert moves == sorted(moves, reverse=True)
    assert change[1e-2]["compression"] > 2 * change[1e4]["compression"]
    assert change[1e4]["compression"] == pytest.approx(float(compression_ratio(TwoLayerReLU(2, 64).init(0)["w"], 1)), rel=0.01)


def test_alpha_spec_records_and_checks():
    spec = AlphaTrainingSpec(Cylinder(d=3, d_par=2), p=32, alpha=1.0, net=TwoLayerReLU(width=16), n_test=128,
                             flow=FlowConfig(tau=100.0, max_steps=5000), frozen_kernels=True, pca_components=4)
    r = run(spec, 0)
    joined = row(spec, r)  # the record with the spec's fields and the derived columns
    assert "alpha_ntk" not in r and joined["d_par"] == 2 and joined["alpha_ntk"] == 1 / 4 and joined["width"] == 16
    for key in ("svc_error_ntk_init", "svc_error_ntk_final", "label_projection_init", "label_projection_final"):
        assert 0 <= r[key] <= 1
    with pytest.raises(ValueError, match="d_par=3 < d=3"):
        AlphaTrainingSpec(Cylinder(d=3, d_par=3), p=32, alpha=1.0)
    with pytest.raises(ValueError, match="alpha=0.0 must be a finite number > 0"):
        AlphaTrainingSpec(Stripe(d=2), p=32, alpha=0.0)
    with pytest.raises(ValueError, match="p=1 must be an integer >= 2"):
        AlphaTrainingSpec(Stripe(d=2), p=1, alpha=1.0)
    with pytest.raises(ValueError, match="HierarchicalCNN cannot take its shape from a Stripe"):
        AlphaTrainingSpec(Stripe(d=2), p=8, alpha=1.0, net=HierarchicalCNN())
    with pytest.raises(ValueError, match="must have a scalar output and a first-layer weight 'w'"):
        AlphaTrainingSpec(Stripe(d=2), p=8, alpha=1.0, net=ConvNet1D(F=2, stride=2, L=1, width=4))


def test_a_flow_at_a_fixed_point_stops_as_stalled_not_converged():
    """Every ReLU off at every point (bias -100): the hinge gradient is 0 with every margin unmet."""
    net = TwoLayerReLU(d=2, width=4)
    params = net.init(0, dtype=F64)
    params["b"] = torch.full((4,), -100.0, dtype=F64)
    x, y = _problem(p=16)
    _, res = train_flow(net, params, x, y, 1.0, FlowConfig(loss="hinge", max_steps=1000))
    assert res.stalled and not res.converged and res.steps == 1


@pytest.mark.parametrize("loss", ["hinge", "soft_hinge"])
@pytest.mark.parametrize("readout", ["mean_field", "standard"])
def test_flow_gradient_is_autograds_to_the_last_bit(loss, readout):
    """The flow's explicit backward pass (TwoLayerReLU.output_and_vjp and the loss's chain rule) gives the numbers
    of torch.autograd.grad exactly, so a flow's records do not depend on which of the two computed them."""
    from scalingcheck.simulate.learners.gradient_flow import _loss_and_grad, _loss_and_grad_autograd

    net = TwoLayerReLU(d=3, width=24, readout=readout)
    e, p = 4, 50
    g = torch.Generator().manual_seed(5)
    params = stack_params([net.init(s, dtype=F64) for s in range(e)])
    x = torch.randn(e, p, 3, dtype=F64, generator=g)
    y = torch.sign(torch.randn(e, p, dtype=F64, generator=g))
    f0 = net.apply(stack_params([net.init(s + 9, dtype=F64) for s in range(e)]), x)
    alpha = torch.tensor([0.01, 0.3, 7.0, 1e4], dtype=F64)
    config = FlowConfig(loss=loss)
    loss_ref, out_ref, grads_ref = _loss_and_grad_autograd(net, params, x, y, f0, alpha, config)
    loss_new, out_new, grads_new = _loss_and_grad(net, params, x, y, f0, alpha, config)
    assert torch.equal(loss_new, loss_ref) and torch.equal(out_new, out_ref)
    for k in grads_ref:
        assert torch.equal(grads_new[k], grads_ref[k]), k
    # the generic (autograd) vjp of the base class agrees with the explicit one
    from scalingcheck.simulate.networks.base import Network

    gvec = torch.randn(e, p, dtype=F64, generator=g)
    explicit = net.output_and_vjp(params, x)[1](gvec)
    generic = Network._output_and_vjp(net, params, x)[1](gvec)
    for k in explicit:
        torch.testing.assert_close(explicit[k], generic[k], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("config, d, width, e", [
    (FlowConfig(loss="hinge", tau=10.0, max_dout=1.0, max_dgrad=math.inf, max_steps=3000), 3, 16, 6),  # one stalls
    (FlowConfig(loss="soft_hinge", tau=10.0, max_dout=0.5, max_dgrad=0.5, max_steps=3000), 3, 16, 6),  # max_steps
    (FlowConfig(loss="soft_hinge", tau=5.0, max_dout=math.inf, max_dgrad=0.05, max_steps=1500, min_dt=1e-3, dt0=10.0),
     4, 8, 8),  # a shape where a batched product rounds differently at another batch size
], ids=["hinge-stalled", "soft-hinge-max-steps", "rounding"])
def test_the_host_looking_every_k_steps_moves_only_the_last_bits(config, d, width, e, one_thread):
    """A GPU flow looks at which models stopped every `sync_every` steps, the stopped ones frozen (and still in the
    batch) meanwhile. Against a look after every step: the same steps, rejections and stops, the traces at the
    same times, every number within relative 1e-12 (the stated tolerance: a batch of another size may round a
    matrix product's last bits differently; measured 2.4e-14 at most). Bit for bit at the first two shapes."""
    net = TwoLayerReLU(d=d, width=width)
    p = 24 if d == 3 else 20
    g = torch.Generator().manual_seed(3 if d == 3 else 1)
    x = torch.randn(e, p, d, generator=g, dtype=torch.float64)
    y = torch.sign(x[..., 0] + (0.3 if d == 3 else 0.5) * torch.randn(e, p, generator=g, dtype=torch.float64))
    params = net.init_ensemble(range(e), dtype=torch.float64)
    alphas = [1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3] if e == 6 else [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0, 1e3, 1e5]
    observe = lambda q: compression_ratio(q["w"], 1)  # noqa: E731
    ref_params, ref = train_flow_ensemble(net, params, x, y, alphas, config, observe=observe, sync_every=1)
    assert len({r.steps for r in ref}) >= e - 1 and any(r.stalled or r.steps == config.max_steps for r in ref)
    for every in (2, 7, 64):
        got_params, got = train_flow_ensemble(net, params, x, y, alphas, config, observe=observe, sync_every=every)
        for a, b in zip(ref, got):
            assert (a.steps, a.rejected, a.converged, a.stalled) == (b.steps, b.rejected, b.converged, b.stalled)
            assert [t for t, _ in a.trace] == pytest.approx([t for t, _ in b.trace], rel=1e-12)
            assert [v for _, v in a.trace] == pytest.approx([v for _, v in b.trace], rel=1e-12)
            assert (a.loss, a.time, a.min_margin) == pytest.approx((b.loss, b.time, b.min_margin), rel=1e-12)
        for k in ref_params:
            torch.testing.assert_close(got_params[k], ref_params[k], rtol=1e-12, atol=0)
        if d == 3:
            assert got == ref and all(torch.equal(got_params[k], ref_params[k]) for k in ref_params), every
    with pytest.raises(ValueError, match="sync_every=0 must be"):
        train_flow_ensemble(net, params, x, y, alphas, config, sync_every=0)


def test_the_next_mark_is_that_of_doubling_one_at_a_time():
    from hypothesis import given, settings, strategies as st

    from scalingcheck.simulate.learners.gradient_flow import _next_mark

    @settings(max_examples=300, deadline=None)
    @given(st.floats(1e-12, 1e3), st.floats(1.0, 1e12), st.integers(0, 60))
    def check(mark, ratio, shift):
        mark = mark * 2.0**shift
        t = mark * ratio
        expected = mark
        while expected <= t:
            expected *= 2
        got = _next_mark(torch.tensor([mark], dtype=torch.float64), torch.tensor([t], dtype=torch.float64))
        assert got.item() == expected

    check()
    # exact powers of two above the mark, where log2 lands on an integer
    mark = torch.tensor([0.01] * 5, dtype=torch.float64)
    t = mark * torch.tensor([1.0, 2.0, 4.0, 2.0**40, 3.0], dtype=torch.float64)
    expected = [0.02, 0.04, 0.08, 0.01 * 2.0**41, 0.04]
    assert _next_mark(mark, t).tolist() == expected
