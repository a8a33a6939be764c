"""Reproduce a paper: run its claims and figures at one scale and write one page beside the results it states.

``scalingcheck reproduce 2307.02129 --scale quick`` (or :func:`reproduce` in the library) selects, from the
study registry, the claims that cite the paper (a claim's prediction carries its arXiv id:
``claim.predicted.citation``), runs them and their figures with :func:`.session.run_claims` (the run of
``scalingcheck run``: same store, same report, same exit codes), and writes ``reproduce.md`` into the output
folder: each claim beside the result the paper states, our figure panels beside the claims they show, and a
closing list of where we agree, disagree and why.

Where the stated results come from
----------------------------------
Every paper has one :class:`Paper` record, in its study's folder (``compare/studies/<study>/paper.py``; for a
study that is a single module, ``compare/<study>_paper.py``), registered by :func:`register_paper` when
imported, and found from the study registry (:func:`papers`). A record gives the paper's metadata and, per
claim (a name or a shell-style pattern), the results the paper states, each a :class:`Stated`: a verbatim
quote of THEORY.md, the package's brief, *as it summarises the paper*, with its section there. The package
has no copy of the papers: a result THEORY.md does not attribute to the paper is "not stated" on the page,
and no number on the page is the paper's unless it is inside such a quote. The claims' own sizes are the
package's scale (``toy``, ``quick``, ``full``), not the paper's: each claim states its parameters.

Example::

    from scalingcheck.compare.reproduce import reproduce

    if __name__ == "__main__":
        done = reproduce("2210.01506", scale="toy", out="pooling-toy", workers=1)
        print(done.page, done.exit_code())
"""
from __future__ import annotations

import fnmatch
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..simulate.runs.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    from ..simulate.runs.store import Store
    from .claim import Claim, Outcome
    from .figures import Figure
    from .session import RunResult

__all__ = ["Stated", "Paper", "register_paper", "papers", "get_paper", "paper_claims", "paper_listing",
           "Reproduction", "reproduce", "reproduce_page", "PAGE_NAME", "THEORY_SOURCE"]

PAGE_NAME = "reproduce.md"
"""The page :func:`reproduce` writes into its output folder."""

THEORY_SOURCE = "THEORY.md"
"""Where every stated result is quoted from: the package's brief on the science, which summarises each paper."""

NOT_STATED = "not stated"


@dataclass(frozen=True)
class Stated:
    """A result the paper states, as THEORY.md summarises it.

    Attributes
    ----------
    quote:
        Verbatim text of THEORY.md (the tests check it is there), tags such as ``[paper]`` included.
    section:
        Where in THEORY.md, e.g. ``"§3 Random Hierarchy Model (RHM), Predictions"``.
    location:
        Where in the paper (a figure, an equation), when known; empty when not (never guessed).
    """

    quote: str
    section: str
    location: str = ""

    def __post_init__(self) -> None:
        if not self.quote.strip() or not self.section.strip():
            raise ValueError("a stated result needs its quote and its THEORY.md section")


@dataclass(frozen=True)
class Paper:
    """One paper the package reproduces: metadata, its studies, and the results it states per claim.

    `stated` maps a claim name, or a shell-style pattern of claim names (``"stability_fmnist_r_init_*"``), to the
    results the paper states that the claim checks; every key that matches contributes. A claim no key matches
    is "not stated" on the page.
    """

    arxiv: str
    title: str
    authors: tuple[str, ...]
    year: int
    venue: str
    studies: tuple[str, ...]
    stated: Mapping[str, tuple[Stated, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{4}\.\d{4,5}", self.arxiv):
            raise ValueError(f"paper arxiv={self.arxiv!r} must be an arXiv id such as 2307.02129 (no version)")
        if not self.studies:
            raise ValueError(f"paper {self.arxiv} must name the study (or studies) that reproduce it")

    @property
    def short_authors(self) -> str:
        last = [a.split()[-1] for a in self.authors]
        return last[0] if len(last) == 1 else (" and ".join(last) if len(last) == 2 else f"{last[0]} et al.")

    def cites(self, claim: "Claim") -> bool:
        """Whether `claim`'s prediction cites this paper."""
        return self.arxiv in _arxiv_ids(getattr(claim.predicted, "citation", ""))

    def stated_for(self, claim: str) -> tuple[Stated, ...]:
        """The results the paper states that claim `claim` checks (by name or pattern), without repeats."""
        found = [s for key, results in self.stated.items() if fnmatch.fnmatchcase(claim, key) for s in results]
        return tuple(dict.fromkeys(found))


_PAPERS: dict[str, Paper] = {}
_loaded = False


def register_paper(paper: Paper) -> Paper:
    """Add `paper` to the registry (returns it). A second, different record of the same arXiv id is an error."""
    if not isinstance(paper, Paper):
        raise ValueError(f"register_paper() takes a Paper, got {type(paper).__name__}")
    if paper.arxiv in _PAPERS and _PAPERS[paper.arxiv] != paper:
        raise ValueError(f"paper {paper.arxiv} is already registered")
    _PAPERS[paper.arxiv] = paper
    return paper


def _paper_module(study: Any) -> str | None:
    """The module holding the paper records of `study`: ``<its folder>.paper`` for a study in a folder of
    ``compare/studies``, ``compare/<name>_paper`` for a study that is one module there; None for another study."""
    studies_pkg = f"{__package__}.studies"
    module = type(study).__module__
    if not module.startswith(studies_pkg + "."):
        return None
    parts = module[len(studies_pkg) + 1:].split(".")
    return f"{studies_pkg}.{parts[0]}.paper" if len(parts) > 1 else f"{__package__}.{parts[0]}_paper"


def _load() -> None:
    global _loaded
    if _loaded:
        return
    from .studies import studies

    for study in studies():
        name = _paper_module(study)
        if name is None:
            continue
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    _loaded = True


def papers() -> list[Paper]:
    """Every registered paper (those of the built-in studies are found on first call), by arXiv id."""
    _load()
    return sorted(_PAPERS.values(), key=lambda p: p.arxiv)


def _arxiv_ids(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"(\d{4}\.\d{4,5})(?:v\d+)?", str(text))}


def get_paper(arxiv_id: str) -> Paper:
    """The paper of `arxiv_id` (``2307.02129``, ``arXiv:2307.02129`` or ``2307.02129v3``); :class:`BadInput`
    listing the known ids otherwise."""
    known = {p.arxiv: p for p in papers()}
    match = re.fullmatch(r"\s*(?:arxiv:)?(\d{4}\.\d{4,5})(?:v\d+)?\s*", str(arxiv_id), flags=re.IGNORECASE)
    if match is None or match.group(1) not in known:
        raise BadInput(f"unknown paper {arxiv_id!r}; known arXiv ids: {', '.join(known)}")
    return known[match.group(1)]


def paper_claims(paper: Paper, scale: str) -> tuple[list["Claim"], list[tuple[str, str]]]:
    """The claims of `paper` at `scale` (its studies' claims that cite it, :func:`.suites.select_claims`) and the
    (claim, why) of its studies' claims this machine cannot run (their data is not here).

    Raises :class:`BadInput` for an unknown scale, and for a paper with no claim at that scale.
    """
    from .suites import select_claims, skipped_claims, studies_of, suite_names

    if scale not in suite_names():
        raise BadInput(f"unknown scale {scale!r}; known: {', '.join(suite_names())}")
    chosen = [s for s in studies_of(scale) if s.name in paper.studies]
    claims = [] if not chosen else [c for c in select_claims(scale, study=[s.name for s in chosen])
                                    if paper.cites(c)]
    if not claims:
        raise BadInput(f"paper {paper.arxiv} has no claims at scale {scale!r} (its studies: {', '.join(paper.studies)})")
    # a claim that cannot run here is not built, so its citation is unknown: kept when the paper states a result
    # for it, or when its study lists only this paper and no other paper states a result for it
    only = {s.name for s in chosen if set(s.papers) == {paper.arxiv}}
    others = [p for p in papers() if p.arxiv != paper.arxiv]
    skipped = [(name, why) for s in chosen for name, why in skipped_claims(scale, [s])
               if paper.stated_for(name) or (s.name in only and not any(p.stated_for(name) for p in others))]
    return claims, skipped


def paper_listing() -> list[str]:
    """The lines of ``scalingcheck reproduce --list``: each paper, its title, its studies and its claims per scale."""
    from .suites import get_suite, suite_names

    suites = {scale: get_suite(scale) for scale in suite_names()}  # each built once (what paper_claims selects from)
    lines = []
    for paper in papers():
        counts = [f"{scale} {sum(c.study in paper.studies and paper.cites(c) for c in claims)}"
                  for scale, claims in suites.items()]
        lines.append(f"{paper.arxiv}  {paper.title} ({paper.short_authors}, {paper.venue} {paper.year})")
        lines.append(f"            studies {', '.join(paper.studies)}; claims: {', '.join(counts)}")
    return lines


@dataclass
class Reproduction:
    """What :func:`reproduce` gave: the paper, the scale, its claims, the run (None for a dry run) and the page."""

    paper: Paper
    scale: str
    claims: list["Claim"]
    result: "RunResult | None"
    page: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)
    figures: list["Figure"] = field(default_factory=list)

    def exit_code(self, strict: bool = False) -> int:
        """The run's exit code (:meth:`.session.RunResult.exit_code`); 0 for a dry run."""
        return 0 if self.result is None else self.result.exit_code(strict=strict)


def _executor(workers: int | None) -> Any:
    """Where the runs go: the default (worker processes when there are several runs) for None, this process for
    1, `workers` worker processes otherwise."""
    if workers is None:
        return None
    if not isinstance(workers, int) or workers < 1:
        raise BadInput(f"workers={workers!r} must be a whole number >= 1 (1: in this process)")
    from ..simulate.runs.sweep import ProcessExecutor, SerialExecutor

    if workers == 1:
        from ..simulate.runs.allocator import keep_freed_memory
        from ..simulate.runs.device import set_threads

        set_threads(1)
        keep_freed_memory()
        return SerialExecutor()
    return ProcessExecutor(workers, 1)


def reproduce(
    arxiv_id: str,
    scale: str = "quick",
    out: str | Path = "scalingcheck-out",
    *,
    store: "Store | str | Path | None" = None,
    workers: int | None = None,
    executor: Any = None,
    progress: bool | None = None,
    plots: bool = True,
    format: str = "png",
    dry_run: bool = False,
) -> Reproduction:
    """Run the claims and figures of paper `arxiv_id` at `scale` and write ``reproduce.md`` into `out`.

    Parameters
    ----------
    arxiv_id:
        The paper (``2307.02129``, ``arXiv:2307.02129``); :func:`papers` lists them.
    scale:
        ``toy`` (seconds to minutes), ``quick`` (minutes on 2 CPU cores) or ``full`` (hours): the suites' names.
    out, store:
        The output folder (the run's report, its plots and figures, and the page) and the results store (default
        ``OUT/store.sqlite``; a path, or an open :class:`~scalingcheck.simulate.runs.store.Store`).
    workers, executor, progress:
        Where the runs go (`workers`: 1 runs them in this process; `executor` overrides it) and whether a
        progress bar shows.
    plots, format:
        Draw the claims' plots and the figures, as png, pdf or svg.
    dry_run:
        Compute nothing and open no store: write the page with every claim "not run" (the claims, the stated
        results and the figures that a run would give).

    Returns a :class:`Reproduction` (its ``result`` is the :class:`.session.RunResult`; its ``exit_code`` the run's).

    Raises
    ------
    BadInput
        Before anything is computed: an unknown paper (the message lists the known ids) or scale, a paper with
        no claim at this scale, bad `workers`, or what :func:`.session.run_claims` refuses.
    """
    from .outputs import write_atomic
    from .suites import figures_of

    paper = get_paper(arxiv_id)
    claims, skipped = paper_claims(paper, scale)
    names = {c.name for c in claims}
    figures = [f for f in figures_of(scale, claims) if all(c.name in names for c in f.claims)]
    out = Path(out)
    result = None
    if not dry_run:
        from .session import run_claims

        chosen = executor if executor is not None else _executor(workers)
        result = run_claims(claims, out / "store.sqlite" if store is None else store, executor=chosen,
                            progress=progress, suite=scale, figures=figures, report=out, plots=plots,
                            skipped=skipped, format=format)
    out.mkdir(parents=True, exist_ok=True)
    page = out / PAGE_NAME
    write_atomic(page, reproduce_page(paper, scale, claims, result, figures, skipped))
    return Reproduction(paper, scale, claims, result, page, skipped, figures)


def _num(v: float | None) -> str:
    import math

    return "-" if v is None or not math.isfinite(v) else f"{v:.3g}"


_MARKDOWN = re.compile(r"([\\*_<>`])")


def _escape(text: str) -> str:
    """`text` with the characters Markdown would read as markup backslash-escaped (shown verbatim)."""
    return _MARKDOWN.sub(r"\\\1", text)


def _quote(stated: Stated) -> list[str]:
    where = stated.location or "not known"
    return [f"> {_escape(stated.quote)}", ">",
            f"> — as summarised in {THEORY_SOURCE} {stated.section}; location in the paper: {where}", ""]


def _image(name: str, file: str) -> str:
    """Markdown showing the image `file` (png, svg), or linking it (pdf)."""
    return f"[{name}]({file})" if file.endswith(".pdf") else f"![{name}]({file})"


def _measured(o: "Outcome") -> str:
    from .claim import RELATION_SYMBOLS

    m = o.measurement
    if m is None:
        return f"nothing measured; predicted {o.predicted_text}"
    return (f"measured {_num(m.value)} [{_num(m.low)}, {_num(m.high)}] ({m.confidence:.0%} interval, {m.n_points} "
            f"points x {m.n_seeds} seeds) {RELATION_SYMBOLS[o.relation]} predicted {_num(o.predicted)} "
            f"({o.predicted_text}, tolerance {o.tolerance.absolute:g})")


def reproduce_page(
    paper: Paper,
    scale: str,
    claims: Sequence["Claim"],
    result: "RunResult | None",
    figures: Sequence["Figure"] = (),
    skipped: Sequence[tuple[str, str]] = (),
) -> str:
    """The Markdown of ``reproduce.md`` (see :func:`reproduce`); `result` None: a dry run, every claim "not run"."""
    from ..theory.prediction import cite
    from .studies import studies

    outcomes = {} if result is None else {o.claim: o for o in result.outcomes}
    written = {} if result is None else {Path(p).stem: Path(p).name for p in result.written if Path(p).suffix != ".md"}
    not_drawn = {} if result is None else dict(result.skipped_figures)
    titles = {s.name: s.title for s in studies()}
    lines = [f"# Reproducing {cite(paper.arxiv)}: {paper.title}", "",
             f"{', '.join(paper.authors)}. *{paper.venue}* ({paper.year}). "
             f"Studies: {', '.join(f'`{s}`' for s in paper.studies)}. Scale: `{scale}`.", ""]
    if result is None:
        lines += ["**Dry run**: nothing was computed; every claim is *not run*.", ""]
    else:
        counts = result.counts()
        lines += [f"Verdicts: {', '.join(f'{n} {v}' for v, n in counts.items())} (of {len(result.outcomes)} claims); "
                  f"the run is {'complete' if result.complete else 'incomplete'} (exit code {result.exit_code()}). "
                  "The full report is `report.md` beside this page.", ""]
    lines += [f"*How to read this page.* \"The paper states\" quotes {THEORY_SOURCE}, the package's brief on the "
              "science, as it summarises the paper (the package has no copy of the paper): a result it does not "
              f"attribute to the paper is *{NOT_STATED}*, and no number here is the paper's unless it is inside a quote. "
              f"Sizes are the package's `{scale}` scale, not the paper's: each claim states its parameters.", ""]
    lines += ["| claim | the paper states | tag | verdict |", "|---|---|---|---|"]
    for c in claims:
        stated = paper.stated_for(c.name)
        where = "; ".join(dict.fromkeys(s.section.split(",")[0] for s in stated)) if stated else NOT_STATED
        o = outcomes.get(c.name)
        lines.append(f"| {c.name} | {where} | [{c.predicted.provenance}] | {o.verdict.value if o else 'not run'} |")
    lines += [f"| {name} | {'stated' if paper.stated_for(name) else NOT_STATED} | - | not run on this machine |"
              for name, _ in skipped]
    lines.append("")
    shown: set[str] = set()
    for study in dict.fromkeys(c.study for c in claims):
        lines += [f"## {titles.get(study, study)}", ""]
        for c in (c for c in claims if c.study == study):
            o = outcomes.get(c.name)
            verdict = o.verdict.value if o else "not run"
            lines += [f"### {c.name}: {verdict}", "", "**The paper states**", ""]
            stated = paper.stated_for(c.name)
            if stated:
                for s in stated:
                    lines += _quote(s)
            else:
                lines += [f"*{NOT_STATED}* ({THEORY_SOURCE} attributes no result for this claim to the paper).", ""]
            lines += ["**We check**", "", c.statement, "",
                      f"- prediction: {c.predicted.describe()} [{c.predicted.provenance}, {cite(c.predicted.citation)}]"
                      + ("" if c.predicted.provenance == "paper" else
                         f"; tagged [{c.predicted.provenance}]: the package's prediction, not a number the paper "
                         "states")]
            if o is None:
                lines.append("- result: not run" + (" (dry run)" if result is None else ""))
            else:
                lines += [f"- result: {_measured(o)}", f"- verdict: **{o.verdict.value}**: {o.reason}"]
            if c.name in written:
                lines.append(f"- plot: {_image(c.name, written[c.name])}")
            for fig in (f for f in figures if any(x.name == c.name for x in f.claims)):
                if fig.name in written and fig.name not in shown:
                    lines.append(f"- figure {fig.name}: {fig.caption}\n\n  {_image(fig.name, written[fig.name])}")
                elif fig.name in written:
                    lines.append(f"- figure {fig.name} (shown above): {fig.caption}")
                else:
                    why = "dry run" if result is None else not_drawn.get(fig.name, "not drawn")
                    lines.append(f"- figure {fig.name}: {fig.caption} (not drawn: {why})")
                shown.add(fig.name)
            lines.append("")
    lines += ["## Where we agree, disagree, and why", ""]
    groups: dict[str, list[str]] = {"agree": [], "disagree": [], "inconclusive": [], "not run": []}
    for c in claims:
        o = outcomes.get(c.name)
        stated = bool(paper.stated_for(c.name))
        whose = ("a result the paper states" if stated and c.predicted.provenance == "paper" else
                 f"a [{c.predicted.provenance}] prediction of the package" + (", beside a result the paper states "
                                                                            "qualitatively" if stated else ""))
        if o is None:
            groups["not run"].append(f"- {c.name} ({whose}): {'dry run' if result is None else 'not judged'}")
            continue
        why = o.reason
        if o.verdict.value == "disagree":
            why += (f"; at the `{scale}` scale with the package's sizes the paper's result is not reproduced"
                    if stated and c.predicted.provenance == "paper" else
                    f"; a [{c.predicted.provenance}] prediction that disagrees is a finding to report, not the "
                    "paper's result failing")
        groups[o.verdict.value].append(f"- {c.name} ({whose}): {why}")
    groups["not run"] += [f"- {name}: cannot run on this machine: {why}" for name, why in skipped]
    for name, items in groups.items():
        if items:
            lines += [f"**{name.capitalize()}** ({len(items)})", "", *items, ""]
    if result is not None and not result.complete:
        lines += ["**The run is incomplete**: its verdicts rest on the runs that finished.", ""]
        lines += [f"- {p}" for p in result.status["problems"]] + [""]
    return "\n".join(lines)
