"""The output folder of a report: what it holds, checked before a run, and written all at once.

A report is several files (:data:`REPORT_FILES`, one plot per claim, the suite's figures). They are
drawn and written into a staging folder inside the output folder while the work goes on, then put in
place together by :meth:`ReportFolder.commit`: each file by an atomic rename, with Ctrl-C and
SIGTERM held back until the last one is in place, so the folder never mixes two runs' files and no
file is ever half-written. The files of the report before that this one does not have (plots of
claims not run this time) are removed, so the folder holds exactly one run's report; a manifest
(:data:`MANIFEST`) lists the files of the report in place. Files in the folder that no report wrote
are never touched.

:func:`check_outputs` is called before anything is computed: the results store and a baseline given
to compare with must not be files the report would write.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from ..simulate.runs.errors import BadInput

__all__ = ["REPORT_FILES", "MANIFEST", "LOG_NAME", "ReportFolder", "check_outputs", "check_same_claims",
           "report_names", "write_atomic"]

REPORT_FILES = ("report.md", "results.json", "results.csv", "results.tex")
"""The files every report writes (besides its plots and figures)."""

MANIFEST = ".scalingcheck-report.json"
"""The list of the files of the report in place (hidden: it is for scalingcheck)."""

LOG_NAME = "scalingcheck.log"
"""Where the command line appends the tracebacks of failures (kept across reports)."""

_STAGING = ".scalingcheck-staging-"
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,120}")


def report_names(claims: Iterable[str], figures: Iterable[str], plots: bool = True, format: str = "png") -> set[str]:
    """The names of every file a report of these claims and figures may write into its folder (plots and
    figures as `format`)."""
    names = set(REPORT_FILES) | {MANIFEST, LOG_NAME}
    if plots:
        names |= {f"{name}.{format}" for name in (*claims, *figures)}
    return names


def _same(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(folder: str | os.PathLike[str], names: Iterable[str], store: str | os.PathLike[str] | None = None,
                  baseline: str | os.PathLike[str] | None = None) -> None:
    """Raise :class:`BadInput` if the store or the baseline is a file the report in `folder` would write
    (`names`: see :func:`report_names`), or the folder itself."""
    folder = Path(folder)
    for given, what, advice in ((store, "--store", "keep the store beside the report, e.g. OUT/store.sqlite"),
                                (baseline, "--baseline", "accept the run to its own file first "
                                 "(scalingcheck baseline accept --to my-baseline.json)")):
        if given is None:
            continue
        path = Path(given)
        if _same(path, folder):
            raise BadInput(f"{what}={str(given)!r} is the output folder itself; name a file ({advice})")
        if _same(path.parent, folder) and path.name in set(names) | {MANIFEST}:
            raise BadInput(f"{what}={str(given)!r} is {path.name} in the output folder, which the report writes "
                           f"over; {advice}")
        if _same(path.parent, folder) and path.name.startswith(_STAGING):
            raise BadInput(f"{what}={str(given)!r} is inside the report's staging area; name another file")


def _origin(suite: str | None, claims_source: str | None) -> str:
    return f"suite {suite!r} of " + (f"the claims file {claims_source}" if claims_source else "the built-in studies")


def _same_source(a: str | None, b: str | None) -> bool:
    """Whether two claims sources (a file's path as given, ``-m module``, or None) are the same."""
    if a == b:
        return True
    if a is None or b is None or a.startswith("-m ") or b.startswith("-m "):
        return False
    return _same(Path(a), Path(b))


def check_same_claims(folder: str | os.PathLike[str], suite: str | None, claims_source: str | None) -> None:
    """Raise :class:`BadInput` if `folder` holds a report (its ``results.json``) made from another set of
    claims than `suite` of `claims_source` (``None``: the built-in studies): another suite, another claims
    file, or the built-in studies instead of a claims file or the other way round. A folder without a
    report, or with one of the same claims (whichever of them were chosen), passes. ``scalingcheck report``
    calls it unless ``--force`` is given, so that a report is never replaced by one of other claims."""
    path = Path(folder) / "results.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path} cannot be read ({exc}); pass --force to replace it or choose another --out") from exc
    prov = data.get("provenance") if isinstance(data, dict) else None
    if not isinstance(prov, dict) or data.get("format") != "scalingcheck-results":
        raise BadInput(f"{path} is not a scalingcheck results.json; pass --force to replace it or choose another "
                       "--out")
    theirs = (prov.get("suite"), prov.get("claims_source") or None)
    if theirs[0] != suite or not _same_source(theirs[1], claims_source or None):
        raise BadInput(f"--out {str(folder)!r} holds the report of {_origin(*theirs)}, not of "
                       f"{_origin(suite, claims_source)}; pass --force to replace it or choose another --out")


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write `data` to `path` through a temporary file in the same folder and a rename: a reader sees the
    old file or the new one, never a part of it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends: their handlers are called then (in the main thread,
    where Python runs signal handlers; elsewhere the block runs as it is)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    before = {signum: signal.signal(signum, lambda signum, frame: arrived.append(signum)) for signum in held}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(arrived):
            handler = before[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class ReportFolder:
    """One report's output folder: files are made in :attr:`staging`, then put in place by :meth:`commit`.

    Parameters
    ----------
    folder:
        The output folder (created if missing).
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._staging: Path | None = None

    @property
    def staging(self) -> Path:
        """A private folder inside the output folder where this report's files are drawn and written
        (created on first use; those of processes that died before committing are removed then)."""
        if self._staging is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            for old in self.folder.glob(f"{_STAGING}*"):
                pid = old.name[len(_STAGING):].partition("-")[0]
                if pid.isdigit() and not _alive(int(pid)):
                    shutil.rmtree(old, ignore_errors=True)
            self._staging = self.folder / f"{_STAGING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
            self._staging.mkdir()
        return self._staging

    def path(self, name: str) -> Path:
        """Where to make the file `name` of this report (in the staging folder)."""
        if not _SAFE.fullmatch(name):
            raise BadInput(f"report file name {name!r} must be letters, digits, '_', '.' or '-'")
        return self.staging / name

    def write_text(self, name: str, text: str) -> Path:
        """Write the file `name` of this report (staged until :meth:`commit`)."""
        path = self.path(name)
        path.write_text(text)
        return path

    def previous(self) -> set[str]:
        """The files of the report in place now (from its manifest; for a folder written before manifests
        existed, its report files and the plots of the claims its results.json lists)."""
        manifest = self.folder / MANIFEST
        names: set[str] = set()
        try:
            listed = json.loads(manifest.read_text()).get("files", [])
            names = {n for n in listed if isinstance(n, str) and _SAFE.fullmatch(n)}
        except (OSError, ValueError, AttributeError):
            results = self.folder / "results.json"
            try:
                data = json.loads(results.read_text())
                outcomes = data.get("outcomes", []) if data.get("format") == "scalingcheck-results" else []
                names = set(REPORT_FILES) | {f"{o['claim']}.png" for o in outcomes
                                             if isinstance(o, dict) and _SAFE.fullmatch(f"{o.get('claim')}.png")}
                names = names if outcomes else set()
            except (OSError, ValueError, AttributeError, TypeError):
                names = set()
        return names - {MANIFEST, LOG_NAME}

    def commit(self, names: Iterable[str]) -> list[Path]:
        """Put the staged files `names` in place and remove the earlier report's other files; returns the
        paths in place. Ctrl-C and SIGTERM are held until it is done."""
        names = list(dict.fromkeys(names))
        for name in names:
            if not (self.staging / name).is_file():
                raise FileNotFoundError(f"report file {name} was not made in {self.staging}")
        old = self.previous()
        with _signals_held():
            write_atomic(self.folder / MANIFEST, json.dumps({"files": sorted(old | set(names))}))
            for name in names:
                os.replace(self.staging / name, self.folder / name)
            for name in old - set(names):
                try:
                    (self.folder / name).unlink()
                except FileNotFoundError:
                    pass
            write_atomic(self.folder / MANIFEST, json.dumps({"files": sorted(names)}))
            self.discard()
        return [self.folder / name for name in names]

    def discard(self) -> None:
        """Remove the staging folder and whatever was made in it."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
