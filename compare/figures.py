"""Figures that span several claims (e.g. a collapse of learning curves over all (m, L)).

A claim's own plot shows its measured exponent; a :class:`Figure` draws the
records of several claims of a suite together. It computes nothing: it reads
the runs its claims already stored, and is skipped (not drawn, not listed in
the report) when any is missing or when one of its claims is not part of the
run (``--claim``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..simulate.runs.store import Store
from ..simulate.runs.sweep import collect

from .claim import Claim

Records = Mapping[str, list[dict[str, Any]]]
"""Stored records of each claim the figure draws, by claim name."""


@dataclass(frozen=True)
class Figure:
    """A PNG drawn from the stored runs of `claims` by `draw(records, path)`."""

    name: str
    caption: str
    claims: tuple[str, ...]
    draw: Callable[[Records, Path], None]

    def records(self, claims: Sequence[Claim], store: Store) -> dict[str, list[dict[str, Any]]] | None:
        """Records of this figure's claims, or ``None`` if a claim is absent or a run is missing."""
        by_name = {c.name: c for c in claims}
        if any(name not in by_name for name in self.claims):
            return None
        out = {}
        for name in self.claims:
            found = collect(by_name[name].sweep, store)
            if any(r is None for r in found):
                return None
            out[name] = [r for r in found if r is not None]
        return out


def pyplot():
    """matplotlib.pyplot on the Agg backend (imported only when a figure is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save(fig, path: str | Path) -> None:
    """Lay out, write and close a matplotlib figure."""
    fig.tight_layout()
    fig.savefig(path)
    pyplot().close(fig)


def draw_figures(figures: Sequence[Figure], claims: Sequence[Claim], store: Store, folder: str | Path) -> list[tuple[Path, str]]:
    """Draw every figure whose runs are all stored; returns (path, caption) of those drawn."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn = []
    for fig in figures:
        records = fig.records(claims, store)
        if records is None:
            continue
        path = folder / f"{fig.name}.png"
        fig.draw(records, path)
        drawn.append((path, fig.caption))
    return drawn
