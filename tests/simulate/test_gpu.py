"""The CUDA path gives the CPU numbers (run with `python -m pytest -m gpu` on a machine with CUDA)."""
import pytest
import torch

from scalingcheck.simulate.data.depleted_stripe import DepletedStripe
from scalingcheck.simulate.data.stripe import Stripe
from scalingcheck.simulate.learners.kernels import Laplace
from scalingcheck.simulate.experiments.kernel_methods import KernelRegressionSpec
from scalingcheck.simulate.runs.spec import run
from scalingcheck.simulate.experiments.kernel_methods import KernelSVCSpec

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")]


def test_krr_on_cuda_matches_cpu():
    cpu = KernelRegressionSpec(DepletedStripe(2, 1.0), Laplace(1.0), p=512, n_test=2000)
    a, b = run(cpu, 0), run(cpu.replace(device="cuda"), 0)
    assert b["mse"] == pytest.approx(a["mse"], rel=1e-8)


def test_svc_on_cuda_matches_cpu():
    cpu = KernelSVCSpec(Stripe(2), Laplace(10.0), p=512, n_test=2000)
    assert run(cpu.replace(device="cuda"), 0)["test_error"] == run(cpu, 0)["test_error"]
