"""Progress reporting for long work: a tqdm bar on a terminal, silent elsewhere."""
from __future__ import annotations

import sys
from typing import Any

from tqdm.auto import tqdm


def progress_bar(total: int, desc: str, enabled: bool | None = None, **kwargs: Any) -> tqdm:
    """A progress bar over `total` steps.

    ``enabled=None`` shows it only when standard error is a terminal (so logs
    and CI output stay clean); ``True``/``False`` force it on or off.
    """
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, dynamic_ncols=True, **kwargs)
