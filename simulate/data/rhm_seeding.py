"""The random streams of the Random Hierarchy Model and of its sparse variant: tags and seed sequences.

RHM: Cagnetta, Petrini, Tomasini, Favero, Wyart, arXiv:2307.02129; sparse RHM:
Tomasini, Wyart, arXiv:2404.10727.

Every draw of :mod:`.rhm` and :mod:`.sparse_rhm` comes from a numpy
``SeedSequence`` whose entropy ends with one of the tags below, so that rules,
samples, splits and re-draws made with equal seeds are independent of each
other:

* the rules of ``rules_seed``: ``[rules_seed, TAG_RULES]``, spawned into one
  generator per level (:func:`rules_rngs`);
* ``sample_choices(n, seed, stream=...)``: ``[seed, stream, TAG_SAMPLE]``, spawned
  into a generator of the classes and one of the choices (:func:`sample_rngs`);
  the sparse model's positions: ``[seed, stream, TAG_SAMPLE, TAG_POSITIONS]``
  (:func:`positions_rng`);
* ``split(p, n_test, seed)``: ``seed_rng(seed, TAG_SPLIT)``;
* ``resample_synonyms(..., seed)``: ``seed_rng(seed, TAG_RESAMPLE)``; the sparse
  model's ``resample_positions(..., seed)``: ``seed_rng(seed, TAG_POSITIONS)``.
"""
from __future__ import annotations

import numpy as np

__all__ = ["TAG_RULES", "TAG_SAMPLE", "TAG_SPLIT", "TAG_RESAMPLE", "TAG_POSITIONS", "seed_rng", "rules_rngs",
           "sample_rngs", "positions_rng"]

# Tags mixed into the seed sequences, so that rules, samples, splits and
# re-draws made with equal seeds are independent of each other.
TAG_RULES = 0x52484D01
TAG_SAMPLE = 0x52484D02
TAG_SPLIT = 0x52484D03
TAG_RESAMPLE = 0x52484D04
TAG_POSITIONS = 0x52484D05


def seed_rng(*entropy: int) -> np.random.Generator:
    """A generator of the seed sequence of `entropy` (e.g. ``seed_rng(seed, TAG_SPLIT)``)."""
    return np.random.default_rng(np.random.SeedSequence(list(entropy)))


def rules_rngs(rules_seed: int, levels: int) -> list[np.random.Generator]:
    """One independent generator per level of the rules (level 0: the top level)."""
    ss = np.random.SeedSequence([rules_seed, TAG_RULES])
    return [np.random.default_rng(child) for child in ss.spawn(levels)]


def sample_rngs(seed: int, stream: int) -> tuple[np.random.Generator, np.random.Generator]:
    """The generators of the classes and of the synonym choices of ``sample_choices(n, seed, stream=stream)``."""
    ss = np.random.SeedSequence([seed, stream, TAG_SAMPLE])
    rc, rh = (np.random.default_rng(c) for c in ss.spawn(2))
    return rc, rh


def positions_rng(seed: int, stream: int) -> np.random.Generator:
    """The generator of the sparse model's positions in ``sample_choices(n, seed, stream=stream)``."""
    return np.random.default_rng(np.random.SeedSequence([seed, stream, TAG_SAMPLE, TAG_POSITIONS]))
