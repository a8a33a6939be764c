"""Where runs execute: the device rule (`simulate.runs.device`) and the executor's GPU workers."""
import pytest
import torch

from scalingcheck.simulate.data import Stripe
from scalingcheck.simulate.experiments.feature_lazy import AlphaTrainingSpec
from scalingcheck.simulate.experiments.kernel_methods import KernelRegressionSpec
from scalingcheck.simulate.experiments.rhm import RHMLearningSpec, SparseRHMLearningSpec
from scalingcheck.simulate.learners.kernels import Laplace
from scalingcheck.simulate.runs import device as devmod
from scalingcheck.simulate.runs.device import DEVICE_ENV, default_device, device_mode, spec_device
from scalingcheck.simulate.runs.spec import run
from tests.toy import PidToy

KRR = KernelRegressionSpec(Stripe(2), Laplace(1.0), p=16, n_test=16)
FLOW = AlphaTrainingSpec(Stripe(d=2), p=8, alpha=1.0)
RHM = RHMLearningSpec(4, 8, 2, 2, 2, p=16, n_test=16)


@pytest.fixture
def cuda_present(monkeypatch):
    """Pretend CUDA is there (only device objects are built, nothing runs on it)."""
    monkeypatch.setattr(devmod.torch.cuda, "is_available", lambda: True)


def test_mode_defaults_to_auto_and_names_the_allowed_values(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert device_mode() == "auto"
    monkeypatch.setenv(DEVICE_ENV, " CPU ")
    assert device_mode() == "cpu"
    monkeypatch.setenv(DEVICE_ENV, "tpu")
    with pytest.raises(ValueError, match="SCALINGCHECK_DEVICE='tpu' must be one of auto, cpu, cuda"):
        device_mode()


def test_auto_sends_only_kinds_that_gain_to_the_gpu(monkeypatch, cuda_present):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert spec_device(KRR).type == "cuda"
    assert spec_device(SparseRHMLearningSpec(4, 8, 2, 2, 2, p=16, n_test=16)).type == "cuda"
    assert spec_device(FLOW).type == "cpu" and spec_device(RHM).type == "cpu"
    # a device set in the spec wins over the kind's preference
    assert spec_device(FLOW.replace(device="cuda")).type == "cuda"


def test_cpu_and_cuda_modes_apply_to_every_kind(monkeypatch, cuda_present):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert default_device().type == "cpu"
    assert {spec_device(s).type for s in (KRR, FLOW, RHM)} == {"cpu"}
    assert spec_device(KRR.replace(device="cuda")).type == "cuda"
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    assert {spec_device(s).type for s in (KRR, FLOW, RHM)} == {"cuda"}


def test_cuda_mode_without_cuda_is_an_error(monkeypatch):
    monkeypatch.setattr(devmod.torch.cuda, "is_available", lambda: False)
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    with pytest.raises(ValueError, match="CUDA is not available"):
        default_device()


def test_the_mode_changes_no_key_and_the_record_names_the_device(monkeypatch):
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    rec = run(KRR, 0)
    monkeypatch.setenv(DEVICE_ENV, "auto")
    assert rec["device"] == "cpu" and rec["key"] == KRR.key(0)
    if not torch.cuda.is_available():
        assert run(KRR, 0) == {**rec, "seconds": pytest.approx(rec["seconds"], abs=60)}


def test_gpu_tasks_go_to_the_gpu_workers_only(monkeypatch):
    """With 3 workers and gpu_workers=1, the 'GPU' tasks (even p here) run in one process, the others in
    the two remaining ones."""
    from scalingcheck.simulate.runs import executors, sweep

    monkeypatch.setattr(executors, "_on_gpu", lambda task: task.spec.p % 2 == 0)
    items = [sweep.Task(((PidToy(p=p, sleep=0.05), 0),)) for p in range(12)]
    records = [recs[0] for _, recs in sweep.ProcessExecutor(workers=3, gpu_workers=1).map_unordered(sweep._execute, items)]
    gpu = {r["pid"] for r in records if r["p"] % 2 == 0}
    cpu = {r["pid"] for r in records if r["p"] % 2 == 1}
    assert len(records) == 12 and len(gpu) == 1 and 1 <= len(cpu) <= 2 and not gpu & cpu


def test_gpu_workers_is_checked():
    from scalingcheck.simulate.runs.sweep import ProcessExecutor

    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="gpu_workers"):
            ProcessExecutor(workers=2, gpu_workers=bad)
