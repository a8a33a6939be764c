"""The GPU benchmark's own logic, run on the CPU at toy sizes (its one chance on a GPU lease must not crash)."""
import importlib.util
import sys
from pathlib import Path

import pytest

from scalingcheck.simulate.runs.device import DEVICE_ENV
from scalingcheck.simulate.runs.device_rates import DeviceRate

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def device_kinds(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    spec = importlib.util.spec_from_file_location("device_kinds", ROOT / "benchmarks" / "device_kinds.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setitem(sys.modules, "device_kinds", module)
    return module


def test_device_kinds_picks_gpu_sized_tasks_and_measures_them(device_kinds, monkeypatch, one_thread):
    """Each kind of the toy suite: the task a GPU would get (within the budget), a CPU sample of it within the
    CPU budget, and a rate with the CPU against a second device ("cpu" here: the speed-up is then about 1)."""
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    tasks = device_kinds.gpu_tasks("toy", budget=5.0, kinds=["rhm_learning", "krr"])
    assert set(tasks) == {"rhm_learning", "krr"}
    rhm = tasks["rhm_learning"]
    assert rhm.cost() <= 5.0 and len({spec.batch_group() for spec, _ in rhm.points}) == 1
    whole = device_kinds.gpu_tasks("toy", budget=1e9, kinds=["rhm_learning"])["rhm_learning"]
    assert len(whole.points) > rhm.spec.batch_limit  # with room, a GPU batch beyond the CPU's limit
    rates, line = device_kinds.measure(tasks["krr"], 1.0, "cpu", "test", "2026-12-06", "toy")
    assert [(r.kind, r.batch) for r in rates] == [("krr", 1)] and line.strip()
    assert all(isinstance(r, DeviceRate) and 0.1 < r.speedup < 10 for r in rates)
    rates, line = device_kinds.measure(rhm, 1.5, "cpu", "test", "2026-12-06", "toy")
    assert [r.batch for r in rates] == [len(device_kinds.cpu_sample(
        sorted(rhm.points, key=lambda point: point[0].cost()), 16, 1.5)), len(rhm.points)]
    assert device_kinds.measure(rhm, 0.0, "cpu", "test", "2026-12-06", "toy")[0] == []  # over the CPU budget
    points = sorted(rhm.points, key=lambda point: point[0].cost())
    assert device_kinds.cpu_sample(points, 16, 0.0) == []
    picked = device_kinds.cpu_sample(points, 4, 1e9)
    assert len(picked) == min(4, len(points)) and picked == sorted(set(picked))
