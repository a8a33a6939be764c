"""The results store: one record per run, keyed by the run's content hash.

Two backends share one small interface (like emcee's ``backends``):

* :class:`MemoryStore` for tests and throw-away work;
* :class:`SQLiteStore`, the default, one file on disk. Each record is written
  in its own transaction, so a sweep killed at any moment loses at most the
  run in flight, and re-running it skips every finished run.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .spec import Spec, to_dict


class Store:
    """Interface: a mapping from run key to record."""

    def get(self, key: str) -> dict[str, Any] | None:  # pragma: no cover - interface
        raise NotImplementedError

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:  # pragma: no cover
        raise NotImplementedError

    def keys(self) -> set[str]:  # pragma: no cover - interface
        raise NotImplementedError

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:  # pragma: no cover
        raise NotImplementedError

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
        return None if row is None else json.loads(row["record"])

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:
        self._rows[spec.key(seed)] = {"kind": spec.kind, "record": json.dumps(dict(record))}

    def keys(self) -> set[str]:
        return set(self._rows)

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        for row in self._rows.values():
            if kind is None or row["kind"] == kind:
                yield json.loads(row["record"])


_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    key     TEXT PRIMARY KEY,
    kind    TEXT NOT NULL,
    spec    TEXT NOT NULL,
    seed    INTEGER NOT NULL,
    record  TEXT NOT NULL,
    created REAL NOT NULL
)
"""


class SQLiteStore(Store):
    """Records in a SQLite file (created if absent), one row per run.

    Parameters
    ----------
    path:
        File name; parent folders are created.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = sqlite3.connect(self.path, timeout=60.0)
            with self._con:
                self._con.execute(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"store={str(self.path)!r} is not a usable SQLite results store: {exc}") from exc

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._con.execute("SELECT record FROM runs WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, spec: Spec, seed: int, record: Mapping[str, Any]) -> None:
        with self._con:  # one transaction per record: atomic on disk
            self._con.execute(
                "INSERT OR REPLACE INTO runs (key, kind, spec, seed, record, created) VALUES (?,?,?,?,?,?)",
                (
                    spec.key(seed),
                    spec.kind,
                    json.dumps(to_dict(spec), sort_keys=True),
                    int(seed),
                    json.dumps(dict(record)),
                    time.time(),
                ),
            )

    def keys(self) -> set[str]:
        return {r[0] for r in self._con.execute("SELECT key FROM runs")}

    def records(self, kind: str | None = None) -> Iterator[dict[str, Any]]:
        if kind is None:
            cur = self._con.execute("SELECT record FROM runs ORDER BY created")
        else:
            cur = self._con.execute("SELECT record FROM runs WHERE kind = ? ORDER BY created", (kind,))
        for (text,) in cur:
            yield json.loads(text)

    def close(self) -> None:
        self._con.close()


def open_store(path: str | os.PathLike[str] | None) -> Store:
    """`None` -> a `MemoryStore`; a path -> a `SQLiteStore` at that path."""
    return MemoryStore() if path is None else SQLiteStore(path)
