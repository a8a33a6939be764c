"""A user's own claims: a Python file or module that registers studies (and predictions) through the public API.

``scalingcheck run path/to/claims.py`` (or ``-m package.module``) imports the
file once; whatever studies it registers (``scalingcheck.register_study``) and
predictions it adds (``scalingcheck.register_prediction``) make up the run.
The file is imported as an ordinary module (its folder goes first on
``sys.path``), so the worker processes that run its specs import it too.

Errors in the file are reported with the file and line where they happened
(:class:`ClaimsFileError`, a ``ValueError``: exit code 2 on the command line).
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from ..simulate.runs.errors import BadInput, is_interrupt
from .studies import Study, studies

__all__ = ["ClaimsFileError", "LoadedClaims", "load_claims"]


class ClaimsFileError(BadInput):
    """A claims file could not be loaded: the message names the file and the line."""


@dataclass(frozen=True)
class LoadedClaims:
    """What a claims file added: its studies and prediction names, and where it came from."""

    source: str
    studies: tuple[Study, ...]
    predictions: tuple[str, ...]
    files: tuple[str, ...] = ()

    def claims(self, scale: str) -> list:
        """The claims of the file's studies at `scale`; an error in the user's code names its file and line."""
        known = sorted({name for s in self.studies for name in s.scales})
        if scale not in known:
            raise ClaimsFileError(f"{self.source} has no scale {scale!r}; its studies' scales: {', '.join(known)}")
        out = []
        for study in self.studies:
            if scale in study.scales:
                try:
                    out += study.claims(scale)
                except BaseException as exc:  # sys.exit in the user's code included: it cannot end the run
                    if is_interrupt(exc):
                        raise
                    raise ClaimsFileError(f"{_where(exc, set(self.files))}: {_what(exc)} "
                                          f"(while building study {study.name!r} of {self.source})") from exc
        return out


def _what(exc: BaseException) -> str:
    """The exception in a few words (``sys.exit(0) was called`` for a ``SystemExit``)."""
    if isinstance(exc, SystemExit):
        return f"sys.exit({exc.code!r}) was called"
    return f"{type(exc).__name__}: {exc}"


def _where(exc: BaseException, files: set[str]) -> str:
    """``file:line`` of the innermost frame of `exc` inside the user's `files` (or the file of a syntax error)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return f"{exc.filename}:{exc.lineno}"
    inside = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) in files]
    frame = inside[-1] if inside else (traceback.extract_tb(exc.__traceback__) or [None])[-1]
    return f"{frame.filename}:{frame.lineno}" if frame is not None else "?"


def _import_file(path: Path) -> None:
    if path.suffix != ".py" or not path.is_file():
        raise ClaimsFileError(f"claims file {str(path)!r} must be an existing .py file")
    name, folder = path.stem, str(path.parent.resolve())
    if not name.isidentifier():
        raise ClaimsFileError(f"claims file {str(path)!r}: its name must be a Python identifier to be imported")
    loaded = sys.modules.get(name)
    if loaded is not None and os.path.realpath(getattr(loaded, "__file__", "") or "") != os.path.realpath(path):
        raise ClaimsFileError(f"claims file {str(path)!r}: a different module named {name!r} is already imported "
                              f"({getattr(loaded, '__file__', 'built in')}); rename the file")
    if folder not in sys.path:
        sys.path.insert(0, folder)  # spawned workers inherit sys.path, so they import the file the same way
    importlib.import_module(name)


def load_claims(path: str | os.PathLike[str] | None = None, module: str | None = None) -> LoadedClaims:
    """Import a claims file (`path`) or module (`module`, as ``python -m`` names it); what it registered.

    A file or module is imported once per process (Python caches modules):
    loading it again returns what its first load registered.

    Raises
    ------
    ClaimsFileError
        If the file is missing, raises, or registers no study; the message
        names the file and line.
    """
    if (path is None) == (module is None):
        raise ClaimsFileError("give a claims file or a module (-m), not both or neither")
    key = ("file", os.path.realpath(path)) if path is not None else ("module", str(module))
    if key in _LOADED:
        return _LOADED[key]
    _LOADED[key] = loaded = _load(path, module)
    return loaded


_LOADED: dict[tuple[str, str], "LoadedClaims"] = {}
"""What each claims file or module registered, by real path or module name (see `load_claims`)."""


def _load(path: str | os.PathLike[str] | None, module: str | None) -> LoadedClaims:
    before_studies = {s.name for s in studies()}  # the built-in ones load first: a clash is the user's
    from ..theory.registry import names

    before_predictions = set(names())
    source = str(path) if path is not None else f"-m {module}"
    files: set[str] = set()
    try:
        if path is not None:
            files.add(os.path.realpath(path))
            _import_file(Path(path))
        else:
            if os.getcwd() not in sys.path:
                sys.path.insert(0, os.getcwd())  # as `python -m` does
            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError) as exc:
                raise ClaimsFileError(f"-m {module}: {exc}") from None
            if spec is None:
                raise ClaimsFileError(f"-m {module}: no module of that name on the path")
            if spec.origin:
                files.add(os.path.realpath(spec.origin))
            for folder in spec.submodule_search_locations or ():  # a package: every file under it is the user's
                files.update(os.path.realpath(str(f)) for f in Path(folder).rglob("*.py"))
            importlib.import_module(module)
    except ClaimsFileError:
        raise
    except BaseException as exc:  # the user's code raised (or called sys.exit): name the file and the line
        if is_interrupt(exc):
            raise
        sys.modules.pop(Path(path).stem if path is not None else str(module), None)
        raise ClaimsFileError(f"{_where(exc, files)}: {_what(exc)} (while loading {source})") from exc
    added = tuple(s for s in studies() if s.name not in before_studies)
    if not added:
        raise ClaimsFileError(f"{source} registers no study: define a Study subclass and call "
                              "scalingcheck.register_study(MyStudy()) at the module's top level")
    new_predictions = tuple(n for n in names() if n not in before_predictions)
    for study in added:  # the study's own module is the user's too (a claims file may import it)
        module_file = getattr(sys.modules.get(type(study).__module__), "__file__", None)
        if module_file:
            files.add(os.path.realpath(module_file))
    return LoadedClaims(source, added, new_predictions, tuple(sorted(files)))
