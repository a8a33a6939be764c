"""The distribution installs the three layers as subpackages of `scalingcheck`, and nothing else at top level."""
from __future__ import annotations

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_and_mapped():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {"scalingcheck"}
    for layer in ("theory", "simulate", "compare"):
        for init in (ROOT / layer).rglob("__init__.py"):
            found.add(".".join(("scalingcheck", *init.parent.relative_to(ROOT).parts)))
    assert found == listed
    assert config["package-dir"] == {"scalingcheck": "scalingcheck", "scalingcheck.theory": "theory",
                                     "scalingcheck.simulate": "simulate", "scalingcheck.compare": "compare"}
    assert all(name.split(".")[0] == "scalingcheck" for name in listed)


def test_console_script_points_into_the_namespace():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"scalingcheck": "scalingcheck.compare.cli:console_main"}
