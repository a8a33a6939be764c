"""Why the synonymic sensitivity halves before P*: its value before learning, and the offset measured from it.

The claim ``rhm_sensitivity_at_p_star_L3`` compares P_S (where the last hidden
layer's sensitivity S_{L,1} falls below 1/2) with P* (test error <= 10% of
chance) and finds P_S ~ P*/3.3. P_1 re-draws the productions that generate the
input tokens (THEORY.md section 3), so each patch keeps its production with
probability 1/m, and a network that has learned nothing already measures
S < 1. This script

1. measures S_{k,1} of untrained CNNs (the quick suite's RHM and width, 4 seeds)
   next to 1 - 1/m;
2. reads the quick suite's sensitivity runs from a store and gives, for each
   (m, L, n_c), log2(P_S / P*) with the claim's threshold 1/2 and with half the
   no-learning value, (1 - 1/m) / 2 (crossings interpolated linearly in log P
   between the grid points, as the claims do; exploratory: that threshold was chosen after the runs)::

    python findings/sensitivity_offset.py --store scalingcheck-out/store.sqlite
    python findings/sensitivity_offset.py --claims-file findings/rhm_width_claims.py --store scalingcheck-out/store.sqlite
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import torch

from _common import arguments, read_store, suite_claims
from scalingcheck import HierarchicalCNN, RandomHierarchyModel, SynonymResampling, sensitivity
from scalingcheck.compare.estimators.crossing import crossing
from scalingcheck.simulate.runs.rows import row

P_STAR_LEVEL = 0.1  # test error over chance at P*, as the claims


def untrained(ms=(3, 4, 6, 8), seeds=4) -> None:
    torch.manual_seed(0)
    for m in ms:
        values = []
        for seed in range(seeds):
            rhm = RandomHierarchyModel(4, 8, m, 2, 3, rules_seed=seed)
            x, _ = rhm.sample(1024, seed, device="cpu")
            net = HierarchicalCNN(v=8, n_c=4, s=2, L=3, width=64)
            moved = SynonymResampling(rhm, 1)(x, seed + 1000)
            values.append([float(v) for v in sensitivity(net, net.init(seed), x, moved).ratio])
        mean = ", ".join(f"{v:.3f}" for v in np.mean(values, axis=0))
        print(f"untrained CNN, v=8 n_c=4 s=2 L=3 width 64, m={m}: S_k,1 for k = 1..3 and the output: {mean}; "
              f"1 - 1/m = {1 - 1 / m:.3f}")


def offsets(store_path: str, suite: str, only: list[str] | None = None) -> None:
    store = read_store(store_path)
    cells: dict[tuple, dict[int, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
    seen = set()
    for name, claim in suite_claims(suite).items():
        if only and name not in only:
            continue
        for spec, seed in claim.runs():
            if spec.kind != "rhm_learning" or getattr(spec, "sensitivity_level", None) != 1 or (spec, seed) in seen:
                continue
            seen.add((spec, seed))
            record = store.get(spec.key(seed))
            if record is not None:
                joined = row(spec, record)  # the record with its spec's fields and derived columns
                cells[(spec.m, spec.L, spec.s, spec.n_c, spec.net.width)][spec.p].append(
                    (joined["sensitivity_top"], joined["error_over_chance"]))
    if not cells:
        raise SystemExit(f"none of the sensitivity runs is in {store_path}: run `scalingcheck run --suite {suite}` first")
    for (m, L, s, n_c, width), by_p in sorted(cells.items(), key=lambda kv: (kv[0][4], kv[0][1], kv[0][3], kv[0][0])):
        ps = sorted(by_p)
        sens = np.array([np.mean([a for a, _ in by_p[p]]) for p in ps])
        error = np.array([np.mean([b for _, b in by_p[p]]) for p in ps])
        p_star = crossing(ps, error, P_STAR_LEVEL)
        half, relative = crossing(ps, sens, 0.5), crossing(ps, sens, 0.5 * (1 - 1 / m))
        print(f"m={m} L={L} s={s} n_c={n_c} width={width}: S at P={ps[0]:g} {sens[0]:.2f} (1-1/m = {1 - 1 / m:.2f}); P* {p_star:.0f}; "
              f"log2(P_S/P*) {np.log2(half / p_star):+.2f} at S = 1/2, {np.log2(relative / p_star):+.2f} at S = (1-1/m)/2")


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    torch.set_num_threads(1)
    untrained()
    offsets(args.store, args.suite, args.claim)


if __name__ == "__main__":
    main()
