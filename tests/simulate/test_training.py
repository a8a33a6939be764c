"""Training: convergence on a small task, batched ensemble == per-model loop, torch.optim reference, errors."""
from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from scalingcheck.simulate.networks import HierarchicalCNN, LocallyConnected, ShallowFCN, stack_params, unstack_params
from scalingcheck.simulate.learners.training import TrainConfig, TrainResult, effective_lr, evaluate, train_ensemble, train_one

torch.set_num_threads(2)


def task(n: int, v: int, d: int, n_c: int, seed: int, dtype=torch.float32):
    """Random one-hot inputs [n, v, d] and random labels in [n_c] (learnable by memorisation)."""
    g = torch.Generator().manual_seed(seed)
    x = F.one_hot(torch.randint(v, (n, d), generator=g), v).transpose(1, 2).to(dtype)
    return x, torch.randint(n_c, (n,), generator=g)


CNN = HierarchicalCNN(v=8, n_c=4, s=2, L=3, width=64)


@pytest.mark.parametrize("net, config", [
    (CNN, TrainConfig(lr=0.5, batch_size=16, max_steps=2000)),
    (CNN, TrainConfig(optimizer="adam", lr=0.01, batch_size=16, max_steps=2000)),
    (LocallyConnected(v=8, n_c=4, s=2, L=3, width=64), TrainConfig(lr=0.5, batch_size=16, max_steps=2000)),
    (ShallowFCN(v=8, n_c=4, d=8, width=64), TrainConfig(lr=0.5, batch_size=16, max_steps=2000)),
], ids=["cnn-sgd", "cnn-adam", "lcn-sgd", "fcn-sgd"])
def test_reaches_loss_threshold_on_small_task(net, config):
    x, y = task(64, 8, 8, 4, 0)
    xt, yt = task(32, 8, 8, 4, 1)
    params = net.init(0)
    before = {k: v.clone() for k, v in params.items()}
    final, result = train_one(net, params, x, y, seed=0, config=config, x_test=xt, y_test=yt)
    assert result.converged and not result.diverged, result
    assert result.train_loss < 0.01 and result.train_error == 0.0
    assert 0 < result.steps < config.max_steps
    assert result.steps % config.check_interval(64) == 0  # stops only at a check
    assert result.test_error is not None and 0.0 <= result.test_error <= 1.0
    assert all(torch.equal(before[k], params[k]) for k in params)  # input parameters untouched
    loss, err = evaluate(net, final, x, y)
    assert float(loss) == pytest.approx(result.train_loss) and float(err) == 0.0


_CNN_T = HierarchicalCNN(v=4, n_c=3, s=2, L=3, width=8, bias=True)
_LCN_T = LocallyConnected(v=4, n_c=3, s=2, L=2, width=8)
_FCN_T = ShallowFCN(v=4, n_c=3, d=8, width=8)


@pytest.mark.parametrize("net, optimizer, lr", [
    (_CNN_T, "sgd", 0.1), (_CNN_T, "adam", 0.1),
    (_LCN_T, "sgd", 0.2), (_LCN_T, "adam", 0.1),
    (_FCN_T, "sgd", 0.2), (_FCN_T, "adam", 0.1),
], ids=["cnn-sgd", "cnn-adam", "lcn-sgd", "lcn-adam", "fcn-sgd", "fcn-adam"])
def test_ensemble_reproduces_per_model_loop(net, optimizer, lr, one_thread):
    """Same seeds, same batch order: train_ensemble == E calls of train_one, bit for bit.

    The models stop at different steps (and one at max_steps), so freezing is exercised. A
    model's numbers do not depend on the models batched with it: sweeps rely on it.
    """
    e, p = 4, 24
    data = [task(p, net.v, net.d, 3, 10 + i, torch.float64) for i in range(e)]
    xs, ys = torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data])
    xt, yt = task(16, net.v, net.d, 3, 99, torch.float64)
    seeds = [5, 6, 7, 8]
    config = TrainConfig(optimizer=optimizer, lr=lr, batch_size=10, max_steps=150, eval_every=3, loss_threshold=0.05)
    stacked = net.init_ensemble(seeds, dtype=torch.float64)
    final, results = train_ensemble(net, stacked, xs, ys, seeds=seeds, config=config, x_test=xt, y_test=yt)
    loop = [train_one(net, net.init(s, dtype=torch.float64), xs[i], ys[i], seed=s, config=config,
                      x_test=xt, y_test=yt) for i, s in enumerate(seeds)]
    for i, (params_i, result_i) in enumerate(loop):
        assert results[i] == result_i
        assert all(torch.equal(final[k][i], params_i[k]) for k in params_i)
    assert len({r.steps for r in results}) > 1, "models should stop at different steps"


@pytest.mark.parametrize("net", [_CNN_T, _FCN_T], ids=["cnn", "fcn"])
@pytest.mark.parametrize("eval_every", [None, 4])
def test_models_of_different_sizes_train_as_one_batch_each_as_alone(net, eval_every, one_thread):
    """sizes: model e reads the first sizes[e] rows of its (padded) training set, with its own epochs and
    checks; each model's result and parameters equal a lone run on exactly its rows, bit for bit."""
    sizes, pad = [11, 24, 40, 17], 40
    data = [task(pad, net.v, net.d, 3, 30 + i, torch.float64) for i in range(len(sizes))]
    xs, ys = torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data])
    xt, yt = task(16, net.v, net.d, 3, 98, torch.float64)
    seeds = [1, 2, 3, 4]
    config = TrainConfig(lr=0.2, batch_size=8, max_steps=300, eval_every=eval_every, loss_threshold=0.2)
    final, results = train_ensemble(net, net.init_ensemble(seeds, dtype=torch.float64), xs, ys, seeds=seeds,
                                    config=config, x_test=xt, y_test=yt, sizes=sizes)
    for i, (s, n) in enumerate(zip(seeds, sizes)):
        params_i, result_i = train_one(net, net.init(s, dtype=torch.float64), xs[i, :n], ys[i, :n], seed=s,
                                       config=config, x_test=xt, y_test=yt)
        assert results[i] == result_i
        assert all(torch.equal(final[k][i], params_i[k]) for k in params_i)
    assert len({r.steps for r in results}) > 1, "models should stop at different steps"
    with pytest.raises(ValueError, match=r"sizes\[1\]=41"):
        train_ensemble(net, net.init_ensemble(seeds, dtype=torch.float64), xs, ys, seeds=seeds, sizes=[5, 41, 5, 5])
    with pytest.raises(ValueError, match="one training-set size per model"):
        train_ensemble(net, net.init_ensemble(seeds, dtype=torch.float64), xs, ys, seeds=seeds, sizes=[5, 5])


def test_ensemble_reproduces_loop_in_float32_with_per_model_test_sets(one_thread):
    net = HierarchicalCNN(v=8, n_c=4, s=2, L=3, width=32)
    e, p = 3, 64
    data = [task(p, 8, 8, 4, i) for i in range(e)]
    tests = [task(20, 8, 8, 4, 50 + i) for i in range(e)]
    xs, ys = torch.stack([d[0] for d in data]), torch.stack([d[1] for d in data])
    config = TrainConfig(lr=0.5, batch_size=32, max_steps=400)
    final, results = train_ensemble(net, net.init_ensemble(range(e)), xs, ys, seeds=list(range(e)), config=config,
                                    x_test=torch.stack([t[0] for t in tests]), y_test=torch.stack([t[1] for t in tests]))
    for i, params_i in enumerate(unstack_params(final)):
        ref_params, ref = train_one(net, net.init(i), xs[i], ys[i], seed=i, config=config,
                                    x_test=tests[i][0], y_test=tests[i][1])
        assert results[i].converged and results[i] == ref
        assert all(torch.equal(params_i[k], ref_params[k]) for k in ref_params)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_update_matches_torch_optim(optimizer):
    """A few full-batch steps equal torch.optim.SGD(momentum=0.9) / torch.optim.Adam at the effective rate."""
    net = HierarchicalCNN(v=4, n_c=3, s=2, L=2, width=6)
    x, y = task(20, 4, 4, 3, 0, torch.float64)
    config = TrainConfig(optimizer=optimizer, lr=0.05 if optimizer == "sgd" else 0.01, batch_size=20,
                         max_steps=5, loss_threshold=1e-6)
    ours, result = train_one(net, net.init(0, dtype=torch.float64), x, y, seed=0, config=config)
    assert result.steps == 5 and not result.converged
    ref = {k: v.clone().requires_grad_(True) for k, v in net.init(0, dtype=torch.float64).items()}
    lr = effective_lr(net, config)
    assert lr == (0.05 * 6 if optimizer == "sgd" else 0.01)
    opt = (torch.optim.SGD(ref.values(), lr=lr, momentum=0.9) if optimizer == "sgd"
           else torch.optim.Adam(ref.values(), lr=lr))
    for _ in range(5):
        opt.zero_grad()
        F.cross_entropy(net.apply(ref, x), y).backward()
        opt.step()
    for k in ref:
        torch.testing.assert_close(ours[k], ref[k].detach(), rtol=1e-10, atol=1e-12)


def test_max_steps_zero_and_divergence():
    x, y = task(32, 8, 8, 4, 0)
    _, r = train_one(CNN, CNN.init(0), x, y, seed=0, config=TrainConfig(max_steps=0))
    assert (r.converged, r.diverged, r.steps) == (False, False, 0)
    assert r.train_loss == pytest.approx(float(evaluate(CNN, CNN.init(0), x, y)[0]))
    _, r = train_one(CNN, CNN.init(0), x, y, seed=0, config=TrainConfig(lr=1e6, max_steps=100, eval_every=1))
    assert r.diverged and not r.converged and r.steps < 100
    assert isinstance(r.as_record(), dict) and set(r.as_record()) == {f.name for f in dataclasses.fields(TrainResult)}


def test_batch_order_depends_on_seed_only():
    x, y = task(64, 8, 8, 4, 0)
    config = TrainConfig(lr=0.5, batch_size=16, max_steps=20)
    a, _ = train_one(CNN, CNN.init(0), x, y, seed=1, config=config)
    b, _ = train_one(CNN, CNN.init(0), x, y, seed=1, config=config)
    c, _ = train_one(CNN, CNN.init(0), x, y, seed=2, config=config)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["beta"], c["beta"])


def _cnn_setup():
    net = HierarchicalCNN(v=4, n_c=3, s=2, L=2, width=4)
    x, y = task(8, 4, 4, 3, 0)
    return net, net.init(0), x, y


@pytest.mark.parametrize("call, match", [
    (lambda: TrainConfig(optimizer="rmsprop"), "optimizer='rmsprop'; allowed: sgd, adam"),
    (lambda: TrainConfig(loss="mse"), "loss='mse'; allowed: cross_entropy, hinge"),
    (lambda: TrainConfig(weight_decay=-0.1), "weight_decay=-0.1 must be a finite number >= 0"),
    (lambda: TrainConfig(lr=0.0), "lr=0.0 must be a finite number > 0"),
    (lambda: TrainConfig(lr=float("nan")), "lr=nan"),
    (lambda: TrainConfig(momentum=1.0), r"momentum=1.0 must be a finite number >= 0 and < 1"),
    (lambda: TrainConfig(batch_size=0), "batch_size=0 must be an integer >= 1"),
    (lambda: TrainConfig(loss_threshold=-1.0), "loss_threshold=-1.0"),
    (lambda: TrainConfig(max_steps=-1), "max_steps=-1 must be an integer >= 0"),
    (lambda: TrainConfig(eval_every=0), "eval_every=0 must be an integer >= 1"),
    (lambda: TrainConfig(adam_betas=(0.9, 1.0)), r"adam_betas\[1\]=1.0"),
])
def test_bad_config_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_training_arguments_raise():
    net, p, x, y = _cnn_setup()
    with pytest.raises(ValueError, match=r"x must be a tensor \[P, v=4, d=4\]"):
        train_one(net, p, x[:, :3], y, seed=0)
    with pytest.raises(ValueError, match=r"y must be a tensor \[P=8\]"):
        train_one(net, p, x, y[:5], seed=0)
    with pytest.raises(ValueError, match=r"class labels in \[0, n_c=3\)"):
        train_one(net, p, x, y + 3, seed=0)
    with pytest.raises(ValueError, match="integer class labels"):
        train_one(net, p, x, y.float(), seed=0)
    with pytest.raises(ValueError, match="seed=-2"):
        train_one(net, p, x, y, seed=-2)
    with pytest.raises(ValueError, match="together"):
        train_one(net, p, x, y, seed=0, x_test=x)
    with pytest.raises(ValueError, match="params must be a dict with keys"):
        train_one(net, {"beta": p["beta"]}, x, y, seed=0)
    stacked = stack_params([p, p])
    with pytest.raises(ValueError, match=r"seeds must hold one seed per model \(E=2\), got 1"):
        train_ensemble(net, stacked, x.expand(2, *x.shape), y.expand(2, 8), seeds=[0])
    with pytest.raises(ValueError, match=r"xs must be a tensor \[2, P, v=4, d=4\]"):
        train_ensemble(net, stacked, x, y, seeds=[0, 1])
    with pytest.raises(ValueError, match=r"params must be stacked \[E, ...\]"):
        train_ensemble(net, p, x, y, seeds=[0])
    with pytest.raises(ValueError, match=r"params are stacked \[E, ...\]: use train_ensemble"):
        train_one(net, stacked, x, y, seed=0)


def test_hinge_loss_trains_a_scalar_network_to_zero_loss():
    """The same loop with the hinge loss: a two-layer net separates a linearly separable task."""
    from scalingcheck.simulate.networks import TwoLayerReLU

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=torch.float64)
    y = torch.where(x[:, 0] > 0, 1.0, -1.0).to(torch.float64)
    net = TwoLayerReLU(d=3, width=32)
    config = TrainConfig(loss="hinge", lr=1.0, momentum=0.0, batch_size=8, loss_threshold=1e-9, max_steps=5000)
    final, result = train_one(net, net.init(0, dtype=torch.float64), x, y, seed=0, config=config)
    assert result.converged and result.train_loss == 0.0 and result.train_error == 0.0
    assert bool((y * net.apply(final, x) >= 1).all())
    with pytest.raises(ValueError, match="labels -1 or \\+1"):
        train_one(net, net.init(0, dtype=torch.float64), x, (y > 0).to(torch.float64), seed=0, config=config)
    with pytest.raises(ValueError, match="loss='hinge' needs a scalar-output network"):
        train_one(CNN, CNN.init(0), *task(8, 8, 8, 4, 0), seed=0, config=config)
    with pytest.raises(ValueError, match="scalar output \\(use 'hinge'\\)"):
        train_one(net, net.init(0, dtype=torch.float64), x, y.long(), seed=0)


def test_weight_decay_matches_torch_sgd_on_the_decayed_parameters():
    """weight_decay on the parameters named w*: torch.optim.SGD(weight_decay=...) on those, none on beta."""
    net = HierarchicalCNN(v=4, n_c=3, s=2, L=2, width=6, bias=True)
    x, y = task(20, 4, 4, 3, 0, torch.float64)
    config = TrainConfig(lr=0.05, batch_size=20, max_steps=4, loss_threshold=1e-6, weight_decay=0.1)
    ours, _ = train_one(net, net.init(0, dtype=torch.float64), x, y, seed=0, config=config)
    ref = {k: v.clone().requires_grad_(True) for k, v in net.init(0, dtype=torch.float64).items()}
    lr = effective_lr(net, config)
    decayed = [v for k, v in ref.items() if k.startswith("w")]
    rest = [v for k, v in ref.items() if not k.startswith("w")]
    opt = torch.optim.SGD([{"params": decayed, "weight_decay": 0.1}, {"params": rest}], lr=lr, momentum=0.9)
    for _ in range(4):
        opt.zero_grad()
        F.cross_entropy(net.apply(ref, x), y).backward()
        opt.step()
    for k in ref:
        torch.testing.assert_close(ours[k], ref[k].detach(), rtol=1e-10, atol=1e-12)


def test_the_cosine_schedule_by_hand():
    """SGD without momentum on a constant gradient g: after T steps p = p0 - sum_t lr_t g, with
    lr_t = lr (1 + cos(pi (t - 1) / T)) / 2 (t = 1..T); the constant schedule moves by T lr g."""
    from scalingcheck.simulate.learners.training import _Optimizer

    for schedule, steps in (("cosine", 5), ("constant", 5)):
        config = TrainConfig(lr=0.1, momentum=0.0, max_steps=steps, schedule=schedule)
        p, g = torch.zeros(3, dtype=torch.float64), torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
        opt = _Optimizer(["w1"], [p], 0.1, config)
        for _ in range(steps):
            opt.step([p], [g])
        rates = [0.1 * (0.5 * (1 + math.cos(math.pi * t / steps)) if schedule == "cosine" else 1.0) for t in range(steps)]
        assert torch.allclose(p, -sum(rates) * g, rtol=1e-15, atol=0)


def test_a_field_added_at_its_default_keeps_every_stored_key():
    """TrainConfig.schedule came after runs were stored: at its default it is left out of the key."""
    from scalingcheck.simulate.runs.spec import canonical_json

    assert "schedule" not in canonical_json(TrainConfig()) and '"schedule":"cosine"' in canonical_json(
        TrainConfig(schedule="cosine"))
    with pytest.raises(ValueError, match="schedule='step'; allowed: constant, cosine"):
        TrainConfig(schedule="step")


def test_weight_decay_reaches_a_torch_modules_weights_by_a_dotted_name():
    config = TrainConfig(weight_decay=5e-4, decay_params=(".weight",))
    assert config.decays("net.0.weight") and not config.decays("net.0.bias") and TrainConfig().decays("w2")


def test_observed_parameters_are_those_of_a_run_stopped_at_that_step():
    """observe(t, params) sees, before step t, the parameters a run of max_steps = t ends with (constant lr,
    no early stop), and t = 0 sees the initial parameters; a model that stopped is not observed."""
    x, y = task(32, 8, 8, 4, 0)
    config = TrainConfig(lr=0.2, batch_size=8, max_steps=12, loss_threshold=1e-12, eval_every=5)
    seen = {}
    train_one(CNN, CNN.init(0), x, y, seed=3, config=config, observe=lambda t, p: seen.setdefault(t, p),
              observe_at=(0, 5, 7, 50))
    assert sorted(seen) == [0, 5, 7]  # 50 is past the budget
    for t in (0, 5, 7):
        alone, _ = train_one(CNN, CNN.init(0), x, y, seed=3, config=dataclasses.replace(config, max_steps=t))
        for k in alone:
            assert torch.equal(seen[t][k], alone[k]), (t, k)


def test_observe_at_needs_an_observer_and_steps_from_zero():
    x, y = task(8, 8, 8, 4, 0)
    with pytest.raises(ValueError, match=r"observe_at=\(3,\) needs an observe"):
        train_one(CNN, CNN.init(0), x, y, seed=0, observe_at=(3,))
    with pytest.raises(ValueError, match=r"observe_at\[1\]"):
        train_one(CNN, CNN.init(0), x, y, seed=0, observe=print, observe_at=(3, -1))
