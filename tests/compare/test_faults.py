"""Faults and bad input at the command line: each gets its own exit code and one line, and loses nothing.

Exit codes: 0 no claim disagrees, 1 a claim disagrees, 2 bad input, 3 the run could not be completed.
"""
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalingcheck.compare import cli
from scalingcheck.compare.cli import main
from scalingcheck.compare.suites import get_suite
from scalingcheck.simulate.runs.store import SQLiteStore, StoreError

CHEAP = ["--suite", "toy", "--claim", "diffeo_delta_at_t_min_c3", "--no-plots", "--no-progress"]
"""One toy claim of three short runs."""


def error_lines(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if line.startswith("scalingcheck: error:")]
    assert "Traceback" not in err
    return lines


def test_a_store_of_another_program_is_refused_untouched(tmp_path, capsys):
    db = tmp_path / "theirs.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    before = db.read_bytes()
    for command in ("run", "report"):
        assert main([command, *CHEAP, "--out", str(tmp_path / "out"), "--store", str(db)]) == 3
        [line] = error_lines(capsys)
        assert "is not a scalingcheck store" in line and "scalingcheck.log" in line
    assert db.read_bytes() == before
    assert "StoreError" in (tmp_path / "out" / "scalingcheck.log").read_text()


def test_a_report_that_measured_nothing_is_not_a_pass(tmp_path, capsys):
    db = tmp_path / "empty.sqlite"
    SQLiteStore(db).close()
    code = main(["report", "--suite", "toy", "--no-plots", "--out", str(tmp_path / "out"), "--store", str(db)])
    assert code == 3
    [line] = error_lines(capsys)
    n = len(get_suite("toy"))
    assert f"{n} of {n} claims have none of their runs" in line and "nothing was measured" in line
    assert (tmp_path / "out" / "report.md").exists()


@pytest.mark.parametrize("args, message", [
    (["run", "--out", ""], "--out='' must name a folder"),
    (["run", "--threads", "100000"], "--threads=100000 must be between 1 and"),
    (["run", "--workers", "0"], "--workers=0 must be between 1 and"),
    (["run", "--store", " "], "--store=' ' must name a file"),
    (["predict", "beta_lazy", "d=2", "d=3"], "parameter d is given twice"),
    (["predict", "beta_sparse_features", "d=2"], "with no formula to evaluate"),
])
def test_bad_options_exit_2_with_one_line(args, message, capsys, tmp_path):
    out = [] if "--out" in args else ["--out", str(tmp_path / "out")]
    assert main(args + (["--suite", "toy", *out] if args[0] == "run" else [])) == 2
    [line] = error_lines(capsys)
    assert message in line


def test_out_naming_a_file_is_bad_input_and_the_file_is_kept(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["run", *CHEAP, "--out", str(target)]) == 2
    [line] = error_lines(capsys)
    assert "is an existing file" in line and target.read_text() == "keep me"


def test_an_unwritable_output_folder_stops_before_computing(tmp_path, capsys, monkeypatch):
    computed = []
    monkeypatch.setattr("scalingcheck.compare.claim.execute", lambda *a, **k: computed.append(1))

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli.tempfile, "NamedTemporaryFile", denied)
    assert main(["run", *CHEAP, "--out", str(tmp_path / "out")]) == 3
    [line] = error_lines(capsys)
    assert "is not writable" in line and not computed


def test_a_full_disk_during_a_run_exits_3_and_keeps_the_finished_runs(tmp_path, capsys, monkeypatch):
    real_put, puts = SQLiteStore.put, []

    def put(self, spec, seed, record):
        if len(puts) == 2:
            raise StoreError(f"store {str(self.path)!r}: could not write the record of run x: database or disk is full")
        puts.append(seed)
        real_put(self, spec, seed, record)

    monkeypatch.setattr(SQLiteStore, "put", put)
    out = tmp_path / "out"
    assert main(["run", *CHEAP, "--workers", "1", "--out", str(out)]) == 3
    [line] = error_lines(capsys)
    assert "disk is full" in line
    with SQLiteStore(out / "store.sqlite", readonly=True) as store:
        assert len(store) == 2


def test_failed_runs_exit_3_after_reporting_what_is_stored(tmp_path, capsys, monkeypatch):
    from scalingcheck.simulate.runs import sweep

    real = sweep.run_points

    def flaky(points):
        if [seed for _, seed in points] == [1]:
            raise RuntimeError("simulated failure in a run")
        return real(points)

    monkeypatch.setattr(sweep, "run_points", flaky)
    out = tmp_path / "out"
    assert main(["run", *CHEAP, "--workers", "1", "--out", str(out)]) == 3
    captured = capsys.readouterr()
    assert "1 of 3 runs failed" in captured.err and "re-run to retry" in captured.err
    assert "inconclusive" in captured.out and (out / "report.md").exists()
    log = (out / "scalingcheck.log").read_text()
    assert "simulated failure in a run" in log and "Traceback" in log
    with SQLiteStore(out / "store.sqlite", readonly=True) as store:
        assert len(store) == 2


def test_an_internal_error_is_not_a_disagreement(tmp_path, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise TypeError("a defect")

    monkeypatch.setattr("scalingcheck.compare.session.evaluate_all", broken)
    assert main(["run", *CHEAP, "--out", str(tmp_path / "out")]) == 3
    [line] = error_lines(capsys)
    assert "internal error TypeError: a defect" in line


def test_debug_prints_the_traceback(tmp_path, capsys):
    db = tmp_path / "bad.db"
    db.write_bytes(b"not a database at all" * 100)
    assert main(["run", *CHEAP, "--debug", "--out", str(tmp_path / "out"), "--store", str(db)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "StoreError" in err


def test_exit_codes_are_documented_in_help():
    res = subprocess.run([sys.executable, "-m", "scalingcheck.compare.cli", "--help"], capture_output=True, text=True)
    assert "2 bad input; 3 the run could not be completed" in " ".join(res.stdout.split())


# -- fuzzing: bad values never give a traceback, a hang or a number ----------------------------------------

_junk = st.one_of(
    st.sampled_from(["", " ", "nan", "inf", "-inf", "-1", "0", "1e400", "9" * 400, "True", "x", "2.5.1", "=", "d"]),
    st.text(alphabet="0123456789.-+eEinfaTru=x ", max_size=12),
)
_names = st.sampled_from(["beta_lazy", "beta_svc", "rhm_p_max", "rhm_p_star", "pooling_diffeo_strided",
                          "beta_sparse_features", "nope", ""])
_params = st.sampled_from(["d", "xi", "n_c", "m", "v", "s", "L", "k", "F", "chi", "q"])


@settings(max_examples=150, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_names, params=st.lists(st.tuples(_params, _junk), max_size=4))
def test_fuzz_predict(name, params, capsys):
    code = main(["predict", name, *(f"{k}={v}" for k, v in params)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("scalingcheck: error:")


_bad_run_options = st.sampled_from([
    ["--threads", "0"], ["--threads", "-3"], ["--threads", "100000"], ["--workers", "0"], ["--workers", "4096"],
    ["--suite", "nope"], ["--claim", "nope"], ["--study", "nope"], ["--out", ""], ["--store", ""],
])


@settings(max_examples=40, deadline=10000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["run", "report"]), bad=_bad_run_options,
       extra=st.lists(st.sampled_from([["--no-plots"], ["--strict"], ["--suite", "toy"], ["--no-progress"]]), max_size=3))
def test_fuzz_run_options(command, bad, extra, tmp_path, capsys):
    if command == "report" and bad[0] in ("--threads", "--workers"):
        bad = ["--suite", "nope"]
    argv = [command, *(x for o in extra for x in o), *bad]
    if "--out" not in bad:
        argv += ["--out", str(tmp_path / "out")]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, (argv, err)
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
