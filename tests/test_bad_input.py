"""Bad input is refused up front with a one-line ValueError naming the parameter.

A property test fuzzes the public constructors (data models, networks, learners, observables,
specs) and every prediction's evaluation with bad values (booleans, strings, None, NaN, inf,
negative numbers, zero, huge integers, floats where integers are required): each call either
raises ``ValueError`` whose message names the parameter, or, where the value is legitimately
valid, gives an object whose first use returns finite numbers. Never another exception type,
never a hang (a hypothesis deadline of a few seconds), never a silent NaN. Then the regression
tests of the faults a reliability review found.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import scalingcheck as sc
from scalingcheck.simulate.data.images import Digits
from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.learners.krr import KRRSolveError, krr_coefficients, krr_fit_predict
from scalingcheck.simulate.learners.svc import fit_svc
from scalingcheck.simulate.runs import checks
from scalingcheck.theory.registry import REGISTRY

BAD_VALUES = (
    True, False, None, "2", "abc", b"2", [2], (2,),
    float("nan"), float("inf"), -float("inf"), 1e308, -0.0, 1e-300, 2.5, 2.0, -2.0,
    -1, 0, 1, 2, 3, 10**12, 10**400, -(10**400), np.int64(2), np.float64("nan"), np.bool_(True),
)
"""Bad (and some valid) values for one parameter; the other parameters keep tiny valid values."""

KNOWN_OVERFLOW = (("IdealPoolingNet", "bias", 1e308),)
"""Valid values whose first use overflows: the idealised pooling net adds its bias to sums of activations
in the input's dtype, so a bias near the float range gives inf (a bound would depend on the dtype)."""

FUZZ = settings(max_examples=1000, deadline=5000, suppress_health_check=[HealthCheck.too_slow])


def _finite(value: Any) -> bool:
    """Every number in `value` (a tensor, an array, a number, or a tuple/list/dict of them) is finite."""
    if isinstance(value, torch.Tensor):
        return not value.is_floating_point() or bool(torch.isfinite(value).all())
    if isinstance(value, np.ndarray):
        return value.dtype.kind not in "fc" or bool(np.isfinite(value).all())
    if isinstance(value, (float, int)):
        return math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


@dataclass(frozen=True)
class Case:
    """A public constructor (or function) with tiny valid keyword arguments and a first use of its result."""

    name: str
    factory: Callable[..., Any]
    kwargs: dict[str, Any]
    use: Callable[[Any], Any] = lambda obj: obj


def _net_use(obj):
    params = obj.init(0, device="cpu")
    x = torch.zeros(2, *obj.input_shape)
    return obj.apply(params, x)


def _data_use(obj):
    return obj.sample(3, 0, device="cpu")


def _kernel_use(obj):
    return obj(torch.linspace(-1, 1, 8, dtype=torch.float64).reshape(4, 2))


_T = 0.002  # below T_max = 4/(pi^3 c^2 ln c) at c = 2
_RHM = dict(n_c=2, v=3, m=2, s=2, L=2)

CASES = (
    # data models
    Case("Stripe", sc.Stripe, dict(d=2), _data_use),
    Case("Cylinder", sc.Cylinder, dict(d=3, d_par=2), _data_use),
    Case("DepletedStripe", sc.DepletedStripe, dict(d=2, chi=1.0), _data_use),
    Case("RandomHierarchyModel", sc.RandomHierarchyModel, dict(**_RHM, rules_seed=0), _data_use),
    Case("SparseRandomHierarchyModel", sc.SparseRandomHierarchyModel, dict(**_RHM, s0=1, rules_seed=0), _data_use),
    Case("ScaleDetection1D", sc.ScaleDetection1D, dict(d=8, xi=2, task=2, gap=0.0, value=None),
         lambda t: t.split(2, 2, 0, device="cpu")),
    Case("ScaleDetection2D", sc.ScaleDetection2D, dict(d=6, xi=3.0, gap=0.0, value=1.0),
         lambda t: t.split(2, 2, 0, device="cpu")),
    Case("digits", sc.digits, dict(size=8, seed=None, device="cpu")),
    Case("synthetic_images", sc.synthetic_images, dict(n=4, count=2, seed=0, channels=1, blobs=1, device="cpu")),
    # networks
    Case("HierarchicalCNN", sc.HierarchicalCNN, dict(v=3, n_c=2, s=2, L=2, width=4, bias=False, readout="mean_field"),
         _net_use),
    Case("LocallyConnected", sc.LocallyConnected, dict(v=3, n_c=2, s=2, L=2, width=4, bias=False, readout="standard"),
         _net_use),
    Case("ShallowFCN", sc.ShallowFCN, dict(v=3, n_c=2, d=4, width=4, bias=False, readout="mean_field"), _net_use),
    Case("TwoLayerReLU", sc.TwoLayerReLU, dict(d=2, width=4, readout="mean_field"), _net_use),
    Case("IdealPoolingNet", sc.IdealPoolingNet, dict(N=8, F=2, stride=2, L=2, bias=0.0),
         lambda net: net.apply({}, torch.eye(8).unsqueeze(1))),
    Case("ConvNet1D", sc.ConvNet1D, dict(d=8, F=2, stride=2, L=2, width=4, readout="mean_field"), _net_use),
    Case("ImageFCN", sc.ImageFCN, dict(n=4, channels=1, n_classes=2, width=4, depth=2, readout="standard", bias=False),
         _net_use),
    Case("ImageCNN", sc.ImageCNN, dict(n=4, channels=1, n_classes=2, width=4, blocks=2, convs=1, pooling="max",
                                       readout="standard", bias=False), _net_use),
    # learners
    Case("Laplace", sc.Laplace, dict(sigma=1.0), _kernel_use),
    Case("ExpPower", sc.ExpPower, dict(sigma=1.0, xi=1.5), _kernel_use),
    Case("TrainConfig", sc.TrainConfig, dict(optimizer="sgd", lr=0.3, momentum=0.9, batch_size=4, loss_threshold=0.01,
                                             max_steps=10, eval_every=None, adam_eps=1e-8, loss="hinge",
                                             weight_decay=0.0)),
    Case("FlowConfig", sc.FlowConfig, dict(loss="hinge", softness=20.0, max_dout=0.1, max_dgrad=0.1, dt0=0.01,
                                           min_dt=1e-5, grow=1.1, shrink=0.5, max_steps=10, tau=0.0)),
    # observables
    Case("MaxEntropyDiffeo", sc.MaxEntropyDiffeo, dict(n=8, T=_T, c=2.0, interpolation="bilinear",
                                                       allow_non_diffeo=False),
         lambda diffeo: diffeo(torch.zeros(2, 1, diffeo.n, diffeo.n), 0)),
    Case("SynonymResampling", sc.SynonymResampling, dict(rhm=RandomHierarchyModel(**_RHM), level=1),
         lambda p: p(RandomHierarchyModel(**_RHM).sample(2, 0, device="cpu")[0], 0)),
    Case("BlockShift", sc.BlockShift, dict(task=sc.ScaleDetection1D(8, 2))),
    Case("matched_noise", sc.matched_noise, dict(x=torch.zeros(2, 3), x_moved=torch.ones(2, 3), seed=0,
                                                 per_sample=True, rectify=False)),
    # specs (constructed, not run)
    Case("KernelRegressionSpec", sc.KernelRegressionSpec, dict(data=sc.Stripe(2), kernel=sc.Laplace(), p=4, ridge=0.0,
                                                               n_test=4, device=None)),
    Case("KernelSVCSpec", sc.KernelSVCSpec, dict(data=sc.Stripe(2), kernel=sc.Laplace(), p=4, n_test=4, C=1.0,
                                                 device=None)),
    Case("SpectrumSpec", sc.SpectrumSpec, dict(data=sc.Stripe(2), kernel=sc.Laplace(), n=4, device=None)),
    Case("AlphaTrainingSpec", sc.AlphaTrainingSpec, dict(data=sc.Stripe(2), p=4, alpha=1.0, net=sc.TwoLayerReLU(width=4), n_test=4,
                                                         ntk_points=4, frozen_kernels=False, svc_c=1.0,
                                                         pca_components=2, device=None)),
    Case("RHMLearningSpec", sc.RHMLearningSpec, dict(**_RHM, p=4, rules_seed=None, net=sc.HierarchicalCNN(width=4), n_test=4,
                                                     sensitivity_level=None, device=None)),
    Case("SparseRHMLearningSpec", sc.SparseRHMLearningSpec, dict(**_RHM, p=4, rules_seed=0, net=sc.LocallyConnected(width=4),
                                                                 n_test=4, device=None, s0=1)),
    Case("RHMCorrelationSpec", sc.RHMCorrelationSpec, dict(**_RHM, p=4, rules_seed=0)),
    Case("IdealPoolingSpec", sc.IdealPoolingSpec, dict(net=sc.IdealPoolingNet(N=8, F=2, stride=2, L=2, bias=0.0))),
    Case("TrainedPoolingSpec", sc.TrainedPoolingSpec, dict(data=sc.ScaleDetection1D(8, 2), net=sc.ConvNet1D(L=1, width=4),
                                                           p_train=4, n_test=4, n_probe=2, ridge=0.01,
                                                           noise_rectify=False, noise_per_sample=True, device=None)),
    Case("DiffeoDisplacementSpec", sc.DiffeoDisplacementSpec, dict(n=8, c=2.0, T=_T, n_fields=2)),
    Case("DiffeoInvertibilitySpec", sc.DiffeoInvertibilitySpec, dict(n=8, c=2.0, T=_T, n_fields=2, points=None)),
    Case("RelativeStabilitySpec", sc.RelativeStabilitySpec, dict(data=Digits(16), net=sc.ImageCNN(width=4),
                                                                 p_train=4, n_test=4, n_probe=2, T=None, delta=1.0,
                                                                 c=3.0, interpolation="bilinear", statistic="mean",
                                                                 device=None)),
)


def _check_outcome(call: Callable[[], Any], name: str, what: str) -> None:
    """`call()` returns finite numbers or raises a ValueError naming `name`; nothing else, and quickly."""
    start = time.perf_counter()
    try:
        result = call()
    except ValueError as exc:
        message = str(exc)
        assert name in message, f"{what}: the message does not name {name!r}: {message}"
        assert "\n" not in message, f"{what}: the message is not one line: {message!r}"
    else:
        assert _finite(result), f"{what}: returned non-finite numbers"
    assert time.perf_counter() - start < 5.0, f"{what} took {time.perf_counter() - start:.1f} s"


@st.composite
def bad_calls(draw):
    case = draw(st.sampled_from(CASES))
    name = draw(st.sampled_from(sorted(case.kwargs)))
    value = draw(st.sampled_from(BAD_VALUES))
    return case, name, value


@FUZZ
@given(call=bad_calls())
def test_constructors_refuse_bad_values_or_work(call):
    case, name, value = call
    if any(case.name == c and name == n and type(value) is float and value == v for c, n, v in KNOWN_OVERFLOW):
        return
    kwargs = {**case.kwargs, name: value}
    _check_outcome(lambda: case.use(case.factory(**kwargs)), name, f"{case.name}({name}={value!r})")


_POINT = {"d": 5, "d_par": 2, "s": 2, "v": 4, "m": 2, "n_c": 2, "L": 2, "P": 100, "s0": 1, "lam": 2.0, "xi": 1.0,
          "chi": 1.0, "ridge": 0.1, "F": 2, "k": 2, "p": 4, "T": 0.002, "c": 3.0, "n": 16, "R_f": 0.5, "h": 16,
          "alpha_S": 1.0, "alpha_T": 7.0}


def _valid_point(pred) -> dict[str, Any]:
    """Small parameters at which `pred` evaluates."""
    point = {n: _POINT[n] for n in pred.parameter_names}
    assert math.isfinite(pred.evaluate(**point)), pred.name
    return point


PREDICTIONS = tuple((pred, _valid_point(pred)) for pred in REGISTRY.values() if pred.expr is not None)
HUGE_PARAMETERS = (60, 1000, 10**6, 10**12, 10**300, 1.5e308)


@FUZZ
@given(pick=st.sampled_from(PREDICTIONS), data=st.data())
def test_predictions_refuse_bad_values_or_evaluate(pick, data):
    pred, point = pick
    name = data.draw(st.sampled_from(sorted(point)))
    value = data.draw(st.sampled_from(BAD_VALUES + HUGE_PARAMETERS))
    params = {**point, name: value}
    _check_outcome(lambda: pred.evaluate(**params), name, f"{pred.name}({params})")


# ------------------------------------------------------------------------------------- regressions
# 1. theory


@pytest.mark.parametrize("L", [30, 60, 10**6, 10**300])
def test_huge_prediction_is_refused_quickly(L):
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"rhm_p_max: the value at .*'L'.* exceeds the float range"):
        sc.get_prediction("rhm_p_max").evaluate(n_c=2, m=2, s=2, v=2, L=L)
    assert time.perf_counter() - start < 1.0


def test_tiny_prediction_is_refused_not_zero():
    with pytest.raises(ValueError, match=r"rhm_signal: the value at .*'L'.* underflows the float range"):
        sc.get_prediction("rhm_signal").evaluate(n_c=2, m=2, s=2, v=2, L=10**6)


def test_huge_condition_is_checked_without_exact_powers():
    # m <= v**(s-1) with v**(s-1) = 2**(10**9 - 1): decided from magnitudes, not computed
    assert sc.get_prediction("rhm_sample_complexity").evaluate(n_c=2, m=2, s=10**9, v=2, L=3) == 16.0


def test_normal_values_are_unchanged():
    assert sc.get_prediction("rhm_p_max").evaluate(n_c=2, m=2, s=2, v=2, L=8) == 2.0 * 2**255
    assert sc.get_prediction("beta_lazy").evaluate(d=2) == 0.5
    assert sc.get_prediction("pooling_diffeo_strided").evaluate(F=3, k=600) == float(3.0**-600)


@pytest.mark.parametrize(
    "value, message",
    [
        (True, r"parameter d=True is not a number"),
        ("2", r"parameter d='2' is not a number"),
        (None, r"parameter d=None is not a number"),
        (float("nan"), r"parameter d=nan must be finite"),
        (float("inf"), r"parameter d=inf must be finite"),
        (10**400, r"parameter d=100000\.\.\.0000 \(401 digits\) exceeds the float range"),
    ],
)
def test_prediction_parameters_are_numbers(value, message):
    with pytest.raises(ValueError, match=message):
        sc.get_prediction("beta_lazy").evaluate(d=value)


# 2. the RHM


def test_deep_rhm_p_max_is_cheap_and_its_split_is_refused():
    start = time.perf_counter()
    model = sc.RandomHierarchyModel(n_c=2, v=2, m=2, s=2, L=20)
    assert model.p_max == 2 * 2 ** (2**20 - 1)
    assert time.perf_counter() - start < 2.0
    with pytest.raises(ValueError, match=r"split: p \+ n_test = 100000 \+ 100000 distinct members .* more than the "
                                         r".* of memory available"):
        model.split(10**5, 10**5, seed=0)
    with pytest.raises(ValueError, match=r"n=1000000 members of input_dim=1048576 tokens .* memory available"):
        model.sample(10**6, 0, device="cpu")


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(n_c=2, v=3, m=3, s=2, L=20), r"P_max = n_c\*m\*\*n_nodes = 2\*\*1\.66\d*e\+06 has more than 2\*\*20 bits.* L=20"),
        (dict(n_c=2, v=2, m=2, s=2, L=30), r"input_dim = s\*\*L = 2\*\*30 tokens exceeds 2\*\*24.* L=30"),
        (dict(n_c=2, v=2, m=2, s=2, L=10**400), r"input_dim = s\*\*L .* exceeds 2\*\*24 .*L=100000\.\.\.0000"),
        (dict(n_c=1, v=2, m=1, s=10**6, L=1), r"v\*\*s >= 2\*\*1000000 must be < 2\*\*62"),
        (dict(n_c=2, v=3, m=2, s=2, L=True), r"L=True must be an integer"),
    ],
)
def test_oversized_rhm_is_refused(params, message):
    with pytest.raises(ValueError, match=message):
        sc.RandomHierarchyModel(**params)


def test_rhm_requests_beyond_memory_are_refused():
    model = sc.RandomHierarchyModel(2, 3, 2, 2, 3)
    with pytest.raises(ValueError, match=r"n=1000000000000 members .* memory available"):
        model.sample(10**12, 0, device="cpu")
    with pytest.raises(ValueError, match=r"n=100000\.\.\.0000 \(401 digits\) members"):
        model.sample_choices(10**400, 0, device="cpu")
    with pytest.raises(ValueError, match=r"p \+ n_test = 100 \+ 0 = 100 > p_max=16"):
        sc.RandomHierarchyModel(2, 3, 2, 2, 2).split(100, 0, seed=0)
    with pytest.raises(ValueError, match=r"the rules of the RHM \(n_c=2, v=1073741824.*memory available"):
        sc.RandomHierarchyModel(2, 2**30, 2**30, 2, 1).sample(1, 0, device="cpu")
    sparse = sc.SparseRandomHierarchyModel(2, 3, 2, 2, 2, s0=1)
    with pytest.raises(ValueError, match=r"n=1000000000000 members .*SparseRandomHierarchyModel"):
        sparse.sample(10**12, 0, device="cpu")
    with pytest.raises(ValueError, match=r"input_dim = \(s\*\(s0\+1\)\)\*\*L .* s0=100000"):
        sc.SparseRandomHierarchyModel(2, 3, 2, 2, 2, s0=10**400)


# 3. kernels and kernel ridge regression


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_kernels_refuse_non_finite_inputs(bad):
    x = torch.zeros(3, 2, dtype=torch.float64)
    x_bad = x.clone()
    x_bad[1, 0] = bad
    for kernel in (sc.Laplace(), sc.ExpPower(1.0, 2.0), sc.ReluNTK()):
        with pytest.raises(ValueError, match=r"^x must be finite: it holds 1 NaN or infinite value\(s\)$"):
            kernel(x_bad)
        with pytest.raises(ValueError, match=r"^y must be finite"):
            kernel(x, x_bad)


def test_krr_refuses_non_finite_inputs_and_singular_systems():
    K, y = torch.eye(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^k_train must be finite"):
        krr_coefficients(K * float("nan"), y, 0.0)
    with pytest.raises(ValueError, match=r"^y must be finite"):
        krr_coefficients(K, y * float("inf"), 0.0)
    with pytest.raises(ValueError, match=r"^k_test must be finite"):
        krr_fit_predict(K, y, K * float("nan"), 0.0)
    singular = torch.ones(3, 3, dtype=torch.float64)  # rank 1: Cholesky and LU both fail
    with pytest.warns(RuntimeWarning, match="Cholesky"), pytest.raises(KRRSolveError, match=r"K \+ ridge I is .*singular"):
        krr_coefficients(singular, y, 0.0)
    assert issubclass(KRRSolveError, ValueError)


def test_svc_refuses_bad_input():
    K, y = torch.eye(4, dtype=torch.float64), torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^k_train must be finite"):
        fit_svc(K * float("nan"), y, 1.0)
    with pytest.raises(ValueError, match=r"^y must be finite"):
        fit_svc(K, y * float("nan"), 1.0)
    with pytest.raises(ValueError, match=r"^C=nan must be a finite number"):
        fit_svc(K, y, float("nan"))
    with pytest.raises(ValueError, match=r"^y must hold labels -1 and \+1"):
        fit_svc(K, y * 2, 1.0)


# 4. data models


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_labels_refuse_non_finite_inputs(bad):
    for model, d in ((sc.Stripe(1), 1), (sc.Cylinder(3, 2), 3), (sc.DepletedStripe(2, 1.0), 2)):
        x = torch.zeros(2, d, dtype=torch.float64)
        x[0, 0] = bad
        with pytest.raises(ValueError, match=r"^x must be finite"):
            model.label(x)
    task = sc.ScaleDetection1D(8, 2)
    x = task.images(torch.tensor([[0, 1]]))
    x[0, 0, 5] = bad
    with pytest.raises(ValueError, match=r"^x must be finite"):
        task.label(x)
    with pytest.raises(ValueError, match=r"^images must be finite"):
        sc.as_image_batch(torch.full((2, 4, 4), bad))


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: sc.Stripe(True), r"^d=True must be an integer"),
        (lambda: sc.Stripe("2"), r"^d='2' must be an integer"),
        (lambda: sc.Stripe(10**400), r"^d=100000\.\.\.0000 \(401 digits\) is too large"),
        (lambda: sc.Cylinder(3.0, 2), r"^d=3\.0 must be an integer"),
        (lambda: sc.DepletedStripe(2, True), r"^chi=True must be a finite number"),
        (lambda: sc.DepletedStripe(2, 10**400), r"^chi=100000\.\.\.0000 \(401 digits\) must be a finite number"),
        (lambda: sc.ScaleDetection1D(8, 2, task=True), r"^task=True; allowed: 1, 2"),
        (lambda: sc.ScaleDetection1D(8, 2, task=2.0), r"^task=2\.0; allowed: 1, 2"),
        (lambda: sc.ScaleDetection1D(10**6, 2).n_balanced(), r"the \d+ pairs of pixels of ScaleDetection1D\(d=1000000.* memory"),
        (lambda: sc.ScaleDetection2D(6, 3.0, value=float("nan")), r"^value=nan must be a finite number"),
        (lambda: sc.Stripe(2**30).sample(100, 0, device="cpu"), r"^n=100 points of d=1073741824 coordinates"),
        (lambda: sc.digits(10**6), r"^size=1000000: 1797 digits .* memory"),
    ],
)
def test_data_models_refuse_bad_parameters(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


# 5. networks and observables


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda: sc.HierarchicalCNN(3, 2, 2, 10**400, 4), r"^L=100000\.\.\.0000 \(401 digits\) is too large"),
        (lambda: sc.HierarchicalCNN(3, 2, 2, 40, 4), r"^the input length s\*\*L \(s=2, L=40\) must be <= 2147483647"),
        (lambda: sc.ConvNet1D(8, 1, 1, 10**9, 4), r"^L=1000000000 is too large"),
        (lambda: sc.ImageCNN(4, 1, 2, 4, blocks=10**400), r"^blocks=100000\.\.\.0000 \(401 digits\) is too large"),
        (lambda: sc.HierarchicalCNN(3, 2, 2, 2, 2**31 - 1).init(0, device="cpu"),
         r"^the \d+ parameters of HierarchicalCNN\(v=3, n_c=2, s=2, L=2, width=2147483647.* memory available"),
        (lambda: sc.TwoLayerReLU(2, 4, readout=True), r"^readout=True; allowed"),
        (lambda: sc.MaxEntropyDiffeo(8, 1e-30, 1e12).coefficients(0, 1), r"^batch=1 fields of K x K .* memory"),
        (lambda: sc.SynonymResampling("rhm", 1), r"^rhm must be a RandomHierarchyModel"),
        (lambda: sc.matched_noise(torch.full((2, 2), float("nan")), torch.zeros(2, 2), 0), r"^x must be finite"),
        (lambda: sc.compression_ratio(torch.ones(3, 4), True), r"^d_par=True must be an integer"),
        (lambda: sc.sensitivity(sc.TwoLayerReLU(2, 4), sc.TwoLayerReLU(2, 4).init(0, device="cpu"),
                                torch.full((2, 2), float("inf")), torch.zeros(2, 2)), r"^x must be finite"),
    ],
)
def test_networks_and_observables_refuse_bad_parameters(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()


def test_checks_helpers():
    assert checks.check_size(3, "n") == 3
    with pytest.raises(ValueError, match=r"^n=0 must be an integer >= 1$"):
        checks.check_size(0, "n")
    with pytest.raises(ValueError, match=r"^n=2147483648 is too large: it must be an integer <= 2147483647$"):
        checks.check_size(2**31, "n")
    with pytest.raises(ValueError, match=r"^lr=100000\.\.\.0000 \(401 digits\) must be a finite number > 0$"):
        checks.check_float(10**400, "lr", 0.0, low_open=True)
    with pytest.raises(ValueError, match=r"^a must be finite: it holds 2 NaN or infinite value\(s\)$"):
        checks.check_finite(np.array([1.0, np.nan, np.inf]), "a")
    checks.check_finite(torch.arange(3), "a")  # integers are always finite
    with pytest.raises(ValueError, match=r"^what need about 2\*\*\d+(\.\d+)? GiB, more than the .* GiB of memory available$"):
        checks.check_memory(2**2000, "what")
    assert checks.show(2**20000).startswith("2**")
