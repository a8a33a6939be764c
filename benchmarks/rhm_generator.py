"""RHM generator throughput: scalingcheck.simulate.data.rhm against the authors' published algorithm.

The job (issue "Scale"): P distinct members of the dataset as integer tokens.
The baseline is the authors' algorithm as they describe it (Cagnetta et al.,
arXiv:2307.02129, public code), written here from that description: distinct
dataset indices by ``torch.randint`` + ``torch.unique``, their mixed-radix
digits (the class, then one production choice per internal node, level by
level), and one gather per level through the production rules. Both run on
the same rules, in the same process, with the same torch threads; each
output is checked (its tokens decode to its classes). Also timed: iid sampling
(with replacement) as tokens and one-hot.
"""
from __future__ import annotations

import argparse

import torch

from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.runs.device import set_threads
from timing import best_of  # benchmarks/timing.py (the script's folder is on sys.path)


def authors_algorithm(model: RandomHierarchyModel, p: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """P distinct members as (tokens [P, s**L], classes [P]): randint + unique, mixed-radix digits, gathers."""
    g = torch.Generator().manual_seed(seed)
    n_nodes = (model.s**model.L - 1) // (model.s - 1)
    per_class = model.m**n_nodes
    p_max = model.n_c * per_class
    idx = torch.unique(torch.randint(p_max, (p,), generator=g))
    while len(idx) < p:  # collisions: draw again until P distinct indices
        idx = torch.unique(torch.cat([idx, torch.randint(p_max, (p - len(idx),), generator=g)]))
    classes, rest = idx // per_class, idx % per_class
    powers = model.m ** torch.arange(n_nodes - 1, -1, -1)
    digits = (rest[:, None] // powers) % model.m  # one production choice per internal node, level by level
    tokens, offset = classes[:, None], 0
    for level, table in enumerate((model.rules.top, *model.rules.lower)):
        width = model.s**level
        tokens = table[tokens, digits[:, offset : offset + width]].reshape(p, -1)
        offset += width
    return tokens, classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--p", type=int, default=10**6)
    parser.add_argument("--n-c", type=int, default=32)
    parser.add_argument("--v", type=int, default=32)
    parser.add_argument("--m", type=int, default=8)
    parser.add_argument("--s", type=int, default=2)
    parser.add_argument("--L", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    set_threads(args.threads)
    model = RandomHierarchyModel(args.n_c, args.v, args.m, args.s, args.L)
    d = model.input_dim
    model.rules  # build and cache the rules outside the timings

    tokens, classes = authors_algorithm(model, 1000, seed=0)
    assert (model.decode(tokens) == classes).all() and len(set(map(tuple, tokens.tolist()))) == 1000

    def ours():
        train, _ = model.split(args.p, 0, seed=0)
        return model.tokens_from_indices(train, device="cpu")

    check = ours()
    assert check.shape == (args.p, d) and len(torch.unique(check, dim=0)) == args.p

    t_authors = best_of(lambda: authors_algorithm(model, args.p, seed=0), args.repeat)
    t_ours = best_of(ours, args.repeat)
    t_tok = best_of(lambda: model.sample(args.p, seed=0, device="cpu", one_hot=False), args.repeat)
    t_hot = best_of(lambda: model.sample(args.p, seed=0, device="cpu"), args.repeat)
    floor = args.p * d * 8
    print(
        f"RHM n_c={model.n_c} v={model.v} m={model.m} s={model.s} L={model.L}: d={d}, p_max={model.p_max}, "
        f"threads={args.threads}, P={args.p}; memory floor (int64 tokens written once) {floor / 2**20:.0f} MiB"
    )
    rows = [
        ("authors' algorithm, distinct", t_authors),
        ("split + tokens_from_indices", t_ours),
        ("sample (iid), int tokens", t_tok),
        ("sample (iid), one-hot float32", t_hot),
    ]
    for name, t in rows:
        ratio = "(baseline)" if t is t_authors else f"ratio {t_authors / t:6.2f}x"
        print(f"  {name:30s}: {t:7.3f} s  {args.p / t:10.3e} samples/s  {ratio}")


if __name__ == "__main__":
    main()
