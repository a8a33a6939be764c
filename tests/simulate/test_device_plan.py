"""The device rule by measured rates (`simulate.runs.device_rates`) and the GPU's batch sizes in a sweep's plan."""
import json

import pytest
from hypothesis import given, settings, strategies as st

from scalingcheck.simulate.experiments.rhm import RHMLearningSpec
from scalingcheck.simulate.networks import HierarchicalCNN
from scalingcheck.simulate.learners.training import TrainConfig
from scalingcheck.simulate.runs import device_rates
from scalingcheck.simulate.runs.device import DEVICE_ENV, device_type, gains_on_gpu, spec_device
from scalingcheck.simulate.runs.device_rates import (RATES_ENV, DeviceRate, device_rates as rates_in_use,
                                                     gpu_speedup, measured_rate, write_rates)
from scalingcheck.simulate.runs.spec import batch_limit, run_points
from scalingcheck.simulate.runs.sweep import plan
from tests.toy import PidToy, PowerLawToy

RHM = RHMLearningSpec(4, 8, 4, 2, 2, p=16, n_test=16, net=HierarchicalCNN(width=8), train=TrainConfig(lr=0.1))
CURVE = [(RHM.replace(p=p), seed) for p in (8, 16, 24, 32) for seed in range(10)]  # one batch group, 40 runs
ROWS = (DeviceRate("rhm_learning", 4, 0.5, "GPU", "2026-01-01"),
        DeviceRate("rhm_learning", 64, 3.0, "GPU", "2026-01-01"),
        DeviceRate("rhm_learning", 64, 2.0, "GPU", "2025-01-01"))


@pytest.fixture
def auto(monkeypatch):
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    monkeypatch.delenv(RATES_ENV, raising=False)


@pytest.fixture
def rates(monkeypatch, auto):
    """The rule reads ROWS in place of the package's measurements."""
    monkeypatch.setattr(device_rates, "MEASURED", ROWS)


def test_the_measurement_of_the_largest_batch_not_above_stands_for_a_task():
    assert measured_rate("rhm_learning", 100, ROWS) is ROWS[1]  # batch 64, the later of the two
    assert gpu_speedup("rhm_learning", 64, ROWS) == 3.0
    assert gpu_speedup("rhm_learning", 63, ROWS) == 0.5
    assert gpu_speedup("rhm_learning", 1, ROWS) == 0.5  # below every measured batch: the smallest
    assert gpu_speedup("krr", 1, ROWS) is None
    unrecorded = (DeviceRate("svc", None, 1.5, "GPU", "2026-01-01"),)
    assert gpu_speedup("svc", 1, unrecorded) == gpu_speedup("svc", 500, unrecorded) == 1.5


def test_auto_decides_by_the_speedup_at_the_batch_size(rates):
    assert not gains_on_gpu(RHM, 16) and gains_on_gpu(RHM, 64)
    assert gains_on_gpu(PowerLawToy(), 1)  # a kind never measured goes to the GPU
    assert device_type(RHM, 16, cuda=True) == "cpu" and device_type(RHM, 64, cuda=True) == "cuda"
    assert device_type(RHM, 64, cuda=False) == "cpu"
    assert device_type(PowerLawToy(), 1, cuda=True) == "cpu"  # no device field: a CPU kind


def test_a_spec_class_may_decide_for_itself(rates):
    class Always(PidToy):
        kind = "rhm_learning"  # measured slower at small batches, but the class says
        gpu_gain = True

    assert gains_on_gpu(Always(), 1)
    assert spec_device(PidToy(device="cpu"), 64, cuda=True).type == "cpu"  # a spec's device wins


def test_the_modes_override_the_measurements(monkeypatch, rates):
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    assert device_type(RHM, 1, cuda=True) == "cuda"
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert device_type(RHM, 64, cuda=True) == "cpu"


def test_a_machines_own_rates_replace_the_packages_for_their_kinds(tmp_path, monkeypatch, auto):
    path = tmp_path / "rates.json"
    write_rates(path, [DeviceRate("krr", 1, 0.25, "my GPU", "2026-12-06", 1.0, 4.0)])
    monkeypatch.setenv(RATES_ENV, str(path))
    assert gpu_speedup("krr", 1) == 0.25
    assert gpu_speedup("rhm_learning", 4) == gpu_speedup("rhm_learning", 4, device_rates.MEASURED)
    assert sum(r.kind == "krr" for r in rates_in_use()) == 1
    path.write_text(json.dumps({"rows": []}))
    with pytest.raises(ValueError, match=f"{RATES_ENV}=.*not a rates file"):
        gpu_speedup("krr", 1)
    monkeypatch.setenv(RATES_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(ValueError, match=f"{RATES_ENV}=.*cannot read it"):
        rates_in_use()


def test_every_package_measurement_is_a_positive_speedup():
    assert device_rates.MEASURED
    for rate in device_rates.MEASURED:
        assert rate.speedup > 0 and rate.date and rate.device
        if rate.cpu_seconds is not None:
            assert rate.speedup == pytest.approx(rate.cpu_seconds / rate.gpu_seconds)


def test_a_gpu_plan_batches_a_whole_curve_and_a_cpu_plan_cuts_it(rates):
    assert batch_limit(RHM, "cuda") == 512 and batch_limit(RHM, "cpu") == 16
    cpu = plan(CURVE, cuda=False)
    assert sorted(len(t.points) for t in cpu) == [13, 13, 14]
    gpu = plan(CURVE, cuda=True)  # a batch of 40: the batch-4 measurement (0.5x) stands for it, so it runs on
    # the CPU, cut to the CPU's limit
    assert sorted(len(t.points) for t in gpu) == [13, 13, 14]
    more = [(RHM.replace(p=p), seed) for p in (8, 16, 24, 32) for seed in range(20)]  # 80 runs
    tasks = plan(more, cuda=True)
    assert [len(t.points) for t in tasks] == [80]
    assert sorted((s.p, seed) for s, seed in tasks[0].points) == sorted((s.p, seed) for s, seed in more)


def test_cuda_mode_plans_the_gpu_limit_whatever_was_measured(monkeypatch, rates):
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    assert [len(t.points) for t in plan(CURVE, cuda=True)] == [40]
    assert sorted(len(t.points) for t in plan(CURVE, batch=False, cuda=True)) == [1] * 40


def test_a_batch_over_the_cpu_limit_is_refused_on_the_cpu(auto):
    with pytest.raises(ValueError, match="40 runs exceed the batch limit 16 of RHMLearningSpec"):
        run_points(CURVE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 1000)), st.floats(0.01, 100.0)), min_size=1, max_size=6),
       st.integers(1, 2000))
def test_the_rate_that_stands_for_a_batch_is_the_nearest_measured_below(rows, batch):
    rates = tuple(DeviceRate("k", b, s, "d", "2026-01-01") for b, s in rows) + (DeviceRate("other", 1, 9.0, "d", "x"),)
    got = measured_rate("k", batch, rates)
    eligible = [r for r in rates[:-1] if r.batch is None or r.batch <= batch]
    if eligible:
        assert got in eligible and (got.batch or 0) == max(r.batch or 0 for r in eligible)
    else:
        assert got.batch == min(r.batch for r in rates[:-1])
    assert gpu_speedup("k", batch, rates) == got.speedup and measured_rate("none", batch, rates) is None


@pytest.mark.parametrize("row, message", [
    ({"speedup": float("nan")}, "speedup=nan must be a finite number > 0"),
    ({"batch": 0}, "batch=0 must be an integer >= 1"),
    ({"kind": 3}, "kind=3 must be a string"),
])
def test_a_bad_rate_names_its_field(tmp_path, monkeypatch, auto, row, message):
    good = {"kind": "krr", "batch": 1, "speedup": 2.0, "device": "GPU", "date": "2026-12-06"}
    with pytest.raises(ValueError, match=message):
        DeviceRate(**{**good, **row})
    path = tmp_path / "rates.json"
    path.write_text(json.dumps({"rates": [{**good, **row}]}))
    monkeypatch.setenv(RATES_ENV, str(path))
    with pytest.raises(ValueError, match=f"{RATES_ENV}=.*not a rates file.*{message.split('=')[0]}"):
        gpu_speedup("krr", 1)


def test_a_spec_asking_for_cuda_where_there_is_none_fails_run_by_run_not_in_the_plan(auto):
    """A spec built where its device is absent plans as a CPU task; its runs then fail, each saying why."""
    from scalingcheck.simulate.runs.store import MemoryStore
    from scalingcheck.simulate.runs.sweep import SerialExecutor, SweepError, execute
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present here")
    points = [(RHM.replace(device="cuda"), seed) for seed in range(3)]
    assert [len(t.points) for t in plan(points)] == [3]
    with pytest.raises(SweepError, match="3 of 3 runs failed.*CUDA is not available"):
        execute(points, MemoryStore(), executor=SerialExecutor(), progress=False)
