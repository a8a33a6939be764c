"""Figures that span several claims (e.g. a collapse of learning curves over all (m, L)).

A claim's own plot shows its measurement; a :class:`Figure` draws the stored
records of several claims of a study together. It holds the claims it draws
(a study builds its figures from its own claims, :meth:`Study.figures`) and
computes nothing: it reads the runs its claims stored.

:func:`draw_figures` draws the figures whose claims were all run. A figure
one of whose claims was left out by ``--claim`` is skipped and says so; so
is one whose runs are not all in the store (``scalingcheck report`` on a
partial store). A figure asking for a claim its study did not build is an
error, raised when the study builds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Mapping, Sequence

from ..simulate.runs.store import Store
from ..simulate.runs.sweep import collect
from ..simulate.runs.errors import is_interrupt
from .claim import Claim, check_name

__all__ = ["Figure", "Records", "draw_figures", "pick", "pyplot", "save"]

Records = Mapping[str, list[dict[str, Any]]]
"""Stored records of each claim the figure draws, by claim name."""


@dataclass(frozen=True)
class Figure:
    """A PNG drawn from the stored runs of `claims` by ``draw(records, path)``."""

    name: str
    caption: str
    claims: tuple[Claim, ...]
    draw: Callable[[Records, Path], None]

    def __post_init__(self) -> None:
        check_name(self.name, "figure")

    def records(self, store: Store) -> dict[str, list[dict[str, Any]]] | None:
        """Records of this figure's claims, or ``None`` if a run is missing."""
        out = {}
        for claim in self.claims:
            found = collect(claim.sweep, store)
            if any(r is None for r in found):
                return None
            out[claim.name] = [r for r in found if r is not None]
        return out


def pick(claims: Mapping[str, Claim], *names: str) -> tuple[Claim, ...]:
    """The claims `names` of a study's `claims`; ``ValueError`` for one the study did not build."""
    missing = [n for n in names if n not in claims]
    if missing:
        raise ValueError(f"figure asks for claim(s) {', '.join(missing)}, which the study did not build; "
                         f"built: {', '.join(claims)}")
    return tuple(claims[n] for n in names)


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


def draw_figures(
    figures: Sequence[Figure], selected: Collection[str], store: Store, folder: str | Path
) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Draw every figure whose claims are all `selected` (claim names) and whose runs are all stored.

    Returns the (path, caption) of the figures drawn and the (name, reason) of those skipped.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    drawn, skipped = [], []
    for fig in figures:
        left_out = [c.name for c in fig.claims if c.name not in selected]
        if left_out:
            skipped.append((fig.name, f"needs claim(s) {', '.join(left_out)}, left out by --study/--claim"))
            continue
        records = fig.records(store)
        if records is None:
            skipped.append((fig.name, "some of its runs are not in the store"))
            continue
        path = folder / f"{fig.name}.png"
        try:
            fig.draw(records, path)
        except BaseException as exc:  # a figure that cannot be drawn must not cost the report; say why
            if is_interrupt(exc):
                raise
            pyplot().close("all")
            skipped.append((fig.name, f"drawing failed: {type(exc).__name__}: {exc}"))
            continue
        drawn.append((path, fig.caption))
    return drawn, skipped
