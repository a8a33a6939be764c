"""Provenance of a report: which code, on which software and device, ran which suite, when.

``results.json`` carries it next to the outcomes, so that a result can be
traced and a later run compared with it (package version, git commit when
the package runs from a checkout, Python, torch and numpy versions, device,
suite, date).
"""
from __future__ import annotations

import datetime as _dt
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["provenance", "package_version", "git_commit"]

SOURCE_ROOT = Path(__file__).resolve().parents[1]
"""The repository root when the package runs from a source checkout (an editable install)."""


def package_version() -> str:
    """The installed distribution's version ("unknown" when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scalingcheck")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "unknown"


def git_commit(root: Path = SOURCE_ROOT) -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` of the checkout the package runs from, or ``None``.

    Only a checkout whose top level holds the package's own layers counts (an
    installed wheel inside some other repository is not attributed to it).
    """
    if not ((root / ".git").exists() and (root / "compare").is_dir() and (root / "simulate").is_dir()):
        return None
    try:
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if sha.returncode != 0:
        return None
    return {"commit": sha.stdout.strip(), "dirty": bool(status.stdout.strip())}


def provenance(suite: str | None = None, device: str | None = None) -> dict[str, Any]:
    """The provenance block of ``results.json``.

    `device`: where the runs executed ("cpu", "cuda", ...); ``None`` -> the
    default device rule (CUDA when present, else CPU). ``device_mode`` is
    ``SCALINGCHECK_DEVICE`` ('auto' sends some kinds to the CPU even where
    ``device`` is 'cuda'; each record names the device that ran it).
    """
    import numpy
    import torch

    from ..simulate.runs.device import default_device, device_mode

    git = git_commit()
    return {
        "package": "scalingcheck",
        "version": package_version(),
        "git_commit": None if git is None else git["commit"],
        "git_dirty": None if git is None else git["dirty"],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "device": str(default_device()) if device is None else str(device),
        "device_mode": device_mode(),
        "cuda_device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "suite": suite,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
