"""The results store: one record per run, keyed by the run's content hash.

Two backends share one small interface (like emcee's ``backends``):

* :class:`MemoryStore` for tests and throw-away work;
* :class:`SQLiteStore`, the default, one file on disk. Each record is written
  in its own transaction, so a sweep killed at any moment loses at most the
  run in flight, and re-running it skips every finished run.

A SQLite store carries a ``meta`` table with its format and version; a file
that is not a scalingcheck store (another program's database, an empty file,
a store of another schema or of a newer version) is refused and never
written into. Several processes may share one store: a process *leases* the
runs it is about to compute (a ``leases`` table with a heartbeat), so another
process waits for them instead of computing them twice. A lease whose holder
stopped renewing it (a crashed process) expires after ``lease_ttl`` seconds,
or at once when the holder was a process of this host that no longer exists
(a killed sweep, re-run on the same machine, does not wait for the TTL).

Every record is stored with the sha256 of its text. A stored record that
fails its checksum, is not valid JSON or is not a mapping (a row edited or
damaged after it was written) counts as absent: ``get`` returns ``None``,
``present`` leaves it out, so a sweep computes it again, and ``damaged``
says which runs and why. Stores written before checksums existed (version 1)
are read as they are, their records checked for being JSON mappings only.
"""
from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import RunFailure
from .spec import Spec, to_dict

STORE_FORMAT = "scalingcheck-store"
STORE_VERSION = 2
"""Written into the ``meta`` table of every SQLite store; a store of a newer version is refused. Version 2
added the records' checksums; a version-1 store is upgraded (a column added) when opened for writing."""

LEASE_TTL = 60.0
"""Seconds after its last heartbeat when a lease counts as abandoned (its holder crashed)."""


def lease_owner() -> str:
    """A name for this process as a lease holder: ``host:pid:random`` (unique even when a pid is reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"


def _gone(holder: str) -> bool:
    """True when `holder` (a :func:`lease_owner` name) was a process of this host that no longer exists.

    A holder on another host, or a name of another form, is never taken for gone: its lease expires
    after the TTL. A pid that was reused since by another process reads as alive, which is safe.
    """
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by another user
        return False
    return False


class StoreError(RunFailure):
    """The store cannot be used: not a scalingcheck store, another version, unreadable or not writable."""


def checksum(text: str) -> str:
    """The sha256 (hex) of a stored record's text."""
    return hashlib.sha256(text.encode()).hexdigest()


def decode_record(text: str, expected: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """(record, None) for a sound stored record, or (None, why it cannot be used).

    `expected` is the stored checksum (``None`` for a record of a version-1 store, which has none).
    """
    if expected is not None and checksum(text) != expected:
        return None, "its checksum does not match (the row was edited or damaged after it was written)"
    try:
        value = json.loads(text)
    except ValueError as exc:
        return None, f"it is not valid JSON ({exc})"
    if not isinstance(value, dict):
        return None, f"it holds {json.dumps(value)[:40]}, not a record (a mapping of field names to values)"
    return value, None


class Store:
    """Interface: a mapping from run key to record, plus leases for runs being computed."""

    def get(self, key: str) -> dict[str, Any] | None:  # pragma: no cover - interface
        raise NotImplementedError

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def keys(self) -> set[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

    def present(self, keys: Iterable[str]) -> set[str]:
        """The subset of `keys` whose records are stored (and sound: see ``damaged``)."""
        return {k for k in keys if self.get(k) is not None}

    @property
    def damaged(self) -> dict[str, str]:
        """Runs whose stored record was found unusable (key -> why), among those read so far; they count
        as absent, and storing the run again mends them."""
        return self.__dict__.setdefault("_damaged", {})

    def claim(self, keys: Iterable[str], owner: str) -> set[str]:
        """Lease the runs of `keys` that are neither stored nor leased by a live other owner; returns them.

        A store used by one process at a time (the default) leases everything asked for.
        """
        keys = set(keys)  # read once: `keys` may be an iterator
        return keys - self.present(keys)

    def release(self, owner: str) -> None:
        """Drop every lease `owner` holds."""

    @contextmanager
    def keep_leases(self, owner: str) -> Iterator[None]:
        """Renew `owner`'s leases in the background while the block runs; release them at its end."""
        try:
            yield
        finally:
            self.release(owner)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        return len(self.keys())

    def lookup(self, points: Iterable[tuple[Spec, int]]) -> list[dict[str, Any] | None]:
        """Records for (spec, seed) pairs, ``None`` where a run is missing."""
        return [self.get(spec.key(seed)) for spec, seed in points]

    def close(self) -> None:
        pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryStore(Store):
    """In-memory store (lost when the process ends)."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._rows.get(key)
        if row is None:
            return None
        record, why = decode_record(row["record"], row["checksum"])
        if why is not None:
            self.damaged[key] = why
        return record

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:
        text = json.dumps(dict(record))
        self._rows[spec.key(seed)] = {"kind": spec.kind, "record": text, "checksum": checksum(text)}
        self.damaged.pop(spec.key(seed), None)

    def keys(self) -> set[str]:
        return set(self._rows)

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        for key, row in self._rows.items():
            if kind is None or row["kind"] == kind:
                record = self.get(key)
                if record is not None:
                    yield record


_RUNS_COLUMNS = ("key", "kind", "spec", "seed", "record", "created")
"""The columns of a version-1 store's ``runs`` table; version 2 adds ``checksum``."""
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        key      TEXT PRIMARY KEY,
        kind     TEXT NOT NULL,
        spec     TEXT NOT NULL,
        seed     INTEGER NOT NULL,
        record   TEXT NOT NULL,
        created  REAL NOT NULL,
        checksum TEXT
    )""",
    "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, owner TEXT NOT NULL, heartbeat REAL NOT NULL)",
)
_CHUNK = 500  # keys per IN (...) query, below SQLite's parameter limit


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


class SQLiteStore(Store):
    """Records in a SQLite file, one row per run.

    Parameters
    ----------
    path:
        File name. A missing file is created (with its parent folders) unless
        `readonly`; an existing file must be a scalingcheck store.
    readonly:
        Open without ever writing (``scalingcheck report``); the file must exist.
    lease_ttl:
        Seconds without a heartbeat after which another process's lease on a
        run expires (see the module docstring).

    Raises
    ------
    StoreError
        If the file is not a scalingcheck store, was written by a newer
        version, cannot be read, or (unless `readonly`) cannot be written.
    """

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False, lease_ttl: float = LEASE_TTL) -> None:
        self.path = Path(path)
        self.readonly = bool(readonly)
        self.lease_ttl = float(lease_ttl)
        self._sound: set[str] = set()  # keys whose stored record was read and found sound
        where = f"store {str(self.path)!r}"
        if self.path.is_dir():
            raise StoreError(f"{where} is a folder, not a store file; pass a file name")
        exists = self.path.exists()
        if readonly and not exists:
            raise StoreError(f"{where} does not exist")
        if exists and self.path.stat().st_size == 0:
            raise StoreError(f"{where} is an empty file, not a scalingcheck store; remove it or choose another path")
        try:
            if readonly:
                self._con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=60.0)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._con = sqlite3.connect(self.path, timeout=60.0)
            tables = {r[0] for r in self._con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"{where} cannot be opened as a SQLite results store: {exc}") from exc
        try:
            self._check_format(tables, exists, where)
            if not readonly:
                self._prepare(where)
            columns = [r[1] for r in self._con.execute("PRAGMA table_info(runs)")]
        except BaseException:
            self._con.close()
            raise
        self._checksum_column = "checksum" if "checksum" in columns else "NULL"

    def _check_format(self, tables: set[str], exists: bool, where: str) -> None:
        if not exists:
            return
        if "meta" in tables:
            meta = dict(self._con.execute("SELECT name, value FROM meta").fetchall())
            if meta.get("format") != STORE_FORMAT:
                raise StoreError(f"{where} is not a scalingcheck store (meta format {meta.get('format')!r}); "
                                 "choose another path")
            version = int(meta.get("version", "0"))
            if version > STORE_VERSION:
                raise StoreError(f"{where} was written by a newer scalingcheck (store version {version} > "
                                 f"{STORE_VERSION}); upgrade scalingcheck or use another store")
            return
        columns = tuple(r[1] for r in self._con.execute("PRAGMA table_info(runs)")) if "runs" in tables else ()
        if tables == {"runs"} and columns[:len(_RUNS_COLUMNS)] == _RUNS_COLUMNS:
            return  # a store written before the meta table existed (version 1, same schema)
        what = f"tables {', '.join(sorted(tables))}" if tables else "no tables"
        raise StoreError(f"{where} is not a scalingcheck store ({what}); it was left untouched: choose another path")

    def _prepare(self, where: str) -> None:
        """Create the tables and write the format; fails here, before any run, if the store is not writable."""
        try:
            with self._con:
                for statement in _SCHEMA:
                    self._con.execute(statement)
                if "checksum" not in [r[1] for r in self._con.execute("PRAGMA table_info(runs)")]:
                    self._con.execute("ALTER TABLE runs ADD COLUMN checksum TEXT")  # a version-1 store
                self._con.executemany(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                    [("format", STORE_FORMAT), ("version", str(STORE_VERSION)), ("opened", repr(time.time()))],
                )
        except sqlite3.Error as exc:
            raise StoreError(f"{where} is not writable: {exc}") from exc

    def _fail(self, action: str, exc: BaseException) -> StoreError:
        return StoreError(f"store {str(self.path)!r}: could not {action}: {exc}")

    def _read(self, where: str, args: Iterable[Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """(key, record or None if damaged) of the rows selected by `where`, in order of creation."""
        try:
            rows = self._con.execute(f"SELECT key, record, {self._checksum_column} FROM runs WHERE {where} "
                                     "ORDER BY created", tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise self._fail("read", exc) from exc
        for key, text, expected in rows:
            record, why = decode_record(text, expected)
            if why is None:
                self._sound.add(key)
                self.damaged.pop(key, None)
            else:
                self._sound.discard(key)
                self.damaged[key] = why
            yield key, record

    def get(self, key: str) -> dict[str, Any] | None:
        for _, record in self._read("key = ?", (key,)):
            return record
        return None

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:
        key = spec.key(seed)
        text = json.dumps(dict(record))
        row = (key, spec.kind, json.dumps(to_dict(spec), sort_keys=True), int(seed), text, time.time(), checksum(text))
        try:
            with self._con:  # one transaction per record: atomic on disk
                self._con.execute("INSERT OR REPLACE INTO runs (key, kind, spec, seed, record, created, checksum) "
                                  "VALUES (?,?,?,?,?,?,?)", row)
                self._con.execute("DELETE FROM leases WHERE key = ?", (key,))
        except sqlite3.Error as exc:
            raise self._fail(f"write the record of run {key} ({spec.kind})", exc) from exc
        self._sound.add(key)
        self.damaged.pop(key, None)

    def keys(self) -> set[str]:
        return {r[0] for r in self._con.execute("SELECT key FROM runs")}

    def present(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found = {k for k in keys if k in self._sound}
        unread = [k for k in keys if k not in self._sound]
        for chunk in _chunks(unread):
            marks = ",".join("?" * len(chunk))
            found.update(key for key, record in self._read(f"key IN ({marks})", chunk) if record is not None)
        return found

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Every sound record (of `kind`), in the order they were stored; damaged ones are noted in ``damaged``."""
        where, args = ("1", ()) if kind is None else ("kind = ?", (kind,))
        for _, record in self._read(where, args):
            if record is not None:
                yield record

    # -- leases: several processes on one store ------------------------------------------------------------

    def claim(self, keys: Iterable[str], owner: str) -> set[str]:
        keys = list(dict.fromkeys(keys))
        if self.readonly or not keys:
            return set()
        now = time.time()
        mine: set[str] = set()
        try:
            self._con.execute("BEGIN IMMEDIATE")  # one writer at a time: two processes never claim the same run
            try:
                stored = self.present(keys)
                held: dict[str, tuple[str, float]] = {}
                for chunk in _chunks(keys):
                    marks = ",".join("?" * len(chunk))
                    for key, holder, beat in self._con.execute(
                            f"SELECT key, owner, heartbeat FROM leases WHERE key IN ({marks})", chunk):
                        held[key] = (holder, beat)
                for key in keys:
                    if key in stored:
                        continue
                    holder, beat = held.get(key, (owner, 0.0))
                    if holder == owner or now - beat > self.lease_ttl or _gone(holder):
                        mine.add(key)
                self._con.executemany("INSERT OR REPLACE INTO leases (key, owner, heartbeat) VALUES (?,?,?)",
                                      [(k, owner, now) for k in mine])
                self._con.execute("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise self._fail("lease runs", exc) from exc
        return mine

    def release(self, owner: str) -> None:
        if self.readonly:
            return
        try:
            with self._con:
                self._con.execute("DELETE FROM leases WHERE owner = ?", (owner,))
        except sqlite3.Error:  # the store went away (disk full, closed): its leases expire by themselves
            pass

    @contextmanager
    def keep_leases(self, owner: str) -> Iterator[None]:
        stop = threading.Event()

        def beat() -> None:  # its own connection: a sqlite3 connection belongs to one thread
            con = sqlite3.connect(self.path, timeout=60.0)
            try:
                while not stop.wait(self.lease_ttl / 4):
                    try:
                        with con:
                            con.execute("UPDATE leases SET heartbeat = ? WHERE owner = ?", (time.time(), owner))
                    except sqlite3.Error:
                        pass  # busy or full: the next beat tries again
            finally:
                con.close()

        thread = None
        if not self.readonly:
            thread = threading.Thread(target=beat, name="scalingcheck-lease-heartbeat", daemon=True)
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join()
            self.release(owner)

    def close(self) -> None:
        self._con.close()


def open_store(path: str | os.PathLike[str] | None, readonly: bool = False) -> Store:
    """`None` -> a `MemoryStore`; a path -> a `SQLiteStore` at that path."""
    return MemoryStore() if path is None else SQLiteStore(path, readonly=readonly)
