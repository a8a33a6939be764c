"""Does R_f after training fall with the training-set size P, as Petrini et al. (arXiv:2105.02468) report?

The quick stability claims train on P = 1024 Fashion-MNIST images for 40 epochs and find R_f *rising* with
training. This runs the same protocol (the claims' PAPER_TRAIN: SGD, momentum 0.9, weight decay 5e-4 on the
weights, cosine schedule, 40 epochs at batch 64; 32 x 32 images; 500 probe images, one-pixel displacements,
c = 3) at several P for one network, and prints one JSON line per run. Each run is the package's
RelativeStabilitySpec, so its numbers are those a claim would store.

    python findings/stability_r_f_against_p.py                      # LeNet, P = 1024 and 4096, seeds 0-1
    python findings/stability_r_f_against_p.py --p 16384 --seeds 1  # one larger P (about 5 minutes of a core)
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import time

import torch

from scalingcheck.compare.studies.stability.claims import CONVERGED_ERROR, IMAGE_NETS, IMAGES_32, PAPER_TRAIN
from scalingcheck.simulate.experiments.stability import RelativeStabilitySpec

EPOCHS = 40


def main(argv: list[str] | None = None) -> None:
    nets = dict(IMAGE_NETS)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", default="lenet", choices=sorted(nets), help="a network of the quick claims")
    parser.add_argument("--p", type=int, nargs="+", default=[1024, 4096], help="training-set sizes")
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1 per P")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for p in args.p:
        steps = EPOCHS * p // PAPER_TRAIN.batch_size
        train = dataclasses.replace(PAPER_TRAIN, max_steps=steps, eval_every=max(1, steps // 4))
        spec = RelativeStabilitySpec(data=IMAGES_32, net=nets[args.net], p_train=p, n_test=1000, n_probe=500,
                                     train=train, converged_error=CONVERGED_ERROR)
        for seed in range(args.seeds):
            start = time.perf_counter()
            r = spec._run(seed)
            print(json.dumps({"net": args.net, "P": p, "seed": seed, "steps": r["steps"], "R_init": r["R_init"],
                              "R": r["R"], "D": r["D"], "G": r["G"], "train_error": r["train_error"],
                              "test_error": r["test_error"], "converged": r["converged"],
                              "seconds": round(time.perf_counter() - start, 1)}), flush=True)


if __name__ == "__main__":
    main()
