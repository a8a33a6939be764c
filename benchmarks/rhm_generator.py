"""RHM generator throughput: scalingcheck.simulate.data.rhm against the authors' published algorithm.

The job (issue "Scale"): P distinct members of the dataset as integer tokens.
The baseline is the authors' algorithm as they describe it (Cagnetta et al.,
arXiv:2307.02129, public code), written here from that description: distinct
dataset indices by ``torch.randint`` + ``torch.unique``, their mixed-radix
digits (the class, then one production choice per internal node, level by
level), and one gather per level through the production rules. Ours is
``split`` (distinct indices, in the order first drawn) followed by
``tokens_from_indices`` (composed production tables, several levels per
gather: simulate/data/rhm_blocks.py) and ``classes_from_indices``. Both run on
the same rules, in the same process, with the same torch threads; each
output is checked (its tokens decode to its classes). Also timed: iid sampling
(with replacement) as tokens and one-hot. The peak memory of each job is
measured in a fresh process (the rise of its peak resident set size over the
peak after the imports and the rules), against the floor: the int64 tokens
written once. ``--keep-freed-memory`` times both as the sweeps' worker
processes run them (freed memory kept in the process instead of faulted in
again for each array); the peak memory is always that of glibc's defaults.
"""
from __future__ import annotations

import argparse
import multiprocessing
import resource

import torch

from scalingcheck.simulate.data.rhm import RandomHierarchyModel
from scalingcheck.simulate.runs.allocator import keep_freed_memory
from scalingcheck.simulate.runs.device import set_threads
from timing import best_of_alternating  # benchmarks/timing.py (the script's folder is on sys.path)


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


def ours(model: RandomHierarchyModel, p: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The same job with the package: (tokens [P, s**L], classes [P]) of P distinct members."""
    train, _ = model.split(p, 0, seed=0)
    return model.tokens_from_indices(train, device="cpu"), model.classes_from_indices(train, device="cpu")


def _job(name: str, model: RandomHierarchyModel, p: int) -> torch.Tensor:
    if name == "authors":
        return authors_algorithm(model, p, seed=0)[0]
    if name == "ours":
        return ours(model, p)[0]
    return model.sample(p, seed=0, device="cpu", one_hot=name == "one-hot")[0]


def _peak_kib() -> int:
    """Peak resident set size of this process in KiB: VmHWM (Linux; ru_maxrss would carry the parent's peak
    across fork + exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_rise(name: str, args: tuple[int, ...], p: int) -> float:
    """In a fresh process: MiB by which the job raises the peak resident set size."""
    torch.set_num_threads(1)
    model = RandomHierarchyModel(*args)
    model.rules
    before = _peak_kib()
    out = _job(name, model, p)
    del out
    return (_peak_kib() - before) / 1024


def peak_memory(name: str, model: RandomHierarchyModel, p: int) -> float:
    args = (model.n_c, model.v, model.m, model.s, model.L)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_peak_rise, (name, args, p))


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
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="keep freed memory in the process, as the sweeps' workers do (simulate/runs/allocator.py)")
    args = parser.parse_args()
    set_threads(args.threads)
    if args.keep_freed_memory:
        keep_freed_memory()
    model = RandomHierarchyModel(args.n_c, args.v, args.m, args.s, args.L)
    d = model.input_dim
    model.rules  # build and cache the rules outside the timings

    tokens, classes = authors_algorithm(model, 1000, seed=0)
    assert (model.decode(tokens) == classes).all() and len(set(map(tuple, tokens.tolist()))) == 1000

    check, check_classes = ours(model, args.p)
    assert check.shape == (args.p, d) and len(torch.unique(check, dim=0)) == args.p
    assert torch.equal(model.decode(check[:1000]), check_classes[:1000])

    times = best_of_alternating({
        "authors": lambda: authors_algorithm(model, args.p, seed=0),
        "ours": lambda: ours(model, args.p),
        "tokens": lambda: model.sample(args.p, seed=0, device="cpu", one_hot=False),
        "one-hot": lambda: model.sample(args.p, seed=0, device="cpu"),
    }, args.repeat)
    t_authors, t_ours, t_tok, t_hot = (times[k] for k in ("authors", "ours", "tokens", "one-hot"))
    floor = args.p * d * 8
    print(
        f"RHM n_c={model.n_c} v={model.v} m={model.m} s={model.s} L={model.L}: d={d}, p_max={model.p_max}, "
        f"threads={args.threads}, P={args.p}, freed memory {'kept' if args.keep_freed_memory else 'returned (glibc default)'}; "
        f"memory floor (int64 tokens written once) {floor / 2**20:.0f} MiB"
    )
    rows = [
        ("authors' algorithm, distinct", t_authors, "authors"),
        ("split + tokens, classes", t_ours, "ours"),
        ("sample (iid), int tokens", t_tok, "tokens"),
        ("sample (iid), one-hot float32", t_hot, "one-hot"),
    ]
    for name, t, job in rows:
        ratio = "(baseline)" if t is t_authors else f"ratio {t_authors / t:6.2f}x"
        peak = peak_memory(job, model, args.p)
        print(f"  {name:30s}: {t:7.3f} s  {args.p / t:10.3e} samples/s  {ratio}   peak memory +{peak:6.0f} MiB "
              f"({peak * 2**20 / floor:4.1f}x the floor)")


if __name__ == "__main__":
    main()
