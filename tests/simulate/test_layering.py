"""simulate/ imports neither theory nor compare (DESIGN.md: arrows go one way)."""
from __future__ import annotations

import ast
import pathlib

import simulate


def test_simulate_imports_no_theory_or_compare():
    root = pathlib.Path(simulate.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"theory", "compare"}]
    assert not offenders, offenders
