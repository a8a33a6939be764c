"""The device plan that ``scalingcheck run --dry-run`` prints (`compare.device_plan`)."""
import os

import pytest

from scalingcheck.compare.cli import main
from scalingcheck.compare.device_plan import device_plan, plan_lines
from scalingcheck.simulate.runs import device_rates
from scalingcheck.simulate.runs.device import DEVICE_ENV
from tests.simulate.test_device_plan import CURVE, ROWS, auto, rates  # noqa: F401 (fixtures)
from tests.toy import PowerLawToy


def test_the_device_plan_counts_runs_tasks_and_times(monkeypatch, rates):
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    points = CURVE + CURVE[:5] + [(PowerLawToy(p=p), 0) for p in (10, 20)]  # repeated runs count once
    kinds = {k.kind: k for k in device_plan(points, cuda=True)}
    rhm, toy = kinds["rhm_learning"], kinds["toy_power_law"]
    assert (rhm.device, rhm.runs, rhm.tasks, rhm.smallest, rhm.largest) == ("cuda", 40, 1, 40, 40)
    assert rhm.core_seconds == pytest.approx(sum(s.cost() for s, _ in CURVE))
    assert rhm.device_seconds == pytest.approx(rhm.core_seconds / 0.5) and rhm.rates == (ROWS[0],)
    assert (toy.device, toy.runs, toy.core_seconds) == ("cpu", 2, 2.0)
    lines = plan_lines(list(kinds.values()), workers=16, gpu_workers=4)
    text = "\n".join(lines)
    assert "0.50x at batch 4 (GPU, 2026-01-01); not measured at 40" in text
    assert "over 12 worker(s)" in text and "wall time: about" in text


def test_a_kind_never_measured_has_an_unknown_time_there(monkeypatch, auto):
    monkeypatch.setattr(device_rates, "MEASURED", ())
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    kinds = device_plan(CURVE, cuda=True)
    assert kinds[0].device_seconds is None and kinds[0].longest is None
    text = "\n".join(plan_lines(kinds, workers=4, gpu_workers=4))
    assert "never measured: time unknown" in text and "wall time: about ?" in text


def test_run_dry_run_prints_the_plan_of_a_gpu_machine_without_one(tmp_path, capsys, auto):
    out = tmp_path / "out"
    assert main(["run", "--suite", "toy", "--study", "rhm", "--device", "cuda", "--dry-run", "--workers", "64",
                 "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "for a machine with CUDA, 64 worker(s) (4 on the GPU); nothing is run" in text
    assert "rhm_learning             cuda" in text and "wall time" in text
    assert not out.exists()  # nothing written


def test_run_dry_run_checks_its_numbers(capsys, auto):
    assert main(["run", "--suite", "toy", "--dry-run", "--workers", "0"]) == 2
    assert "--workers=0 must be >= 1" in capsys.readouterr().err


def test_a_dry_run_leaves_the_device_mode_as_it_was(capsys, monkeypatch, auto):
    assert main(["run", "--suite", "toy", "--study", "rhm", "--device", "cuda", "--dry-run"]) == 0
    assert DEVICE_ENV not in os.environ
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    assert main(["run", "--suite", "toy", "--study", "rhm", "--device", "cuda", "--dry-run"]) == 0
    assert os.environ[DEVICE_ENV] == "cpu"


def test_assume_cuda_plans_auto_for_a_gpu_machine(capsys, monkeypatch, rates):
    """--assume-cuda keeps the mode 'auto': the measured rates decide (0.5x at small batches: the CPU)."""
    assert main(["run", "--suite", "toy", "--study", "rhm", "--dry-run", "--assume-cuda", "--workers", "16"]) == 0
    text = capsys.readouterr().out
    assert "with --device auto, for a machine with CUDA, 16 worker(s) (4 on the GPU)" in text
    assert "rhm_learning             cpu" in text
    assert main(["run", "--suite", "toy", "--assume-cuda"]) == 2
    assert "--assume-cuda plans a dry run" in capsys.readouterr().err
