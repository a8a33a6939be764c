"""The study registry: suites, `list` and reports derive from it; a new study is one registration."""
from dataclasses import dataclass

import pytest

from scalingcheck.compare import studies as registry
from scalingcheck.compare.claim import Claim, Tolerance
from scalingcheck.compare.estimators import PowerLawFit
from scalingcheck.compare.studies import Scale, Study, get_study, register, studies
from scalingcheck.compare.suites import get_suite, suite_names
from scalingcheck.compare.targets import Constant
from scalingcheck.simulate.runs.sweep import Sweep
from tests.toy import PowerLawToy


BUILTIN = [s for s in studies() if type(s).__module__.startswith("scalingcheck.compare.studies.")]
"""The studies found in this package's own folders (registered by themselves, listed nowhere)."""


def test_builtin_studies_are_found_in_their_folders_and_come_in_their_order():
    folders = {info.name for info in __import__("pkgutil").iter_modules(registry.__path__)} - {"base"}
    assert {type(s).__module__.split(".")[3] for s in BUILTIN} == folders
    assert [s.order for s in studies()] == sorted(s.order for s in studies())
    assert studies()[: len(BUILTIN)] == BUILTIN, "the built-in studies come first"
    assert [s.name for s in BUILTIN][:3] == ["kernel_methods", "feature_lazy", "rhm"]  # the report's order


@pytest.mark.parametrize("study", BUILTIN, ids=lambda s: s.name)
def test_every_builtin_study_cites_its_papers_and_offers_the_three_scales(study):
    assert study.papers and study.title and set(study.scales) == {"toy", "quick", "full"}


@pytest.mark.parametrize("scale", ["toy", "quick", "full"])
def test_a_suite_is_every_study_at_one_scale(scale):
    claims = get_suite(scale)
    assert [c.name for c in claims] == [c.name for s in studies() for c in s.claims(scale)]
    assert all(c.study for c in claims)
    assert {c.study for c in claims} == {s.name for s in studies() if scale in s.scales}


def test_unknown_names_are_named():
    with pytest.raises(ValueError, match="unknown suite 'nope'; known: toy, quick, full"):
        get_suite("nope")
    with pytest.raises(ValueError, match="study 'rhm' has no scale 'huge'"):
        get_study("rhm").claims("huge")
    with pytest.raises(ValueError, match="unknown study 'nope'"):
        get_study("nope")


@dataclass(frozen=True, kw_only=True)
class ToyScale(Scale):
    seeds: int


class ToyStudy(Study):
    name = "toy_study"
    title = "a toy power law"
    papers = ("0000.00000",)
    scales = {"toy": ToyScale(seeds=3, n_boot=50), "tiny": ToyScale(seeds=2, n_boot=20)}

    def build(self, sizes):
        sweep = Sweep.over(PowerLawToy(beta=0.5), seeds=range(sizes.seeds), p=[64, 128, 256])
        return [Claim("toy_power_law", "a toy", Constant(0.5, "1/2", "derived", "0000.00000"), sweep,
                      PowerLawFit(n_boot=sizes.n_boot), Tolerance(0.1, "toy"))]


@pytest.fixture
def toy_study():
    study = register(ToyStudy())
    yield study
    registry._REGISTRY.pop(study.name)


def test_a_registered_study_joins_the_suites_of_its_scales(toy_study):
    assert studies()[-1] is toy_study
    assert "tiny" in suite_names()
    assert [c.name for c in get_suite("tiny")] == ["toy_power_law"]
    toy = get_suite("toy")
    assert toy[-1].name == "toy_power_law" and toy[-1].study == "toy_study"
    assert all(c.study != "toy_study" for c in get_suite("quick"))  # not in the quick suite: no such scale
    with pytest.raises(ValueError, match="already registered"):
        register(ToyStudy())
    with pytest.raises(ValueError, match="Study instance"):
        register("toy_study")


def test_an_installed_package_adds_studies_through_the_entry_point_group(monkeypatch):
    """A study of another distribution (an entry point of group scalingcheck.studies) joins the registry."""

    class Entry:
        def load(self):
            return register(ToyStudy())

    seen = []
    monkeypatch.setattr(registry, "_loaded", False)
    monkeypatch.setattr(registry, "entry_points", lambda group: seen.append(group) or [Entry()])
    try:
        assert studies()[-1].name == "toy_study" and seen == [registry.ENTRY_POINTS] == ["scalingcheck.studies"]
    finally:
        registry._REGISTRY.pop("toy_study", None)
