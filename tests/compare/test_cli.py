"""The command line as a user runs it: output, files, exit codes, one-line errors."""
import subprocess
import sys

import pytest

from scalingcheck.compare.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "scalingcheck.compare.cli", *args], capture_output=True, text=True)


def test_predict_lists_every_prediction(capsys):
    assert main(["predict"]) == 0
    out = capsys.readouterr().out
    assert "beta_lazy" in out and "rhm_p_max" in out and "[open" in out


def test_predict_evaluates_one(capsys):
    assert main(["predict", "beta_svc", "d=2", "xi=0.5"]) == 0
    out = capsys.readouterr().out
    # (d-1+xi)/(3d-3+xi) at d=2, xi=0.5: 1.5/3.5 = 0.428571...
    assert "0.4285714286" in out
    assert "\\frac" in out
    assert "source  : arXiv:" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["predict", "beta_lazzy"], "unknown prediction 'beta_lazzy'"),
        (["predict", "rhm_p_max", "n_c=2", "m=9", "v=8", "s=2", "L=2"], "m=9 > v**(s - 1)=8"),
        (["predict", "beta_svc", "d=2", "xi=3"], "xi"),
        (["predict", "beta_lazy", "d=2", "xi=1"], "unknown parameter(s) xi; allowed: d"),
        (["predict", "beta_lazy", "d=0"], "d=0 must be > 0"),
        (["predict", "beta_lazy", "d"], "must look like name=value"),
        (["predict", "beta_lazy", "d=two"], "is not a number"),
        (["run", "--suite", "nope"], "unknown suite 'nope'"),
        (["run", "--suite", "toy", "--claim", "nope"], "unknown claim(s) nope"),
        (["run", "--suite", "toy", "--study", "nope"], "unknown study(ies) nope"),
        (["run", "--suite", "toy", "--gpu-workers", "0"], "--gpu-workers=0 must be >= 1"),
    ],
)
def test_bad_input_gives_one_clear_line(args, message, tmp_path):
    res = run_cli(*args, *(["--out", str(tmp_path)] if args[0] == "run" else []))
    assert res.returncode == 2
    assert res.stdout == ""
    assert "Traceback" not in res.stderr
    assert message in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_report_without_a_store_is_a_clear_error(tmp_path):
    res = run_cli("report", "--suite", "toy", "--out", str(tmp_path / "none"))
    assert res.returncode == 2 and "no results store" in res.stderr and "Traceback" not in res.stderr


def test_malformed_option_is_a_usage_error():
    res = run_cli("run", "--workers", "many")
    assert res.returncode == 2 and "invalid int value" in res.stderr


def test_list_shows_studies_suites_and_distinct_runs(capsys):
    from scalingcheck.compare.suites import get_suite

    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "study rhm: Random Hierarchy Model" in out and "arXiv:2307.02129" in out
    quick = get_suite("quick")
    distinct = len({spec.key(seed) for c in quick for spec, seed in c.runs()})
    assert f"suite quick: {len(quick)} claims, {distinct} distinct runs" in out
    assert distinct < sum(len(c.runs()) for c in quick)  # claims share runs
    assert "svc_laplace_stripe_d2" in out and "[kernel_methods]" in out


def test_sigterm_stops_a_run_like_ctrl_c(tmp_path):
    """`kill` (SIGTERM) mid-run: exit code 130, the one-line message, and the finished runs stored."""
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "scalingcheck.compare.cli", "run", "--suite", "toy", "--out", str(out), "--workers", "1", "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    db = out / "store.sqlite"
    deadline = time.time() + 120
    while time.time() < deadline:
        time.sleep(0.2)
        try:
            if db.exists() and sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 2:
                break
        except sqlite3.OperationalError:
            continue
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted; finished runs are stored" in err
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 2


def test_unknown_device_is_a_usage_error():
    res = run_cli("run", "--device", "gpu")
    assert res.returncode == 2 and "invalid choice: 'gpu'" in res.stderr


def test_device_mode_from_the_environment_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALINGCHECK_DEVICE", "tpu")
    for command in ("run", "report"):
        res = run_cli(command, "--suite", "toy", "--out", str(tmp_path))
        assert res.returncode == 2 and "SCALINGCHECK_DEVICE='tpu' must be one of auto, cpu, cuda" in res.stderr


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the machine without CUDA")
def test_device_cuda_without_cuda_is_a_usage_error(tmp_path):
    res = run_cli("run", "--suite", "toy", "--device", "cuda", "--out", str(tmp_path / "out"))
    assert res.returncode == 2 and "CUDA is not available" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()  # refused before the output folder is made
