"""Synonymic sensitivity of a network's layers on the Random Hierarchy Model (arXiv:2307.02129).

S_{k,l} = <|f_k(x) - f_k(P_l x)|^2> / <|f_k(x) - f_k(y)|^2>

f_k: the activations of hidden layer k (k = 1..L; k = L+1 is the output
logits); P_l x: the same tree as x above level l, the synonym choices of
level l and below re-drawn; y: an independent sample. Levels l are counted
here from the input, as in the paper: l = 1 re-draws the productions that
generate the input tokens, l = L every production below the class
(:meth:`RandomHierarchyModel.resample_synonyms` counts depth from the root:
depth = L - l).
"""
from __future__ import annotations

import torch

from ..data.rhm import RandomHierarchyModel
from ..networks import Network


def synonymic_sensitivity(
    net: Network,
    params: dict[str, torch.Tensor],
    rhm: RandomHierarchyModel,
    classes: torch.Tensor,
    choices: torch.Tensor,
    level: int,
    seed: int,
) -> list[float]:
    """S_{k,level} for every hidden layer k = 1..L and the output, on the given members.

    ``level`` in 1..L counts from the input. The independent samples y are
    the members themselves, shifted by one (so at least two are needed).
    """
    if not 1 <= level <= rhm.L:
        raise ValueError(f"level={level} must lie in 1..L={rhm.L} (counted from the input)")
    if classes.shape[0] < 2:
        raise ValueError("synonymic sensitivity needs at least two samples")
    dtype = next(iter(params.values())).dtype
    x = rhm.one_hot(rhm.tokens(classes, choices), dtype=dtype)
    moved = rhm.resample_synonyms(choices, rhm.L - level, seed)
    x_syn = rhm.one_hot(rhm.tokens(classes, moved), dtype=dtype)
    with torch.no_grad():
        feats = [net.hidden(params, x) + [net.apply(params, x)] for x in (x, x_syn)]
    out = []
    for f, f_syn in zip(*feats):
        f, f_syn = f.flatten(1), f_syn.flatten(1)
        num = (f - f_syn).pow(2).sum(1).mean()
        den = (f - f.roll(1, dims=0)).pow(2).sum(1).mean()
        out.append(float(num / den) if den > 0 else float("nan"))
    return out
