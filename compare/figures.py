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

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence

from ..simulate.runs.errors import BadInput, is_interrupt
from ..simulate.runs.store import Store
from ..simulate.runs.sweep import collect
from .claim import Claim, check_name

__all__ = ["Figure", "Records", "FORMATS", "check_format", "draw_figures", "pick", "pyplot", "save", "study_figures",
           "log_ticks", "legend_off_data"]

FORMATS = ("png", "pdf", "svg")
"""The file formats plots and figures are written in (``--format``)."""

Records = Mapping[str, list[dict[str, Any]]]
"""Stored records of each claim the figure draws, by claim name."""


@dataclass(frozen=True)
class Figure:
    """A plot drawn from the stored runs of `claims` by ``draw(records, path)``; the format follows the suffix
    of `path` (``.png``, ``.pdf``, ``.svg``, see :func:`save`)."""

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


def _by_name(claims: Mapping[str, Claim] | Iterable[Claim]) -> dict[str, Claim]:
    """`claims` by name: a mapping as it is, or a list (tuple, ...) of claims keyed by their names."""
    if isinstance(claims, Mapping):
        return dict(claims)
    out: dict[str, Claim] = {}
    for c in claims:
        if isinstance(c, Claim):
            out[c.name] = c
        else:
            raise BadInput(f"claims: {type(c).__name__} {getattr(c, 'claim', c)!r} is not a Claim; figures draw the "
                           "stored runs of claims: pass the claims (RunResult.claims, get_suite(...)), a list or a "
                           "mapping by name")
    return out


def pick(claims: Mapping[str, Claim] | Sequence[Claim], *names: str) -> tuple[Claim, ...]:
    """The claims `names` of a study's `claims` (a mapping by name, or a list of claims); ``ValueError`` for
    one the study did not build."""
    claims = _by_name(claims)
    missing = [n for n in names if n not in claims]
    if missing:
        raise ValueError(f"figure asks for claim(s) {', '.join(missing)}, which the study did not build; "
                         f"built: {', '.join(claims)}")
    return tuple(claims[n] for n in names)


def study_figures(study: Any, claims: Mapping[str, Claim] | Sequence[Claim]) -> list[Figure]:
    """The figures `study` (a :class:`.studies.Study`) builds over `claims`: a mapping by name or a list of
    claims (e.g. :attr:`.session.RunResult.claims` or ``get_suite("toy")``); only the study's own claims
    are passed to it. :class:`BadInput` for an item that is not a claim (an outcome, say)."""
    own = {name: c for name, c in _by_name(claims).items() if not c.study or c.study == study.name}
    return list(study.figures(own))


def check_format(format: str) -> str:
    """`format` in lower case if it is one of :data:`FORMATS`; else :class:`BadInput` naming them."""
    fmt = str(format).lower().lstrip(".") if isinstance(format, str) else format
    if fmt not in FORMATS:
        raise BadInput(f"format={format!r} is not a figure format; allowed: {', '.join(FORMATS)}")
    return fmt


def pyplot():
    """matplotlib.pyplot on the Agg backend (imported only when a figure is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def log_ticks(ax) -> None:
    """Readable ticks on the log axes of `ax`: over three decades or more, labels on the decades only
    (``10^1``, ``10^2``); over less, at 1, 2 and 5 times the powers of ten as plain numbers (``20``, ``50``,
    ``100``; every integer multiple when that gives fewer than two); never the overlapping minor labels
    (``3x10^1 4x10^1``) matplotlib writes by default."""
    import numpy as np
    from matplotlib.ticker import FuncFormatter, LogFormatterSciNotation, LogLocator, NullFormatter

    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()), (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        if scale != "log":
            continue
        low, high = sorted(limits)
        if not (low > 0 and math.isfinite(high)):
            continue
        if math.log10(high / low) >= 3:
            axis.set_major_locator(LogLocator(base=10, numticks=8))
            axis.set_major_formatter(LogFormatterSciNotation(base=10, labelOnlyBase=True))
        else:
            for subs in ((1.0, 2.0, 5.0), tuple(np.arange(1.0, 10.0))):
                locator = LogLocator(base=10, subs=subs, numticks=12)
                ticks = [t for t in locator.tick_values(low, high) if low <= t <= high]
                if len(ticks) >= 2:
                    break
            axis.set_major_locator(locator)
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.3g}"))
        axis.set_minor_formatter(NullFormatter())


def legend_off_data(ax, fontsize: float | None = None) -> None:
    """Keep the legend of `ax` (made here if it has none and there are labels) off the data: where it is
    if it covers no data point, else where matplotlib finds the emptiest place (``loc="best"``), else
    beside the axes on the right."""
    legend = ax.get_legend()
    if legend is None:
        if not ax.get_legend_handles_labels()[0]:
            return
        legend = ax.legend(fontsize=fontsize or 7, loc="best")
    size = fontsize or (legend.get_texts()[0].get_fontsize() if legend.get_texts() else 7)
    try:
        renderer = ax.figure.canvas.get_renderer()
        if not _covers_data(ax, legend.get_window_extent(renderer)):
            return
        legend.remove()
        legend = ax.legend(fontsize=size, loc="best")
        if not _covers_data(ax, legend.get_window_extent(renderer)):
            return
        legend.remove()
    except Exception:  # pragma: no cover - a backend without a renderer: keep it as it is
        return
    ax.legend(fontsize=size, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)


def _covers_data(ax, box) -> bool:
    """Whether the display box `box` holds a data point of `ax` (the points of its lines and markers)."""
    import numpy as np

    for line in ax.get_lines():
        if line.get_transform() is not ax.transData:  # axhline, axvline: across the axes, not data points
            continue
        xy = np.asarray(line.get_xydata(), dtype=float)
        if xy.ndim != 2 or not len(xy):
            continue
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if not len(xy):
            continue
        shown = ax.transData.transform(xy)
        inside = (shown[:, 0] >= box.x0) & (shown[:, 0] <= box.x1) & (shown[:, 1] >= box.y0) & (shown[:, 1] <= box.y1)
        if np.any(inside):
            return True
    return False


def save(fig, path: str | Path, format: str | None = None) -> None:
    """Lay out, write and close a matplotlib figure; `format` (png, pdf, svg) defaults to the suffix of `path`
    (PNG if it has none). Every log axis gets readable ticks (:func:`log_ticks`), every legend a place off
    the data (:func:`legend_off_data`)."""
    path = Path(path)
    fmt = check_format(format or path.suffix or "png")
    for ax in fig.get_axes():
        log_ticks(ax)
    fig.tight_layout()
    for ax in fig.get_axes():
        legend_off_data(ax)
    fig.tight_layout()
    fig.savefig(path, format=fmt, metadata=_metadata(fmt))
    pyplot().close(fig)


def _metadata(fmt: str) -> dict[str, Any] | None:
    """No creation date in PDF and SVG files, so that the same figure is the same file (no spurious diffs)."""
    if fmt == "pdf":
        return {"CreationDate": None}
    if fmt == "svg":
        return {"Date": None}
    return None


def draw_figures(
    figures: Sequence[Figure], selected: Collection[str], store: Store, folder: str | Path, format: str = "png"
) -> tuple[list[tuple[Path, str]], list[tuple[str, str]]]:
    """Draw every figure whose claims are all `selected` (claim names) and whose runs are all stored, as
    ``folder/NAME.format`` (`format`: png, pdf or svg).

    Returns the (path, caption) of the figures drawn and the (name, reason) of those skipped.
    """
    fmt = check_format(format)
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
        path = folder / f"{fig.name}.{fmt}"
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
