import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scalingcheck.simulate.runs.spec import canonical_json, run
from scalingcheck.simulate.runs.store import MemoryStore, SQLiteStore
from scalingcheck.simulate.runs.sweep import ProcessExecutor, SerialExecutor, Sweep, SweepError, collect, execute
from tests.toy import PowerLawToy

ROOT = Path(__file__).resolve().parents[2]


def test_key_depends_on_spec_and_seed_only():
    a, b = PowerLawToy(p=10), PowerLawToy(p=10)
    assert a.key(0) == b.key(0)
    assert a.key(0) != a.key(1)
    assert a.key(0) != PowerLawToy(p=11).key(0)
    assert canonical_json(a) == '{"beta":0.5,"fail_seed":-1,"kind":"toy_power_law","noise":0.1,"p":10,"sleep":0.0}'


def test_run_is_pure_and_adds_provenance():
    r1, r2 = run(PowerLawToy(p=10), 3), run(PowerLawToy(p=10), 3)
    assert r1["test_error"] == r2["test_error"]
    assert r1["seed"] == 3 and r1["kind"] == "toy_power_law" and r1["key"] == PowerLawToy(p=10).key(3)
    with pytest.raises(ValueError, match="seed"):
        run(PowerLawToy(), -1)


def test_sweep_grid_and_errors():
    sweep = Sweep.over(PowerLawToy(), seeds=range(3), p=[10, 20])
    assert len(sweep) == 6 == len(sweep.points())
    assert {s.p for s, _ in sweep.points()} == {10, 20}
    with pytest.raises(ValueError, match="unknown field 'q'"):
        Sweep.over(PowerLawToy(), seeds=[0], q=[1])
    with pytest.raises(ValueError, match="seeds"):
        Sweep.over(PowerLawToy(), seeds=[], p=[1])


@pytest.mark.parametrize("make_store", [lambda tmp: MemoryStore(), lambda tmp: SQLiteStore(tmp / "s.sqlite")])
def test_execute_caches(tmp_path, make_store):
    store = make_store(tmp_path)
    sweep = Sweep.over(PowerLawToy(), seeds=range(2), p=[10, 20, 40])
    first = execute(sweep, store, executor=SerialExecutor(), progress=False)
    assert (first.computed, first.cached) == (6, 0)
    second = execute(sweep, store, executor=SerialExecutor(), progress=False)
    assert (second.computed, second.cached) == (0, 6)
    assert [r["test_error"] for r in first.records] == [r["test_error"] for r in second.records]


def test_on_stored_reports_each_stored_run_once_as_it_is_stored():
    store, reported = MemoryStore(), []
    sweep = Sweep.over(PowerLawToy(fail_seed=1), seeds=range(3), p=[10, 20])

    def on_stored(keys):
        assert all(store.get(k) is not None for k in keys)  # already in the store when announced
        reported.append(list(keys))

    with pytest.raises(SweepError):
        execute(sweep, store, executor=SerialExecutor(), progress=False, batch=False, on_stored=on_stored)
    flat = [k for keys in reported for k in keys]
    assert len(reported) == 4 and sorted(flat) == sorted(store.keys())  # one call per task; failed runs not announced
    again = []
    execute([(PowerLawToy(fail_seed=1, p=10), 0)], store, executor=SerialExecutor(), progress=False,
            on_stored=again.append)
    assert again == []  # nothing computed, nothing announced


def test_failed_runs_do_not_lose_the_others():
    store = MemoryStore()
    sweep = Sweep.over(PowerLawToy(fail_seed=1), seeds=range(3), p=[10, 20])
    with pytest.raises(SweepError, match="2 of 6 runs failed"):
        execute(sweep, store, executor=SerialExecutor(), progress=False)
    found = collect(sweep, store)
    assert sum(r is not None for r in found) == 4


def test_process_executor_matches_serial(tmp_path):
    sweep = Sweep.over(PowerLawToy(), seeds=range(2), p=[10, 20])
    a = execute(sweep, MemoryStore(), executor=SerialExecutor(), progress=False)
    b = execute(sweep, MemoryStore(), executor=ProcessExecutor(workers=2), progress=False)
    assert [r["test_error"] for r in a.records] == [r["test_error"] for r in b.records]


def test_killed_sweep_resumes_with_only_missing_runs(tmp_path):
    """SIGKILL a sweep mid-way; re-running it computes exactly the runs not yet stored."""
    db = tmp_path / "store.sqlite"
    script = tmp_path / "sweep.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from scalingcheck.simulate.runs.store import SQLiteStore
        from scalingcheck.simulate.runs.sweep import Sweep, SerialExecutor, execute
        from tests.toy import PowerLawToy
        sweep = Sweep.over(PowerLawToy(sleep=float(sys.argv[1])), seeds=range(4), p=[10, 20, 40])
        res = execute(sweep, SQLiteStore({str(db)!r}), executor=SerialExecutor(), progress=False)
        print("computed", res.computed, "cached", res.cached)
    """))
    proc = subprocess.Popen([sys.executable, str(script), "0.25"], stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    stored = 0
    while time.time() < deadline:
        time.sleep(0.1)
        if db.exists():
            try:
                stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
            except sqlite3.OperationalError:
                continue
            if stored >= 3:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = sqlite3.connect(db).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    assert 3 <= stored < 12, "the sweep should have been killed mid-way"
    out = subprocess.run([sys.executable, str(script), "0.25"], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["computed", str(12 - stored), "cached", str(stored)]


def test_dask_executor_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    from scalingcheck.simulate.runs.sweep import DaskExecutor

    sweep = Sweep.over(PowerLawToy(), seeds=range(2), p=[10, 20])
    expected = execute(sweep, MemoryStore(), executor=SerialExecutor(), progress=False)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2, dashboard_address=None) as client:
        store = MemoryStore()
        got = execute(sweep, store, executor=DaskExecutor(client), progress=False)
    assert got.computed == 4
    assert [r["test_error"] for r in got.records] == [r["test_error"] for r in expected.records]


def test_interrupting_a_process_sweep_stops_the_workers_in_flight():
    """Ctrl-C / SIGTERM while a worker computes a long run: the worker is stopped, not left running."""
    import multiprocessing
    import time as _time

    from scalingcheck.simulate.runs.sweep import ProcessExecutor, Task, _execute
    from tests.toy import PowerLawToy

    items = [Task(((PowerLawToy(p=10), 0),)), Task(((PowerLawToy(p=20, sleep=120.0), 0),))]
    results = ProcessExecutor(workers=2).map_unordered(_execute, items)
    assert next(results)[1][0]["p"] == 10
    with pytest.raises(KeyboardInterrupt):
        results.throw(KeyboardInterrupt)
    deadline = _time.monotonic() + 20
    while multiprocessing.active_children() and _time.monotonic() < deadline:
        _time.sleep(0.2)
    assert not multiprocessing.active_children()
