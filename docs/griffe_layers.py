"""A griffe extension: the three layers as the subpackages they install as.

``theory/``, ``simulate/`` and ``compare/`` sit at the repository's top level and install as
``scalingcheck.theory``, ``scalingcheck.simulate`` and ``scalingcheck.compare`` (``setup.py`` maps them).
Griffe reads source statically and finds only ``scalingcheck/__init__.py``; this extension loads the three
folders under the ``scalingcheck`` package when griffe visits it, so the API reference shows the names a user
imports (``scalingcheck.simulate.data.Stripe``), read from the source without importing torch.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import griffe

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("theory", "simulate", "compare")


class Layers(griffe.Extension):
    def on_module_members(self, *, mod: griffe.Module, **kwargs: Any) -> None:
        if mod.path != "scalingcheck" or all(layer in mod.members for layer in LAYERS):
            return
        # The docstrings are parsed again, with mkdocs.yml's options, where the reference renders them; the
        # parse cached here is not reported.
        loader = griffe.GriffeLoader(extensions=griffe.load_extensions(), docstring_parser=griffe.Parser.numpy,
                                     docstring_options={"warnings": False},
                                     modules_collection=mod.modules_collection, lines_collection=mod.lines_collection)
        for layer in LAYERS:
            mod.set_member(layer, loader._load_module(layer, ROOT / layer / "__init__.py", parent=mod))
