"""The study interface: one paper's (or one group of papers') claims at each scale, and its figures.

A study has a ``name``, a ``title``, the ``papers`` it checks (arXiv ids),
its ``scales`` (name -> :class:`Scale`, the sizes of every claim at that
scale), ``claims(scale)`` and ``figures(claims)``. A new paper is a new
study: subclass :class:`Study`, give its scales, build its claims, and
:func:`scalingcheck.compare.studies.register` it; suites, ``scalingcheck list``
and the report derive from the registry.

Scales are named like suites: ``toy`` (seconds, for the tests), ``quick``
(minutes on 2 CPU cores) and ``full`` (hours on CPU, or a GPU). A study may
offer a subset, or names of its own.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from ..claim import Claim
    from ..figures import Figure

__all__ = ["Scale", "Study"]


@dataclass(frozen=True, kw_only=True)
class Scale:
    """Sizes of one scale of a study. Subclass it with the study's own fields (keyword-only)."""

    n_boot: int = 2000
    """Bootstrap resamples of every estimator at this scale."""


class Study:
    """Base of all studies. Subclasses set the class attributes and implement :meth:`build`."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    papers: ClassVar[tuple[str, ...]] = ()
    scales: ClassVar[Mapping[str, Scale]] = {}
    order: ClassVar[float] = float("inf")
    """Where the study comes in suites and reports (the built-in ones number theirs 1, 2, ...); studies of
    equal order come in the order they registered."""

    def sizes(self, scale: str) -> Scale:
        """The sizes of `scale`; ``ValueError`` naming the study's scales otherwise."""
        if scale not in self.scales:
            raise ValueError(f"study {self.name!r} has no scale {scale!r}; scales: {', '.join(self.scales)}")
        return self.scales[scale]

    def build(self, sizes: Scale) -> list["Claim"]:  # pragma: no cover - interface
        """The claims at the given sizes."""
        raise NotImplementedError

    def claims(self, scale: str) -> list["Claim"]:
        """The claims at the named scale, each stamped with this study's name."""
        import dataclasses

        return [dataclasses.replace(c, study=self.name) for c in self.build(self.sizes(scale))]

    def skipped(self, scale: str) -> list[tuple[str, str]]:
        """(claim name, why) of the claims of `scale` that this machine cannot run (their data is not here), left
        out of :meth:`claims`; suites and reports say so. Default: none."""
        return []

    def figures(self, claims: Mapping[str, "Claim"]) -> list["Figure"]:
        """Figures spanning several of this study's `claims` (by name, as built for one scale; a list of
        claims is keyed by their names)."""
        return []

    def __init_subclass__(cls, **kwargs) -> None:
        """A subclass's ``figures`` receives its claims by name even when called with a list of claims."""
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("figures")
        if own is not None:
            @functools.wraps(own)
            def figures(self, claims):
                from ..figures import _by_name  # the one normalisation (compare.figures imports the studies' base)

                return own(self, _by_name(claims))

            cls.figures = figures

    def __repr__(self) -> str:
        return f"<study {self.name}: {self.title}>"
