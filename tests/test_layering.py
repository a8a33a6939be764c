"""Imports go one way (DESIGN.md): compare -> theory, compare -> simulate; theory has no torch;
simulate.runs imports nothing else of the package."""
from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "theory": ("scalingcheck.simulate", "scalingcheck.compare", "torch", "theory", "simulate", "compare"),
    "simulate": ("scalingcheck.theory", "scalingcheck.compare", "theory", "simulate", "compare"),
    "compare": ("theory", "simulate", "compare"),  # bare top-level names: only scalingcheck.* exists once installed
}
RUNS_MAY_IMPORT = ("scalingcheck.simulate.runs",)


def imports(path: pathlib.Path) -> list[str]:
    """Absolute names of the modules a file imports (relative imports resolved inside `scalingcheck`)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    package = ["scalingcheck", *parts[:-1]]  # the package the file belongs to (its folder)
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.append(node.module or "")
            else:
                base = package[: len(package) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
    return names


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_imports_go_one_way(layer):
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / layer).rglob("*.py")
        for name in imports(path)
        if _matches(name, FORBIDDEN[layer])
    ]
    assert not offenders, offenders


def test_runs_import_nothing_else_of_the_package():
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / "simulate" / "runs").rglob("*.py")
        for name in imports(path)
        if name.startswith("scalingcheck") and not _matches(name, RUNS_MAY_IMPORT)
    ]
    assert not offenders, offenders


def test_resolution_of_relative_imports():
    """The helper itself: a relative import from compare/ into simulate/ resolves to scalingcheck.simulate."""
    names = imports(ROOT / "compare" / "claim.py")
    assert any(n.startswith("scalingcheck.simulate.") for n in names)
