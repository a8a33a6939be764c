"""The distribution installs the three layers as subpackages of `scalingcheck`, and nothing else at top level."""
from __future__ import annotations

import importlib
import importlib.util
import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _setup():
    spec = importlib.util.spec_from_file_location("scalingcheck_setup", ROOT / "setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the setup() call is guarded by __main__
    return module


def test_every_subpackage_is_found_and_mapped():
    setup = _setup()
    listed = set(setup.packages())
    found = {"scalingcheck"}
    for layer in ("theory", "simulate", "compare"):
        for init in (ROOT / layer).rglob("__init__.py"):
            found.add(".".join(("scalingcheck", *init.parent.relative_to(ROOT).parts)))
    assert found == listed and "scalingcheck.compare.studies.rhm" in listed
    assert setup.LAYERS == {"scalingcheck": "scalingcheck", "scalingcheck.theory": "theory",
                            "scalingcheck.simulate": "simulate", "scalingcheck.compare": "compare"}
    assert all(name.split(".")[0] == "scalingcheck" for name in listed)
    for name in listed:  # every one imports under its installed name
        importlib.import_module(name)


def test_console_script_points_into_the_namespace():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"scalingcheck": "scalingcheck.compare.cli:console_main"}
