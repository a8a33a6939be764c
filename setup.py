"""Packaging that finds its packages: the metadata is in pyproject.toml.

The three layers (theory/, simulate/, compare/) stay at the repository's top level and install as
subpackages of ``scalingcheck``; no bare ``theory``, ``simulate`` or ``compare`` module is installed.
Every folder of a layer with an ``__init__.py`` is a package, so a new study folder needs no edit here.
"""
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent
LAYERS = {"scalingcheck": "scalingcheck", "scalingcheck.theory": "theory", "scalingcheck.simulate": "simulate",
          "scalingcheck.compare": "compare"}


def packages() -> list[str]:
    """``scalingcheck`` and every package under the three layers, as installed names."""
    found = ["scalingcheck"]
    for layer in ("theory", "simulate", "compare"):
        found += [".".join(("scalingcheck", *init.parent.relative_to(ROOT).parts))
                  for init in sorted((ROOT / layer).rglob("__init__.py"))]
    return found


if __name__ == "__main__":
    setup(packages=packages(), package_dir=LAYERS)
