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


# -- issue 26 item 5: the command line -----------------------------------------------------------------------

CHEAP = "diffeo_delta_at_t_min_c3"


def test_version_is_the_installed_one():
    from importlib.metadata import version

    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"scalingcheck {version('scalingcheck')}"


@pytest.fixture(scope="module")
def cheap_run(tmp_path_factory):
    """One cheap toy claim run through the console script (standard error captured: not a terminal)."""
    out = tmp_path_factory.mktemp("cheap") / "out"
    res = run_cli("run", "--suite", "toy", "--claim", CHEAP, "--workers", "1", "--no-plots", "--out", str(out))
    return out, res


def test_progress_lines_off_a_terminal(cheap_run):
    out, res = cheap_run
    assert res.returncode == 0, res.stderr
    progress = [line for line in res.stderr.splitlines() if line.startswith("scalingcheck: progress: ")]
    assert progress and "runs" in progress[-1] and "claims judged" in progress[-1] and "elapsed" in progress[-1]
    assert f"({CHEAP}: " in res.stderr  # a line as the claim is judged
    assert any(line.startswith("scalingcheck: done: ") for line in res.stderr.splitlines())


def test_no_progress_silences_the_progress_lines(tmp_path, cheap_run):
    out, _ = cheap_run
    res = run_cli("run", "--suite", "toy", "--claim", CHEAP, "--workers", "1", "--no-plots", "--no-progress",
                  "--out", str(out))
    assert res.returncode == 0 and "progress:" not in res.stderr and "done:" not in res.stderr


def test_list_one_suite_with_estimates(capsys):
    from scalingcheck.compare.progress import claim_estimates, duration_text
    from scalingcheck.compare.suites import get_suite

    assert main(["list", "--suite", "toy"]) == 0
    out = capsys.readouterr().out
    toy = get_suite("toy")
    rows, distinct, total = claim_estimates(toy)
    assert out.startswith(f"suite toy: {len(toy)} claims, {distinct} distinct runs, about {duration_text(total)}")
    assert "suite quick" not in out and "study " not in out
    assert f"total: {len(toy)} claims, {distinct} distinct runs" in out.splitlines()[-1]
    for claim, n, seconds in rows:
        line = next(line for line in out.splitlines() if line.strip().startswith(claim.name + " "))
        assert f"{n} runs" in line and f"~{duration_text(seconds):>9}" in line


def test_list_of_an_unknown_suite_is_bad_input():
    res = run_cli("list", "--suite", "nope")
    assert res.returncode == 2 and "unknown suite 'nope'" in res.stderr and "toy" in res.stderr


def test_claim_takes_a_glob_pattern(tmp_path, cheap_run):
    out, _ = cheap_run
    again = tmp_path / "again"
    code = main(["report", "--suite", "toy", "--claim", "diffeo_delta_at_t_min_c[3]", "--claim", CHEAP,
                 "--store", str(out / "store.sqlite"), "--out", str(again), "--no-plots"])
    assert code == 0
    import json

    assert [o["claim"] for o in json.loads((again / "results.json").read_text())["outcomes"]] == [CHEAP]


@pytest.mark.parametrize("pattern, close", [("svcc_ntk", "svc_ntk_stripe_d2"), ("diffeo_delta_at_t_min_c4*", CHEAP)])
def test_a_claim_pattern_matching_nothing_names_close_matches(tmp_path, pattern, close):
    res = run_cli("run", "--suite", "toy", "--claim", pattern, "--out", str(tmp_path))
    assert res.returncode == 2 and res.stdout == ""
    assert f"unknown claim(s) {pattern}" in res.stderr and "close matches:" in res.stderr and close in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_report_never_replaces_another_claims_sets_report_without_force(tmp_path, cheap_run):
    import json
    import shutil

    out, _ = cheap_run
    folder = tmp_path / "out"
    shutil.copytree(out, folder)
    results = folder / "results.json"
    data = json.loads(results.read_text())
    data["provenance"]["suite"] = "quick"
    results.write_text(json.dumps(data))
    before = results.read_text()
    res = run_cli("report", "--suite", "toy", "--claim", CHEAP, "--out", str(folder), "--no-plots")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    line = res.stderr.strip().splitlines()
    assert len(line) == 1 and "suite 'quick'" in line[0] and "suite 'toy'" in line[0] and "--force" in line[0]
    assert results.read_text() == before  # untouched
    res = run_cli("report", "--suite", "toy", "--claim", CHEAP, "--out", str(folder), "--no-plots", "--force")
    assert res.returncode == 0, res.stderr
    assert json.loads(results.read_text())["provenance"]["suite"] == "toy"
    # the same claims set again: no --force needed
    res = run_cli("report", "--suite", "toy", "--claim", CHEAP, "--out", str(folder), "--no-plots")
    assert res.returncode == 0, res.stderr


def test_the_toy_suite_exits_0_with_a_disagreeing_claim_unless_strict(tmp_path, monkeypatch, capsys):
    import dataclasses

    from scalingcheck import Constant
    from scalingcheck.compare import cli
    from scalingcheck.compare.suites import get_suite

    claim = next(c for c in get_suite("toy") if c.name == CHEAP)
    wrong = dataclasses.replace(claim, predicted=Constant(50.0, "delta = 50 (wrong on purpose)", "derived", ""),
                                tolerance=dataclasses.replace(claim.tolerance, max_interval=1e9))
    monkeypatch.setattr(cli, "_claims", lambda args: [wrong])
    args = ["run", "--suite", "toy", "--workers", "1", "--no-plots", "--no-progress", "--out", str(tmp_path / "o")]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "disagree" in captured.out
    notes = [line for line in captured.err.splitlines() if "checks the machinery" in line]
    assert len(notes) == 1 and "--strict" in notes[0]
    assert main(args + ["--strict"]) == 1
    assert "checks the machinery" not in capsys.readouterr().err


def test_help_documents_the_toy_exit_code_and_the_new_options():
    res = run_cli("run", "--help")
    text = " ".join(res.stdout.split())
    assert "'toy' checks the machinery" in text and "--format {png,pdf,svg}" in text
    assert "glob pattern" in text
    assert "--force" in " ".join(run_cli("report", "--help").stdout.split())
