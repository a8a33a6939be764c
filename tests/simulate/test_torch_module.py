"""TorchNetwork: a user's torch.nn.Module behind the network interface (init, apply, features, training, run key)."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import math
import pickle
import sys
from dataclasses import dataclass
from typing import ClassVar

import pytest
import torch
import torch.nn.functional as F

from scalingcheck.simulate.learners.training import TrainConfig, evaluate, train_ensemble, train_one
from scalingcheck.simulate.networks import TorchNetwork, stack_params, unstack_params
from scalingcheck.simulate.runs.errors import SpecError
from scalingcheck.simulate.runs.spec import Spec, canonical_json, check_spec, to_dict


# -- factories (module level: worker processes import them by name) ---------------------------------------
class MLP(torch.nn.Module):
    """A class as the factory: inputs of any shape, flattened; dotted parameter names ``net.1.weight``."""

    def __init__(self, input_shape, n_out, width=16):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(math.prod(input_shape), width),
                                       torch.nn.ReLU(), torch.nn.Linear(width, n_out))

    def forward(self, x):
        return self.net(x)


def conv1d(input_shape, n_out, width=6, s=2):
    """A function as the factory: two non-overlapping 1D convolutions on one-hot sequences [v, d]."""
    v, d = input_shape
    return torch.nn.Sequential(torch.nn.Conv1d(v, width, s, stride=s), torch.nn.ReLU(),
                               torch.nn.Conv1d(width, width, s, stride=s), torch.nn.ReLU(),
                               torch.nn.Flatten(), torch.nn.Linear(width * (d // s // s), n_out))


class Gated(torch.nn.Module):
    """Data-dependent control flow: vmap cannot run it, so stacked models go through the loop."""

    def __init__(self, input_shape, n_out):
        super().__init__()
        self.hidden = torch.nn.Linear(math.prod(input_shape), 8)
        self.act = torch.nn.Tanh()
        self.out = torch.nn.Linear(8, n_out)

    def forward(self, x):
        h = self.act(self.hidden(x.flatten(1)))
        if bool((h > 0).any()):
            h = h * 2
        return self.out(h)


def normed(input_shape, n_out):
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(math.prod(input_shape), 4),
                               torch.nn.BatchNorm1d(4), torch.nn.Linear(4, n_out))


def not_a_module(input_shape, n_out):
    return "oops"


def two_outputs(input_shape, n_out):
    return torch.nn.Linear(input_shape[0], 2)  # ignores n_out


def mlp_twin(input_shape, n_out, width=16):
    """MLP's model as a function (a different source than conv1d's)."""
    return MLP(input_shape, n_out, width)


@dataclass(frozen=True)
class FakeData:
    input_shape: tuple[int, ...]
    n_classes: int


@dataclass(frozen=True)
class NetSpec(Spec):
    kind: ClassVar[str] = "test_torch_network"
    net: TorchNetwork
    p: int = 8


def one_hot(n, v, d, seed, lead=()):
    g = torch.Generator().manual_seed(seed)
    return F.one_hot(torch.randint(v, (*lead, n, d), generator=g), v).transpose(-1, -2).float()


V, D, N_C = 4, 8, 3
NETS = {
    "mlp": TorchNetwork(MLP, options=(("width", 16),), layers=("net.2",)).for_data(FakeData((V, D), N_C)),
    "conv": TorchNetwork(conv1d, layers=("1", "3"), shape=(V, D), outputs=N_C),
    "vector": TorchNetwork(MLP, layers=("net.2",), shape=(5,), outputs=2),
}


def inputs(net, n, seed, lead=()):
    if len(net.shape) == 1:
        return torch.randn(*lead, n, *net.shape, generator=torch.Generator().manual_seed(seed))
    return one_hot(n, V, D, seed, lead)


def module_with(net, params):
    module = net.factory(input_shape=net.shape, n_out=net.outputs, **dict(net.options)).eval()
    module.load_state_dict(params)
    return module


# -- 1. shapes from the data, seeding, parameter names ------------------------------------------------------
def test_for_data_init_and_parameter_names():
    net = TorchNetwork(conv1d, layers=("1", "3"))
    with pytest.raises(ValueError, match="no shape, outputs yet"):
        net.init(0)
    fitted = net.for_data(FakeData((V, D), N_C))
    assert fitted.shape == (V, D) and fitted.outputs == N_C and fitted.input_shape == (V, D) and fitted.n_out == N_C
    assert fitted == NETS["conv"] and hash(fitted) == hash(NETS["conv"])
    with pytest.raises(ValueError, match="outputs=3.*needs outputs=5"):
        fitted.for_data(FakeData((V, D), 5))
    for net in NETS.values():
        torch.manual_seed(123)
        state = torch.get_rng_state()
        a, b = net.init(7), net.init(7)
        assert torch.equal(torch.get_rng_state(), state)  # the caller's RNG is untouched
        assert all(torch.equal(a[k], b[k]) for k in a) and not torch.equal(net.init(8)[next(iter(a))], a[next(iter(a))])
        module = net.factory(input_shape=net.shape, n_out=net.outputs, **dict(net.options))
        want = {k: tuple(p.shape) for k, p in module.named_parameters()}
        assert net.param_shapes() == want and {k: tuple(v.shape) for k, v in a.items()} == want
        assert net.n_params() == sum(p.numel() for p in module.parameters())
        p64 = net.init(7, device="cpu", dtype=torch.float64)
        assert all(p64[k].dtype == torch.float64 and torch.equal(p64[k].float(), a[k]) for k in a)
    assert list(NETS["mlp"].init(0)) == ["net.1.weight", "net.1.bias", "net.3.weight", "net.3.bias"]
    stacked = NETS["mlp"].init_ensemble([0, 1, 2])
    assert NETS["mlp"].ensemble_size(stacked) == 3 and NETS["mlp"].ensemble_size(NETS["mlp"].init(0)) is None
    with pytest.raises(ValueError, match=r"params\['net.1.weight'\] must have shape"):
        NETS["mlp"].ensemble_size({**NETS["mlp"].init(0), "net.1.weight": torch.zeros(2, 2)})


# -- 2. one model: the module's own forward, exactly ------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(NETS))
def test_apply_equals_the_modules_forward(name):
    net = NETS[name]
    params = net.init(3)
    x = inputs(net, 11, 0)
    module = module_with(net, params)
    with torch.no_grad():
        assert torch.equal(net.apply(params, x), module(x))
    out, vjp = net.output_and_vjp(params, x)
    g = torch.randn(out.shape, generator=torch.Generator().manual_seed(1))
    (module(x) * g).sum().backward()
    grads = vjp(g)
    assert all(torch.allclose(grads[k], p.grad, rtol=1e-5, atol=1e-6) for k, p in module.named_parameters())


# -- 3. stacked models: vmap, and the loop where vmap cannot run the module ------------------------------------
@pytest.mark.parametrize("name", sorted(NETS))
def test_stacked_apply_equals_lone_runs(name, one_thread):
    """vmap rounds differently from the module's own forward (nn.Linear's fused addmm against a batched matmul
    and an add; conv1d as one grouped convolution): measured <= 1 ulp of the largest output, with one or two
    threads; asserted within 4 ulp. With one thread the linear layers of E = 1 and E = 3 stacked models give the
    same bits (a model's outputs do not depend on the others it is stacked with, as the ensemble training
    wants); a convolution of E = 3 models (groups = 3) rounds differently from that of one (<= 1 ulp)."""
    net = NETS[name]
    seeds = [0, 1, 2]
    stacked = net.init_ensemble(seeds)
    x = inputs(net, 17, 5, lead=(3,))
    out = net.apply(stacked, x)
    assert out.shape == (3, 17, net.outputs)
    lone = torch.stack([net.apply(net.init(s), x[i]) for i, s in enumerate(seeds)])
    assert (out - lone).abs().max() <= 4 * torch.finfo(out.dtype).eps * lone.abs().max()
    alone = torch.cat([net.apply(stack_params([p]), x[i : i + 1]) for i, p in enumerate(unstack_params(stacked))])
    if name == "conv":
        assert (out - alone).abs().max() <= 4 * torch.finfo(out.dtype).eps * alone.abs().max()
    else:
        assert torch.equal(out, alone)
    assert "_loop" not in net.__dict__  # vmap ran


def test_loop_when_vmap_cannot_run_the_module(one_thread):
    net = TorchNetwork(Gated, layers=("act",), shape=(V, D), outputs=N_C)
    stacked = net.init_ensemble([0, 1, 2])
    x = one_hot(9, V, D, 2, lead=(3,))
    out = net.apply(stacked, x)
    assert net.__dict__.get("_loop")  # vmap failed once: loops from now on
    lone = [net.init(s) for s in (0, 1, 2)]
    assert torch.equal(out, torch.stack([net.apply(p, x[i]) for i, p in enumerate(lone)]))
    (features,) = net.features(stacked, x)
    assert torch.equal(features, torch.stack([net.features(p, x[i])[0] for i, p in enumerate(lone)]))
    assert pickle.loads(pickle.dumps(net)).__dict__.get("_loop") is None


# -- 4. features --------------------------------------------------------------------------------------------------
def test_features_lone_and_stacked(one_thread):
    net = NETS["conv"]
    params = net.init(0)
    x = one_hot(6, V, D, 1)
    module = module_with(net, params)
    with torch.no_grad():
        h1 = module[1](module[0](x))
        h2 = module[3](module[2](h1))
    f1, f2 = net.features(params, x)
    assert torch.equal(f1, h1) and torch.equal(f2, h2) and f1.shape == (6, 6, D // 2) and f2.shape == (6, 6, D // 4)
    stacked = net.init_ensemble([0, 1])
    xs = one_hot(6, V, D, 1, lead=(2,))
    for k, f in enumerate(net.features(stacked, xs)):
        lone = torch.stack([net.features(p, xs[i])[k] for i, p in enumerate(unstack_params(stacked))])
        assert f.shape == (2, 6, 6, D // 2 ** (k + 1))
        assert (f - lone).abs().max() <= 4 * torch.finfo(f.dtype).eps * lone.abs().max()
    assert not any(m._forward_hooks for m in net._template.modules())  # the hooks were removed
    bare = TorchNetwork(conv1d, shape=(V, D), outputs=N_C)
    with pytest.raises(ValueError, match="layers=\\(\\) names no submodules"):
        bare.features(params, x)


# -- 5. training ------------------------------------------------------------------------------------------------
def test_train_one_and_ensemble(one_thread):
    net = NETS["mlp"]
    p = 64
    xs = one_hot(p, V, D, 11, lead=(3,))
    ys = (xs[..., 0].argmax(-1) + xs[..., 1].argmax(-1)) % N_C  # a rule of the first two tokens
    config = TrainConfig(lr=0.05, batch_size=16, max_steps=300, loss_threshold=0.05)
    seeds = [0, 1, 2]
    stacked = net.init_ensemble(seeds)
    final, results = train_ensemble(net, stacked, xs, ys, seeds=seeds, config=config)
    for i, s in enumerate(seeds):
        start = float(evaluate(net, net.init(s), xs[i], ys[i])[0])
        params, result = train_one(net, net.init(s), xs[i], ys[i], seed=s, config=config)
        assert result.train_loss < 0.5 * start and not result.diverged
        assert result == results[i]  # the same record, bit for bit (one thread)
        assert all(torch.equal(params[k], final[k][i]) for k in params)


# -- 6. run key, validation, pickling ---------------------------------------------------------------------------
def test_run_key_holds_the_factory_and_its_source():
    d = to_dict(NETS["mlp"])
    assert d["kind"] == "torch_module" and d["factory"]["callable"] == f"{__name__}:MLP"
    assert len(d["factory"]["source"]) == 16 and d["options"] == [["width", 16]] and d["shape"] == [V, D]
    other = to_dict(dataclasses.replace(NETS["mlp"], factory=mlp_twin))
    assert other["factory"]["source"] != d["factory"]["source"]
    assert canonical_json(NETS["mlp"]) != canonical_json(dataclasses.replace(NETS["mlp"], factory=mlp_twin))
    with pytest.raises(TypeError, match="define it at a module's top level"):
        to_dict(lambda input_shape, n_out: None)


def test_editing_the_factory_changes_the_key(tmp_path, monkeypatch):
    path = tmp_path / "user_model_v.py"
    source = "import torch\n\ndef factory(input_shape, n_out):\n    return torch.nn.Linear(input_shape[0], n_out{})\n"
    path.write_text(source.format(""))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("user_model_v")
    try:
        before = canonical_json(TorchNetwork(module.factory, shape=(3,), outputs=2))
        path.write_text(source.format(", bias=False"))  # an edit of the factory's code
        module = importlib.reload(module)
        after = canonical_json(TorchNetwork(module.factory, shape=(3,), outputs=2))
    finally:
        sys.modules.pop("user_model_v", None)
    assert before != after and '"callable":"user_model_v:factory"' in after


def test_existing_run_keys_are_unchanged():
    """The callables' branch of to_dict left every other spec's key as it was (sha256 of canonical_json
    computed before the change). If a spec below changed on purpose, update its hash."""
    from scalingcheck.simulate.data import Stripe
    from scalingcheck.simulate.experiments.kernel_methods import KernelSVCSpec
    from scalingcheck.simulate.experiments.rhm import RHMCorrelationSpec
    from scalingcheck.simulate.learners.kernels import Laplace

    specs = {
        "0f5e97ed8be09c400c387576e19b007f57ab5f240aabfc1f1879c805c25095f6":
            RHMCorrelationSpec(n_c=4, v=8, m=3, s=2, L=2, p=64),
        "de96c763d1529559a774dfcf788900cabbc1b67872891e18f49b2a3663459330":
            KernelSVCSpec(Stripe(2), Laplace(10.0), p=512, n_test=2000, device="cpu"),
    }
    for digest, spec in specs.items():
        assert hashlib.sha256(canonical_json(spec).encode()).hexdigest() == digest, type(spec).__name__


def nested_factory():
    def factory(input_shape, n_out):
        return torch.nn.Linear(input_shape[0], n_out)

    return factory


@pytest.mark.parametrize("field, value, message", [
    ("factory", lambda input_shape, n_out: torch.nn.Linear(2, 2), "define.* at a module's top level"),
    ("factory", nested_factory(), "module's top level"),
    ("factory", torch.relu, "factory=.*must be a function or class"),
    ("factory", 3, "factory=3 must be a function or class"),
    ("factory", not_a_module, "must return a torch.nn.Module, got str"),
    ("factory", normed, "'2' \\(BatchNorm1d\\) tracks running statistics"),
    ("options", {"width": 3}, "options=.*must be a tuple of \\(name, value\\) pairs"),
    ("options", (("width",),), "options=.*must be a tuple of \\(name, value\\) pairs"),
    ("options", ((1, 2),), "options=.*must be a tuple of \\(name, value\\) pairs"),
    ("options", (("n_out", 2),), "options names \\['n_out'\\] must be distinct"),
    ("options", (("width", 2), ("width", 3)), "options names .* must be distinct"),
    ("options", (("width", [2]),), "options=.*hashable"),
    ("options", (("depth", 2),), "factory=.*:MLP cannot be called with input_shape=\\(4, 8\\), n_out=3 and .*'depth'"),
    ("layers", "net.2", "layers='net.2' must be a tuple"),
    ("layers", ("net.9",), "layers=.*no submodule 'net.9'; allowed: 'net', 'net.0'"),
    ("shape", [4, 8], "shape=.*must be None or a non-empty tuple"),
    ("shape", (), "shape=.*must be None or a non-empty tuple"),
    ("shape", (4, 0), "shape\\[1\\]=0 must be an integer >= 1"),
    ("shape", (4, 2.0), "shape\\[1\\]=2.0 must be an integer"),
    ("outputs", 0, "outputs=0 must be an integer >= 1"),
    ("outputs", True, "outputs=True must be an integer"),
    ("readout", "mean_field", "readout='mean_field'; allowed: standard"),
])
def test_bad_fields_are_refused(field, value, message):
    fields = dict(factory=MLP, options=(), layers=("net.2",), shape=(V, D), outputs=N_C)
    with pytest.raises(ValueError, match=message):
        TorchNetwork(**{**fields, field: value})


def test_outputs_of_the_wrong_shape_are_refused():
    net = TorchNetwork(two_outputs, shape=(5,), outputs=3)
    with pytest.raises(ValueError, match=r"returned \[4, 2\]; outputs must have shape \[4, 3\]"):
        net.apply(net.init(0), torch.zeros(4, 5))
    with pytest.raises(ValueError, match=r"returned \[2, 4, 2\]; outputs must have shape \[2, 4, 3\]"):
        net.apply(net.init_ensemble([0, 1]), torch.zeros(2, 4, 5))


def test_pickles_to_an_equal_network():
    net = NETS["conv"]
    net.param_shapes()  # builds the cached module
    assert "_template" in net.__dict__
    copy = pickle.loads(pickle.dumps(net))
    assert copy == net and hash(copy) == hash(net) and "_template" not in copy.__dict__
    x = one_hot(3, V, D, 0)
    assert torch.equal(copy.apply(copy.init(1), x), net.apply(net.init(1), x))


# -- 7. inside a run spec ------------------------------------------------------------------------------------------
def test_check_spec_accepts_a_spec_holding_a_torch_network():
    spec = NetSpec(NETS["mlp"])
    check_spec(spec, picklable=True)
    assert pickle.loads(pickle.dumps(spec)) == spec and spec.key(0) == NetSpec(NETS["mlp"]).key(0)
    assert spec.key(0) != NetSpec(dataclasses.replace(NETS["mlp"], factory=mlp_twin)).key(0)
    with pytest.raises(SpecError, match="field net: .*top level"):
        check_spec(NetSpec(_Unchecked(lambda input_shape, n_out: None)))


@dataclass(frozen=True)
class _Unchecked:
    """A dataclass holding a lambda, without TorchNetwork's checks: check_spec refuses it."""

    factory: object
