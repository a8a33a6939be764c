"""Input-class correlations of the Random Hierarchy Model, measured on data alone.

Cagnetta et al., arXiv:2307.02129: the class-conditional frequency of a
symbol at an input position deviates from its class average by a relative
amount ~ sqrt(v / m^L) (the *signal*); estimated from P samples its error is
~ sqrt(v n_c / P) (the *noise*); they cross at P_c ~ n_c m^L.

Definitions used here (all relative to the uniform frequency 1/v):

* exact frequencies ``f[c, j, mu]`` = Prob(input token j = mu | class c),
  computed by propagating the production rules down the tree (no sampling);
* ``signal`` = v * RMS over (c, j, mu) of ``f[c, j, mu] - mean_c f[c, j, mu]``;
* ``noise(P)`` = v * RMS over (c, j, mu) of ``fhat[c, j, mu] - f[c, j, mu]``,
  ``fhat`` the empirical frequencies of P samples (classes drawn uniformly);
* ``noise_to_signal`` = noise / signal, which falls through 1 at P_c.
"""
from __future__ import annotations


import torch

from ..data.rhm import RandomHierarchyModel


def exact_frequencies(rhm: RandomHierarchyModel) -> torch.Tensor:
    """Prob(input token j = mu | class c) as a float64 tensor [n_c, s**L, v], from the rules alone."""
    rules = rhm.rules
    v = rhm.v

    def transitions(table: torch.Tensor) -> torch.Tensor:
        # table [parents, m, s] -> T[k, parent, mu] = Prob(child k = mu | parent)
        onehot = torch.nn.functional.one_hot(table, v).to(torch.float64)  # [parents, m, s, v]
        return onehot.mean(dim=1).permute(1, 0, 2)  # [s, parents, v]

    freq = transitions(rules.top).permute(1, 0, 2)  # [n_c, s, v]: level-1 symbols
    for table in rules.lower:
        t = transitions(table)  # [s, v, v]
        # child k of position pos sits at pos*s + k
        freq = torch.einsum("cpa,kab->cpkb", freq, t).reshape(rhm.n_c, -1, v)
    return freq


def empirical_frequencies(tokens: torch.Tensor, classes: torch.Tensor, n_c: int, v: int) -> torch.Tensor:
    """Class-conditional token frequencies [n_c, d, v] of samples (tokens [P, d], classes [P]).

    A class with no sample gets the uniform frequency 1/v (it carries no information).
    """
    P, d = tokens.shape
    counts = torch.zeros(n_c, d, v, dtype=torch.float64)
    index = (classes[:, None] * d + torch.arange(d)[None, :]) * v + tokens
    counts.view(-1).index_add_(0, index.reshape(-1), torch.ones(P * d, dtype=torch.float64))
    per_class = torch.bincount(classes, minlength=n_c).to(torch.float64)
    freq = counts / per_class.clamp_min(1)[:, None, None]
    freq[per_class == 0] = 1.0 / v
    return freq


def signal(freq: torch.Tensor) -> float:
    """v * RMS deviation of class-conditional frequencies from their class average."""
    v = freq.shape[-1]
    return float(v * (freq - freq.mean(dim=0, keepdim=True)).pow(2).mean().sqrt())
