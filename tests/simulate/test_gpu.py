"""The CUDA path gives the CPU numbers (run with `python -m pytest -m gpu` on a machine with CUDA)."""
import math

import pytest
import torch

from scalingcheck.simulate.data import DepletedStripe, Stripe
from scalingcheck.simulate.experiments.feature_lazy import AlphaTrainingSpec
from scalingcheck.simulate.experiments.kernel_methods import KernelRegressionSpec, KernelSVCSpec
from scalingcheck.simulate.experiments.rhm import RHMLearningSpec
from scalingcheck.simulate.networks import HierarchicalCNN, TwoLayerReLU
from scalingcheck.simulate.learners.gradient_flow import FlowConfig
from scalingcheck.simulate.learners.kernels import Laplace
from scalingcheck.simulate.learners.training import TrainConfig
from scalingcheck.simulate.runs.device import default_device
from scalingcheck.simulate.runs.spec import run, run_batch, run_points

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


def test_the_default_device_is_cuda_when_present():
    assert default_device().type == "cuda"
    rec = run(KernelRegressionSpec(DepletedStripe(2, 1.0), Laplace(1.0), p=64, n_test=100), 0)
    assert rec["device"].startswith("cuda")


def test_krr_on_cuda_matches_cpu():
    cpu = KernelRegressionSpec(DepletedStripe(2, 1.0), Laplace(1.0), p=512, n_test=2000, device="cpu")
    a, b = run(cpu, 0), run(cpu.replace(device="cuda"), 0)
    assert b["mse"] == pytest.approx(a["mse"], rel=1e-8)


def test_svc_on_cuda_matches_cpu():
    cpu = KernelSVCSpec(Stripe(2), Laplace(10.0), p=512, n_test=2000, device="cpu")
    assert run(cpu.replace(device="cuda"), 0)["test_error"] == run(cpu, 0)["test_error"]


def test_batched_rhm_learning_on_cuda_is_close_to_cpu():
    """float32 training on two devices: the same learning curve point up to rounding (not bit for bit)."""
    cpu = RHMLearningSpec(4, 8, 3, 2, 3, p=256, net=HierarchicalCNN(width=32), n_test=512, train=TrainConfig(lr=0.1),
                          sensitivity_level=1, device="cpu")
    a, b = run_batch(cpu, [0, 1]), run_batch(cpu.replace(device="cuda"), [0, 1])
    for x, y in zip(a, b):
        assert x["converged"] and y["converged"]
        assert y["test_error"] == pytest.approx(x["test_error"], abs=0.03)
        assert y["sensitivity_top"] == pytest.approx(x["sensitivity_top"], abs=0.05)


def test_batched_flow_on_cuda_matches_cpu():
    flow = FlowConfig(loss="hinge", tau=100.0, max_dout=1.0, max_dgrad=math.inf, max_steps=20000)
    cpu = AlphaTrainingSpec(Stripe(d=2), p=64, alpha=1e-2, net=TwoLayerReLU(width=32), n_test=1024, flow=flow, device="cpu")
    a, b = run_batch(cpu, [0, 1]), run_batch(cpu.replace(device="cuda"), [0, 1])
    for x, y in zip(a, b):
        assert y["converged"] and y["test_error"] == pytest.approx(x["test_error"], abs=0.01)


def test_a_learning_curve_batched_across_p_on_cuda_is_close_to_cpu():
    """`run_points` over specs that differ only in p (one batch group, each network on its own P) on CUDA."""
    base = RHMLearningSpec(4, 8, 3, 2, 3, p=128, net=HierarchicalCNN(width=32), n_test=512, train=TrainConfig(lr=0.1), device="cpu")
    points = [(base.replace(p=p), seed) for p in (128, 256) for seed in (0, 1)]
    a = run_points(points)
    b = run_points([(spec.replace(device="cuda"), seed) for spec, seed in points])
    for x, y in zip(a, b):
        assert (x["p"], x["seed"]) == (y["p"], y["seed"]) and y["batch"] == 4
        assert y["converged"] and y["test_error"] == pytest.approx(x["test_error"], abs=0.03)


def test_flows_batched_across_alpha_on_cuda_match_cpu():
    """Flows of one p at two alphas in one batch (one inertia per model) on CUDA: float64, so close to the CPU."""
    flow = FlowConfig(loss="hinge", tau=100.0, max_dout=1.0, max_dgrad=math.inf, max_steps=20000)
    base = AlphaTrainingSpec(Stripe(d=2), p=64, alpha=1e-2, net=TwoLayerReLU(width=32), n_test=1024, flow=flow, device="cpu")
    points = [(base.replace(alpha=alpha), seed) for alpha in (1e-2, 1e2) for seed in (0, 1)]
    a = run_points(points)
    b = run_points([(spec.replace(device="cuda"), seed) for spec, seed in points])
    for x, y in zip(a, b):
        assert y["converged"] == x["converged"] and y["test_error"] == pytest.approx(x["test_error"], abs=0.01)


def test_a_gpu_sized_batch_is_close_to_lone_runs_on_cuda():
    """48 networks (4 P x 12 seeds, three times the CPU's batch limit) as one batched model on CUDA against lone
    CUDA runs of a sample of them. float32 on a GPU is not bit for bit across batch sizes (cuBLAS may choose
    other kernels for another batch count), so the stated tolerance is that of the CPU-against-CUDA tests above:
    the test error within 0.03 (15 of 512 test points), both converged."""
    base = RHMLearningSpec(4, 8, 3, 2, 3, p=256, net=HierarchicalCNN(width=32), n_test=512, train=TrainConfig(lr=0.1),
                           device="cuda")
    points = [(base.replace(p=p), seed) for p in (64, 128, 192, 256) for seed in range(12)]
    batched = run_points(points)
    assert all(r["batch"] == 48 and r["device"].startswith("cuda") for r in batched)
    for (spec, seed), record in list(zip(points, batched))[::7]:
        alone = run(spec, seed)
        assert alone["converged"] and record["converged"]
        assert record["test_error"] == pytest.approx(alone["test_error"], abs=0.03)


def test_auto_sends_a_batch_to_the_gpu_where_the_measured_rates_say_so(tmp_path, monkeypatch):
    """The rule reads a machine's own rates: a kind measured 3x faster at batch 32 goes to CUDA there, and its
    records name the device."""
    from scalingcheck.simulate.runs.device import DEVICE_ENV
    from scalingcheck.simulate.runs.device_rates import RATES_ENV, DeviceRate, write_rates

    path = tmp_path / "rates.json"
    write_rates(path, [DeviceRate("rhm_learning", 32, 3.0, "test", "2026-12-06"),
                       DeviceRate("rhm_learning", 1, 0.5, "test", "2026-12-06")])
    monkeypatch.setenv(RATES_ENV, str(path))
    monkeypatch.setenv(DEVICE_ENV, "auto")
    base = RHMLearningSpec(4, 8, 3, 2, 3, p=64, net=HierarchicalCNN(width=16), n_test=128, train=TrainConfig(lr=0.1))
    records = run_points([(base, seed) for seed in range(32)] + [(base.replace(p=32), 0)])
    assert all(r["device"].startswith("cuda") for r in records)
    assert run(base, 0)["device"] == "cpu"


def test_relative_stability_seeds_batched_on_cuda_are_close_to_lone_runs():
    """The seeds of a relative-stability spec as one batched model on CUDA (gpu_batch_limit 8) against lone CUDA
    runs: float32 training, so within the rounding a short training amplifies (relative 1e-3 on R)."""
    from scalingcheck.simulate.data.images import Digits
    from scalingcheck.simulate.experiments.stability import RelativeStabilitySpec
    from scalingcheck.simulate.networks.standard import lenet

    spec = RelativeStabilitySpec(data=Digits(16), net=lenet(), p_train=64, n_test=32, n_probe=16, device="cuda",
                                 train=TrainConfig(lr=0.05, batch_size=16, max_steps=20))
    batched = run_points([(spec, seed) for seed in range(4)])
    assert all(r["batch"] == 4 for r in batched)
    for seed, record in enumerate(batched):
        alone = run(spec, seed)
        assert record["steps"] == alone["steps"]
        assert record["R"] == pytest.approx(alone["R"], rel=1e-3) and record["R_init"] == pytest.approx(alone["R_init"], rel=1e-3)
