"""Fault injection for the store and the sweeps: foreign, corrupted and full stores, lost workers, a killed
parent, two processes on one store. Each test checks that finished runs are still stored."""
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scalingcheck.simulate.runs.store import STORE_FORMAT, STORE_VERSION, MemoryStore, SQLiteStore, StoreError
from scalingcheck.simulate.runs.sweep import ProcessExecutor, SerialExecutor, Sweep, SweepError, collect, execute
from tests.toy import FaultToy, PowerLawToy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path):
    """A 256 KiB tmpfs (needs mount rights, e.g. root in a container); skipped where it cannot be mounted."""
    where = tmp_path / "small"
    where.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(where)], capture_output=True)
    if res.returncode != 0:
        pytest.skip("cannot mount a small filesystem here")
    yield where
    subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _foreign(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (text TEXT)")
    con.execute("INSERT INTO notes VALUES ('mine')")
    con.commit()
    con.close()


@pytest.mark.parametrize("make, message", [
    (_foreign, "is not a scalingcheck store (tables notes)"),
    (lambda p: p.write_bytes(b""), "is an empty file"),
    (lambda p: p.write_bytes(os.urandom(4096)), "cannot be opened as a SQLite results store"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE runs (key TEXT, value TEXT)").connection.commit(),
     "is not a scalingcheck store (tables runs)"),
])
@pytest.mark.parametrize("readonly", [False, True])
def test_a_file_that_is_not_a_store_is_refused_and_left_untouched(tmp_path, make, message, readonly):
    path = tmp_path / "file.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SQLiteStore(path, readonly=readonly)
    assert path.read_bytes() == before


def test_a_store_of_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    SQLiteStore(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE meta SET value = '99' WHERE name = 'version'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer scalingcheck"):
        SQLiteStore(path)


def test_new_store_carries_its_format_and_a_legacy_store_is_read(tmp_path):
    path = tmp_path / "s.sqlite"
    with SQLiteStore(path) as store:
        store.put(PowerLawToy(), 0, {"x": 1})
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM meta").fetchall())
    assert meta["format"] == STORE_FORMAT and meta["version"] == str(STORE_VERSION) == "2"
    # a store written before the meta table existed: only the runs table
    legacy = tmp_path / "legacy.sqlite"
    con = sqlite3.connect(legacy)
    con.execute("CREATE TABLE runs (key TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL, "
                "seed INTEGER NOT NULL, record TEXT NOT NULL, created REAL NOT NULL)")
    con.execute("INSERT INTO runs VALUES (?, 'toy', '{}', 0, '{\"x\": 2}', 0)", (PowerLawToy().key(0),))
    con.commit()
    con.close()
    before = legacy.read_bytes()
    with SQLiteStore(legacy, readonly=True) as store:
        assert store.get(PowerLawToy().key(0)) == {"x": 2}
    assert legacy.read_bytes() == before, "a read-only open must not write"


def _edit(path, key, sql):
    con = sqlite3.connect(path)
    con.execute(sql, (key,))
    con.commit()
    con.close()


@pytest.mark.parametrize("sql, why", [
    ("UPDATE runs SET record = '{\"x\": 1', checksum = NULL WHERE key = ?", "not valid JSON"),
    ("UPDATE runs SET record = '{\"x\": 1' WHERE key = ?", "checksum does not match"),
    ("UPDATE runs SET record = 'null', checksum = NULL WHERE key = ?", "holds null, not a record"),
    ("UPDATE runs SET record = '[1, 2]', checksum = NULL WHERE key = ?", "holds [1, 2], not a record"),
    ("UPDATE runs SET record = '{\"x\": 2}' WHERE key = ?", "checksum does not match"),
    ("UPDATE runs SET record = '{}' WHERE key = ?", "checksum does not match"),
])
def test_a_damaged_record_counts_as_absent_and_is_computed_again(tmp_path, sql, why, capsys):
    path = tmp_path / "s.sqlite"
    sweep = Sweep.over(PowerLawToy(), seeds=range(3))
    with SQLiteStore(path) as store:
        execute(sweep, store, executor=SerialExecutor(), progress=False)
    spec, seed = sweep.points()[1]
    key = spec.key(seed)
    _edit(path, key, sql)
    with SQLiteStore(path, readonly=True) as store:
        assert store.get(key) is None and why in store.damaged[key]
        assert store.present([p.key(s) for p, s in sweep.points()]) == {p.key(s) for p, s in sweep.points()} - {key}
        assert len(list(store.records())) == 2
    with SQLiteStore(path) as store:
        res = execute(sweep, store, executor=SerialExecutor(), progress=False)
        assert (res.computed, res.cached) == (1, 2) and key not in store.damaged
        assert res.records[1]["test_error"] == PowerLawToy()._run(1)["test_error"]
    err = capsys.readouterr().err
    assert f"1 stored record(s) cannot be used and are computed again; first: toy_power_law seed 1 (key {key[:12]})" in err
    assert why in err


def test_a_version_1_store_is_upgraded_and_its_records_kept(tmp_path):
    path = tmp_path / "v1.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE runs (key TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL, "
                "seed INTEGER NOT NULL, record TEXT NOT NULL, created REAL NOT NULL)")
    con.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    con.executemany("INSERT INTO meta VALUES (?, ?)", [("format", STORE_FORMAT), ("version", "1")])
    con.execute("INSERT INTO runs VALUES (?, 'toy', '{}', 0, '{\"x\": 2}', 0)", (PowerLawToy().key(0),))
    con.commit()
    con.close()
    with SQLiteStore(path, readonly=True) as store:  # read as it is
        assert store.get(PowerLawToy().key(0)) == {"x": 2}
    with SQLiteStore(path) as store:
        assert store.get(PowerLawToy().key(0)) == {"x": 2}
        store.put(PowerLawToy(), 1, {"x": 3})
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM meta").fetchall())
    assert meta["version"] == "2"
    _edit(path, PowerLawToy().key(1), "UPDATE runs SET record = '{\"x\": 4}' WHERE key = ?")
    with SQLiteStore(path) as store:
        assert store.get(PowerLawToy().key(0)) == {"x": 2} and store.get(PowerLawToy().key(1)) is None


def test_a_full_disk_stops_the_sweep_and_keeps_every_finished_run(small_disk):
    store = SQLiteStore(small_disk / "s.sqlite")
    sweep = Sweep.over(FaultToy(payload=20_000), seeds=range(40))
    with pytest.raises(StoreError, match="could not write the record of run .* full"):
        execute(sweep, store, executor=SerialExecutor(), progress=False)
    kept = [r for r in collect(sweep, store) if r is not None]
    assert 0 < len(kept) < 40
    assert all(r["payload"] == "x" * 20_000 for r in kept)


def test_a_full_disk_mocked_write_error(tmp_path, monkeypatch):
    """The same fault without a small filesystem: the third write fails as SQLite reports a full disk."""
    store = SQLiteStore(tmp_path / "s.sqlite")
    real, calls = store._con, []

    class Full:
        def __getattr__(self, name):
            return getattr(real, name)

        def __enter__(self):
            return real.__enter__()

        def __exit__(self, *exc):
            return real.__exit__(*exc)

        def execute(self, sql, *args):
            if sql.startswith("INSERT OR REPLACE INTO runs"):
                calls.append(1)
                if len(calls) >= 3:
                    raise sqlite3.OperationalError("database or disk is full")
            return real.execute(sql, *args)

    monkeypatch.setattr(store, "_con", Full())
    sweep = Sweep.over(PowerLawToy(), seeds=range(5))
    with pytest.raises(StoreError, match="disk is full"):
        execute(sweep, store, executor=SerialExecutor(), progress=False)
    assert sum(r is not None for r in collect(sweep, store)) == 2


def test_a_read_only_store_fails_before_any_run(small_disk, tmp_path):
    path = small_disk / "s.sqlite"
    SQLiteStore(path).close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError, match="not writable|cannot be opened"):
        SQLiteStore(path)
    with SQLiteStore(path, readonly=True) as store:  # reading still works
        assert len(store) == 0


def test_a_killed_worker_costs_its_run_not_the_sweep(tmp_path):
    """A worker SIGKILLed on every attempt: its run is reported failed, every other run is stored."""
    store = MemoryStore()
    sweep = Sweep.over(FaultToy(kill_seed=3), seeds=range(8))
    with pytest.raises(SweepError, match="1 of 8 runs failed.*seed=3.*died twice") as info:
        execute(sweep, store, executor=ProcessExecutor(workers=2), progress=False)
    assert info.value.failures[0][:2] == ("toy_fault", (3,))
    found = collect(sweep, store)
    assert [r is not None for r in found] == [s != 3 for s in range(8)]


def test_a_worker_lost_once_is_retried(tmp_path):
    store = MemoryStore()
    sweep = Sweep.over(FaultToy(kill_seed=2, once_marker=str(tmp_path / "killed-once")), seeds=range(6))
    res = execute(sweep, store, executor=ProcessExecutor(workers=2), progress=False)
    assert res.computed == 6 and (tmp_path / "killed-once").exists()
    assert [r["value"] for r in res.records] == [float(s) for s in range(6)]


def _children(pid):
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_their_parent(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from scalingcheck.simulate.runs.store import MemoryStore
        from scalingcheck.simulate.runs.sweep import ProcessExecutor, Sweep, execute
        from tests.toy import FaultToy
        if __name__ == "__main__":
            execute(Sweep.over(FaultToy(sleep=60.0), seeds=range(4)), MemoryStore(),
                    executor=ProcessExecutor(workers=2), progress=False)
    """))
    proc = subprocess.Popen([sys.executable, str(script)])
    deadline, workers = time.time() + 60, []
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.2)
        workers = [c for c in _children(proc.pid) if "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
                   and "tracker" not in Path(f"/proc/{c}/cmdline").read_text().split("spawn_main")[0]]
    assert len(workers) >= 2, "the workers did not start"
    time.sleep(3.0)  # let them import and start the long runs
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.2)
    assert not any(_alive(w) for w in workers), "workers outlived their parent"


def test_two_processes_on_one_store_do_each_run_once(tmp_path):
    db, counter = tmp_path / "store.sqlite", tmp_path / "computed"
    counter.mkdir()
    SQLiteStore(db).close()
    script = tmp_path / "sweep.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from scalingcheck.simulate.runs.store import SQLiteStore
        from scalingcheck.simulate.runs.sweep import SerialExecutor, Sweep, execute
        from tests.toy import FaultToy
        sweep = Sweep.over(FaultToy(sleep=0.1, counter={str(counter)!r}), seeds=range(6), p=[1, 2, 3])
        res = execute(sweep, SQLiteStore({str(db)!r}), executor=SerialExecutor(), progress=False, poll=0.1)
        print(res.computed, res.cached, res.shared, len(res.records))
    """))
    procs = [subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(os.listdir(counter)) == 18, "each run computed exactly once"
    computed, cached, shared = ([int(o[i]) for o in outs] for i in range(3))
    assert sum(computed) == 18, "between them the two processes computed every run once"
    # a run is cached for one process if the other stored it before this one looked, shared
    # if it was stored while this one waited: each process accounts for all 18 once
    assert all(c + k + s == 18 for c, k, s in zip(computed, cached, shared))
    assert all(int(o[3]) == 18 for o in outs)
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0


def test_a_crashed_holders_lease_expires(tmp_path):
    db = tmp_path / "store.sqlite"
    sweep = Sweep.over(PowerLawToy(), seeds=range(3))
    keys = [s.key(seed) for s, seed in sweep.points()]
    with SQLiteStore(db) as dead:
        assert dead.claim(keys, "crashed-process") == set(keys)
    with SQLiteStore(db, lease_ttl=0.5) as store:
        assert store.claim(keys, "me") == set(), "a fresh lease of another process is respected"
        start = time.monotonic()
        res = execute(sweep, store, executor=SerialExecutor(), progress=False, poll=0.1)
        assert res.computed == 3 and time.monotonic() - start >= 0.4


def test_a_lease_of_a_process_of_this_host_that_is_gone_is_taken_at_once(tmp_path):
    """A killed sweep re-run on the same machine does not wait for the TTL; a live holder is still respected."""
    import socket

    db = tmp_path / "store.sqlite"
    keys = [s.key(seed) for s, seed in Sweep.over(PowerLawToy(), seeds=range(2)).points()]
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    host = socket.gethostname()
    with SQLiteStore(db) as store:
        assert store.claim(keys[:1], f"{host}:{finished.pid}:dead0000") == {keys[0]}
        assert store.claim(keys[1:], f"{host}:{os.getppid()}:alive000") == {keys[1]}
    with SQLiteStore(db) as store:  # the default TTL of 60 s has not passed
        assert store.claim(keys, "me") == {keys[0]}


def test_a_live_holders_runs_are_waited_for_not_recomputed(tmp_path):
    db = tmp_path / "store.sqlite"
    sweep = Sweep.over(PowerLawToy(), seeds=range(2))
    spec, seed = sweep.points()[0]
    with SQLiteStore(db) as holder, SQLiteStore(db) as store:
        assert holder.claim([spec.key(seed)], "other") == {spec.key(seed)}

        import threading

        def finish_later():
            time.sleep(0.5)
            with SQLiteStore(db) as own:  # a sqlite3 connection belongs to its thread
                own.put(spec, seed, {"p": spec.p, "test_error": 0.5, "from": "other"})

        with holder.keep_leases("other"):
            thread = threading.Thread(target=finish_later)
            thread.start()
            res = execute(sweep, store, executor=SerialExecutor(), progress=False, poll=0.1)
            thread.join()
        assert (res.computed, res.shared) == (1, 1)
        assert res.records[0]["from"] == "other"
        assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0
