"""A user's architecture inside a built-in study: the Random Hierarchy Model's sample-complexity claims on an
MLP-Mixer.

Run them with ``scalingcheck run examples/rhm_mixer/claims.py --suite quick``. The RHM study's deep-network
claims (P* ~ n_c m^L: the data a network needs to learn the hierarchy, arXiv:2307.02129) are rebuilt on the
user's model (mixer.py, plain torch) in three lines: wrap the model class in a ``TorchNetwork``, choose how it
trains, and ``RandomHierarchy.on(...)`` makes a study of it with the study's own estimator (the crossing of
the test error over chance error at 10%, P* per m, its exponent in m with a seed bootstrap), prediction
(exponent L in m) and tolerance, fixed before any run. The shape of the network (vocabulary v, length s^L,
classes n_c) comes from each RHM of the sweep.
"""
from __future__ import annotations

import mixer
from scalingcheck import RandomHierarchy, RHMLearningSizes, RHMScale, TorchNetwork, TrainConfig, register_study

MIXER = TorchNetwork(mixer.MLPMixer, options=(("width", 32), ("depth", 2)), layers=("blocks.0", "blocks.1"))
"""The user's model: the class is the factory, so editing it changes every run key."""

TRAIN = TrainConfig(optimizer="adam", lr=3e-3, batch_size=32, loss_threshold=0.01, max_steps=4000)
"""Adam at 3e-3 until the training cross-entropy is below 0.01 (the RHM study's stopping rule)."""

SCALES = {
    "toy": RHMScale(n_boot=200, learning=RHMLearningSizes(
        depths=((3, 2, (2, 3, 4)),), n_cs=(), ps=tuple(2**k for k in range(4, 12)), seeds=2, width=32, n_test=256)),
    "quick": RHMScale(n_boot=1000, learning=RHMLearningSizes(
        depths=((3, 2, (2, 3, 4)),), n_cs=(), ps=tuple(2**k for k in range(4, 15)), seeds=4, width=32, n_test=1024)),
}
"""L = 3, s = 2 (8 tokens), n_c = 4, v = 8 as in the study; m = 2, 3, 4; P up to 2048 (toy: the crossing of m = 4
lies beyond it, so the toy claim rests on two m and is inconclusive) and 16384 (quick)."""

register_study(RandomHierarchy.on(MIXER, "rhm_mixer", train=TRAIN, scales=SCALES, which=("p_star_m",),
                                  title="Random Hierarchy Model: sample complexity of an MLP-Mixer (a user's model)"))
