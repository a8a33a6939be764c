"""No false pass: exit code 0 only when every claim was judged, the report written and no claim disagrees.

Each fault class of the README's "In CI" table is reproduced here as a user would meet it, through the
console script in a fresh process (tests/compare/faulty_claims_template.py misbehaves on demand), and the
rule behind it is fuzzed (record values, baseline fields, output paths).
"""
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalingcheck.compare.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def claims_file(folder: Path, mode: str = "", predicted: float = 0.5) -> Path:
    """The misbehaving claims file, as ``folder/claims.py`` with its config."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "faulty_claims_template.py", folder / "claims.py")
    (folder / "config.json").write_text(json.dumps({"mode": mode, "predicted": predicted}))
    return folder / "claims.py"


def scalingcheck(*args, cwd: Path, timeout: float = 240, pipe: str = "") -> subprocess.CompletedProcess:
    """The console script in a fresh process (`pipe`: a shell pipeline its standard output goes into)."""
    command = [sys.executable, "-m", "scalingcheck.compare.cli", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if pipe:
        line = "set -o pipefail; " + " ".join(f"'{c}'" for c in command) + f" | {pipe}"
        return subprocess.run(["bash", "-c", line], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def run_claims(tmp_path, mode="", predicted=0.5, *extra, workers=1, **kw):
    path = claims_file(tmp_path / "user", mode, predicted)
    return scalingcheck("run", path, "--suite", "toy", "--out", tmp_path / "out", "--no-progress",
                        "--workers", workers, *extra, cwd=tmp_path, **kw)


def results(tmp_path) -> dict:
    return json.loads((tmp_path / "out" / "results.json").read_text())


def error_line(res) -> str:
    lines = [line for line in res.stderr.splitlines() if line.startswith("scalingcheck: error:")]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


# -- the exit code: 0 only when every claim was judged, the report written, and none disagrees -------------

@pytest.mark.parametrize("predicted, code", [(0.5, 0), (1.0, 1)])
def test_a_closed_standard_output_keeps_the_runs_exit_code_and_its_report(tmp_path, predicted, code):
    res = run_claims(tmp_path, "", predicted, pipe="head -1")
    assert res.returncode == code, res.stderr
    assert (tmp_path / "out" / "report.md").is_file()
    assert results(tmp_path)["outcomes"][0]["verdict"] == ("agree" if code == 0 else "disagree")


def test_sys_exit_while_loading_the_claims_is_bad_input(tmp_path):
    res = run_claims(tmp_path, "exit_at_import")
    assert res.returncode == 2
    assert "claims.py" in error_line(res) and "sys.exit(0) was called" in error_line(res)
    assert not (tmp_path / "out" / "report.md").exists()


@pytest.mark.parametrize("mode, message", [
    ("exit_in_run", "SystemExit: the run called sys.exit(0)"),
    ("keyboard_in_run", "KeyboardInterrupt: raised by the run itself"),
    ("boom", "RuntimeError: boom"),
])
@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_exits_or_raises_is_a_failed_run_named_with_its_cause(tmp_path, mode, message, workers):
    res = run_claims(tmp_path, mode, workers=workers)
    assert res.returncode == 3, res.stderr
    line = error_line(res)
    assert "16 of 16 runs failed" in line and "faulty_toy seed=" in line and message in line
    assert "none of their runs" not in line and "--suite toy` with this store first" not in line
    status = results(tmp_path)["run"]
    assert status["complete"] is False and message in status["problems"][0]
    assert "This run is incomplete" in (tmp_path / "out" / "report.md").read_text()


def test_numpy_values_in_a_record_are_accepted(tmp_path):
    res = run_claims(tmp_path, "numpy")
    assert res.returncode == 0, res.stderr
    assert results(tmp_path)["outcomes"][0]["verdict"] == "agree"


def test_a_thread_left_running_by_a_claims_file_does_not_hang_the_run(tmp_path):
    res = run_claims(tmp_path, "thread_at_import", workers=2, timeout=120)
    assert res.returncode == 0, res.stderr
    assert results(tmp_path)["run"]["complete"] is True


def test_an_estimator_reading_a_field_no_record_has_fails_the_run_after_the_report(tmp_path):
    res = run_claims(tmp_path, "no_field")
    assert res.returncode == 3
    line = error_line(res)
    assert "claim faulty_exponent could not be judged: ValueError: its estimator reads 'nope'" in line
    assert "which no record of faulty_toy has; fields: key, kind, mode, p, seconds, seed, test_error" in line
    assert results(tmp_path)["outcomes"][0]["extra"]["error"].startswith("ValueError")


def test_negative_values_on_a_log_axis_are_an_honest_inconclusive_not_bad_input(tmp_path):
    res = run_claims(tmp_path, "negative")
    assert res.returncode == 0, res.stderr
    outcome = results(tmp_path)["outcomes"][0]
    assert outcome["verdict"] == "inconclusive"
    assert "mean test_error is negative" in " ".join(outcome["measurement"]["notes"])


# -- records are checked when read ---------------------------------------------------------------------

@pytest.mark.parametrize("mode, why", [("nan_seed", "its field 'test_error' is nan"),
                                       ("missing_field", "it lacks the field 'test_error'")])
def test_one_unusable_record_is_left_out_and_said(tmp_path, mode, why):
    res = run_claims(tmp_path, mode)
    assert res.returncode == 0, res.stderr
    outcome = results(tmp_path)["outcomes"][0]
    assert outcome["verdict"] == "agree"
    assert "1 of 16 runs were left out, their records unusable (first faulty_toy p=128 seed 2" in outcome["reason"]
    assert why in outcome["reason"] and outcome["extra"]["unusable_runs"] == 1


def test_unusable_records_beyond_the_share_make_the_claim_inconclusive(tmp_path):
    res = run_claims(tmp_path, "nan_many")
    assert res.returncode == 0
    outcome = results(tmp_path)["outcomes"][0]
    assert outcome["verdict"] == "inconclusive"
    assert outcome["reason"].startswith("3 of 16 runs were left out") and "(more than 10%)" in outcome["reason"]


def test_an_edited_stored_record_is_computed_again(tmp_path):
    assert run_claims(tmp_path).returncode == 0
    store = tmp_path / "out" / "store.sqlite"
    con = sqlite3.connect(store)
    key = con.execute("SELECT key FROM runs LIMIT 1").fetchone()[0]
    con.execute("UPDATE runs SET record = json_remove(record, '$.test_error') WHERE key = ?", (key,))
    con.commit()
    con.close()
    report = scalingcheck("report", tmp_path / "user" / "claims.py", "--suite", "toy", "--out", tmp_path / "out",
                          "--no-plots", cwd=tmp_path)
    assert report.returncode == 0  # a report computes nothing: the claim rests on 15 runs and says why
    assert "1 of 16 runs missing from the store (1 stored but unusable" in results(tmp_path)["outcomes"][0]["reason"]
    res = run_claims(tmp_path)
    assert res.returncode == 0 and "1 stored record(s) cannot be used and are computed again" in res.stderr
    assert results(tmp_path)["outcomes"][0]["reason"].startswith("0.500 inside")


# -- nothing written onto the store, the baseline or outside the output folder -----------------------------

def test_a_store_among_the_report_files_is_refused_before_computing(tmp_path):
    res = run_claims(tmp_path, "", 0.5, "--store", tmp_path / "out" / "results.json")
    assert res.returncode == 2
    assert "is results.json in the output folder, which the report writes over" in error_line(res)
    assert not (tmp_path / "out" / "results.json").exists()


def test_a_baseline_among_the_report_files_is_refused(tmp_path):
    assert run_claims(tmp_path).returncode == 0
    before = (tmp_path / "out" / "results.json").read_bytes()
    res = run_claims(tmp_path, "", 0.5, "--baseline", tmp_path / "out" / "results.json")
    assert res.returncode == 2 and "--baseline" in error_line(res)
    assert (tmp_path / "out" / "results.json").read_bytes() == before


def test_baseline_accept_never_overwrites_a_store(tmp_path):
    assert run_claims(tmp_path).returncode == 0
    store = tmp_path / "out" / "store.sqlite"
    before = store.read_bytes()
    res = scalingcheck("baseline", "accept", "--out", tmp_path / "out", "--to", store, cwd=tmp_path)
    assert res.returncode == 2 and "is not a scalingcheck baseline" in error_line(res)
    assert store.read_bytes() == before


def test_baseline_accept_refuses_an_incomplete_run_unless_told(tmp_path):
    assert run_claims(tmp_path, "boom").returncode == 3
    res = scalingcheck("baseline", "accept", "--out", tmp_path / "out", "--to", tmp_path / "b.json", cwd=tmp_path)
    assert res.returncode == 2 and "the run was not complete (16 of 16 runs failed" in error_line(res)
    assert not (tmp_path / "b.json").exists()
    res = scalingcheck("baseline", "accept", "--out", tmp_path / "out", "--to", tmp_path / "b.json",
                       "--allow-incomplete", cwd=tmp_path)
    assert res.returncode == 0 and "accepted with --allow-incomplete" in res.stdout


def _toy_run(out, *extra):
    return main(["run", "--suite", "toy", "--out", str(out), "--no-progress", "--workers", "1", *extra])


def test_a_report_folder_holds_exactly_one_runs_report(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.png").write_bytes(b"a file of the user's")
    assert _toy_run(out, "--claim", "diffeo_delta_at_t_min_c3", "--claim", "diffeo_delta_sqrt_t_c3") == 0
    pngs = {p.name for p in out.glob("*.png")}
    assert {"diffeo_delta_at_t_min_c3.png", "diffeo_delta_sqrt_t_c3.png", "mine.png"} <= pngs
    assert _toy_run(out, "--claim", "diffeo_delta_sqrt_t_c3") == 0
    assert {p.name for p in out.glob("*.png")} == {"diffeo_delta_sqrt_t_c3.png", "mine.png"}
    assert _toy_run(out, "--claim", "diffeo_delta_sqrt_t_c3", "--no-plots") == 0
    assert {p.name for p in out.glob("*.png")} == {"mine.png"}
    assert ".png" not in (out / "report.md").read_text()
    assert not list(out.glob(".scalingcheck-staging-*")) and not list(out.glob(".*.tmp"))


def test_an_interrupt_while_the_report_is_put_in_place_waits_for_it(tmp_path, monkeypatch):
    """SIGTERM arrives as the first file is renamed into place: every file of the new report lands first."""
    from scalingcheck.compare import outputs
    from scalingcheck.compare.outputs import ReportFolder
    from scalingcheck.simulate.runs.errors import Interrupted, handle_interrupts

    out = tmp_path / "out"
    old = ReportFolder(out)
    for name in ("report.md", "results.json", "old.png"):
        old.write_text(name, "old")
    old.commit(["report.md", "results.json", "old.png"])
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGTERM)
        return real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace)
    new = ReportFolder(out)
    for name in ("report.md", "results.json", "new.png"):
        new.write_text(name, "new")
    with handle_interrupts(signal.SIGTERM), pytest.raises(Interrupted):
        new.commit(["report.md", "results.json", "new.png"])
    assert {p.name for p in out.iterdir()} == {"report.md", "results.json", "new.png", outputs.MANIFEST}
    assert all((out / n).read_text() == "new" for n in ("report.md", "results.json", "new.png"))


# -- bad input is refused before any run, as bad input (exit 2) ----------------------------------------------

def _spec_claims(folder: Path, spec_code: str) -> Path:
    folder.mkdir()
    path = folder / "specclaims.py"
    path.write_text(f"""
from dataclasses import dataclass
from scalingcheck import Claim, Constant, PowerLawFit, Scale, Spec, Study, Sweep, Tolerance, register_study
{spec_code}

class S(Study):
    name = "specs"
    scales = {{"toy": Scale(n_boot=50)}}
    def build(self, sizes):
        return [Claim("c", "x", Constant(0.5, "a half", "paper", ""), Sweep.over(BASE, seeds=range(2), p=[1, 2]),
                      PowerLawFit(x="p", y="y", n_boot=50), Tolerance(0.1, "because"))]
register_study(S())
""")
    return path


@pytest.mark.parametrize("code, workers, message", [
    ("@dataclass\nclass Loose(Spec):\n    p: int = 1\n    def _run(self, seed): return {'p': self.p, 'y': 1.0}\n"
     "BASE = Loose()", 1, "must be declared @dataclass(frozen=True)"),
    ("@dataclass(frozen=True)\nclass Listy(Spec):\n    p: int = 1\n    sizes: list = None\n"
     "    def _run(self, seed): return {'p': self.p, 'y': 1.0}\nBASE = Listy(sizes=[1, 2])", 1,
     "field sizes holds a list, which is mutable"),
    ("@dataclass(frozen=True)\nclass Lam(Spec):\n    p: int = 1\n    f: object = None\n"
     "    def _run(self, seed): return {'p': self.p, 'y': 1.0}\nBASE = Lam(f=lambda x: x)", 1,
     "field f: cannot serialise function"),
    ("def make():\n    @dataclass(frozen=True)\n    class Local(Spec):\n        p: int = 1\n"
     "        def _run(self, seed): return {'p': self.p, 'y': 1.0}\n    return Local()\nBASE = make()", 2,
     "spec Local cannot be sent to a worker process"),
])
def test_a_malformed_spec_is_bad_input_before_any_run(tmp_path, code, workers, message):
    path = _spec_claims(tmp_path / "user", code)
    res = scalingcheck("run", path, "--suite", "toy", "--out", tmp_path / "out", "--workers", workers,
                       "--no-progress", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert message in error_line(res)
    assert not (tmp_path / "out" / "store.sqlite").exists() or not sqlite3.connect(
        tmp_path / "out" / "store.sqlite").execute("SELECT COUNT(*) FROM runs").fetchone()[0]


def test_numpy_scalars_in_a_spec_key_as_the_numbers_they_hold():
    import numpy as np

    from scalingcheck import IdealPoolingSpec

    from scalingcheck import IdealPoolingNet

    assert IdealPoolingSpec(IdealPoolingNet(N=np.int64(64), F=2, stride=2, L=3)).key(0) == \
        IdealPoolingSpec(IdealPoolingNet(N=64, F=2, stride=2, L=3)).key(0)


# -- baselines are checked as data -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def accepted(tmp_path_factory):
    """A complete run of the clean claims file and its results.json."""
    tmp = tmp_path_factory.mktemp("accepted")
    assert run_claims(tmp).returncode == 0
    return tmp, json.loads((tmp / "out" / "results.json").read_text())


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.__setitem__("outcomes", 5), "'outcomes' is int, not a list"),
    (lambda d: d["outcomes"][0]["measurement"].update(low=float("nan"), value=5.0), "measurement low of a claim "
     "that was decided is nan, not a finite number"),
    (lambda d: d["outcomes"][0]["measurement"].update(value="0.43"), "measurement value is '0.43' (str), not a number"),
    (lambda d: d["outcomes"].append(dict(d["outcomes"][0])), "claim 'faulty_exponent' appears more than once"),
    (lambda d: d["outcomes"][0]["measurement"].update(low=1.0, high=0.0), "is not ordered"),
    (lambda d: d["provenance"].update(claims_source="other/elsewhere.py"), "was measured on other/elsewhere.py"),
])
def test_a_malformed_baseline_is_bad_input(accepted, tmp_path, edit, message):
    tmp, data = accepted
    data = json.loads(json.dumps(data))
    edit(data)
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(data))
    res = scalingcheck("run", tmp / "user" / "claims.py", "--suite", "toy", "--out", tmp_path / "out",
                       "--baseline", baseline, "--no-progress", cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert message in error_line(res)


_number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10),
                    st.sampled_from(["0.4", None, True, [], {}]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_number, low=_number, high=_number, predicted=_number, verdict=st.sampled_from(
    ["agree", "disagree", "inconclusive", "maybe", 3]))
def test_fuzz_baseline_fields(tmp_path, value, low, high, predicted, verdict):
    """Whatever the values, a baseline is read into numbers a comparison can use, or refused as bad input."""
    from scalingcheck.compare.baseline import compare_to_baseline
    from scalingcheck.compare.results import load_results
    from scalingcheck.simulate.runs.errors import BadInput

    data = {"format": "scalingcheck-results", "version": 1, "provenance": {"suite": "toy"}, "outcomes": [{
        "claim": "c", "statement": "s", "verdict": verdict, "reason": "r", "predicted": predicted,
        "predicted_text": "p", "provenance": "paper", "citation": "", "relation": "equal",
        "tolerance": {"absolute": 0.1, "reason": "because", "max_interval": 0.3},
        "measurement": {"type": "level", "value": value, "low": low, "high": high, "confidence": 0.95,
                        "n_points": 3, "n_seeds": 4, "method": "m", "x_name": "x", "y_name": "y"}}]}
    path = tmp_path / "b.json"
    path.write_text(json.dumps(data))
    try:
        _, outcomes = load_results(path).provenance, load_results(path).outcomes
    except BadInput:
        return
    m = outcomes[0].measurement
    for v in (m.value, m.low, m.high, outcomes[0].predicted):
        assert isinstance(v, (int, float)) and not isinstance(v, bool)
    if outcomes[0].verdict.value in ("agree", "disagree"):
        assert all(math.isfinite(v) for v in (m.value, m.low, m.high)) and m.low <= m.value <= m.high
    [change] = compare_to_baseline(outcomes, outcomes)
    assert not change.regression, change  # a baseline compared with itself never moves


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=3),
                       st.none(), st.booleans(), st.lists(st.one_of(st.floats(), st.integers()), max_size=3),
                       st.dictionaries(st.text(max_size=2), st.integers(), max_size=2)))
def test_fuzz_record_values(value):
    """A record's value enters a fit only as a finite number, a string or a list of finite numbers."""
    from scalingcheck.compare.records import record_problem

    problem = record_problem({"p": 1, "test_error": value}, ("p", "test_error"))
    finite = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)  # noqa: E731
    ok = finite(value) or isinstance(value, str) or (isinstance(value, list) and value and all(map(finite, value)))
    assert (problem is None) == bool(ok), (value, problem)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.text(max_size=20), st.sampled_from(["../x", "/etc/passwd", "a/b", ".hidden", "ok_name",
                                                             "ok.name-1", "", "x" * 101, "results", "a."])))
def test_fuzz_claim_names_never_leave_the_output_folder(name):
    """A claim name is either refused as bad input or a plain file name inside the folder."""
    from scalingcheck.compare.claim import check_name
    from scalingcheck.simulate.runs.errors import BadInput

    try:
        check_name(name, "claim")
    except BadInput:
        return
    folder = Path("/some/out")
    assert (folder / f"{name}.png").resolve().parent == folder and not name.startswith(".")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["out", "elsewhere", "out/sub"]),
       name=st.sampled_from(["store.sqlite", "results.json", "report.md", "results.csv", "results.tex", "c1.png",
                             "fig.png", "scalingcheck.log", ".scalingcheck-report.json", "other.db", ""]),
       dots=st.booleans())
def test_fuzz_output_paths(tmp_path, where, name, dots):
    """The store and the baseline are refused exactly when they are a file the report writes, or the folder."""
    from scalingcheck.compare.outputs import check_outputs, report_names
    from scalingcheck.simulate.runs.errors import BadInput

    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    given_path = tmp_path / where / name if not dots else tmp_path / where / ".." / where / name
    names = report_names(["c1"], ["fig"])
    clash = where == "out" and (name in names or name == "")
    for role in ("store", "baseline"):
        try:
            check_outputs(out, names, **{role: given_path})
        except BadInput:
            assert clash, (role, given_path)
        else:
            assert not clash, (role, given_path)


def test_a_suite_with_no_claims_is_bad_input_not_a_pass(tmp_path):
    folder = tmp_path / "user"
    folder.mkdir()
    (folder / "empty.py").write_text(
        "from scalingcheck import Scale, Study, register_study\n"
        "class Empty(Study):\n    name = 'empty'\n    scales = {'toy': Scale()}\n"
        "    def build(self, sizes):\n        return []\nregister_study(Empty())\n")
    res = scalingcheck("run", folder / "empty.py", "--suite", "toy", "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 2 and "has no claims to run" in error_line(res)


def test_a_runs_keyboard_interrupt_is_its_failure_even_where_sigint_is_ignored(tmp_path):
    """A background job (``nohup ... &`` in a script, some CI runners) starts with SIGINT ignored: no Ctrl-C can
    reach it, so a KeyboardInterrupt there is the run's own, a failed run (exit 3), not an interruption (130)."""
    path = claims_file(tmp_path / "user", "keyboard_in_run")
    command = [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
               "from scalingcheck.compare.cli import main; sys.exit(main(sys.argv[1:]))",
               "run", str(path), "--suite", "toy", "--out", str(tmp_path / "out"), "--workers", "1", "--no-progress"]
    res = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=240,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert res.returncode == 3 and "KeyboardInterrupt: raised by the run itself" in error_line(res)
