"""D_f, G_f, R_f: the identity map gives R_f = 1, brute-force pair averages in numpy, the one-call estimator
with its bootstrap intervals, and the run specs of the stability study."""
from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch

from scalingcheck.compare.estimators.relative_stability import relative_stability
from scalingcheck.simulate.data.images import synthetic_images
from scalingcheck.simulate.experiments.stability import (
    DiffeoDisplacementSpec,
    DiffeoInvertibilitySpec,
    RelativeStabilitySpec,
)
from scalingcheck.simulate.learners.training import TrainConfig
from scalingcheck.simulate.networks.image import ImageCNN
from scalingcheck.simulate.observables.diffeomorphisms import MaxEntropyDiffeo, temperature_for_displacement
from scalingcheck.simulate.observables.perturbations import matched_noise
from scalingcheck.simulate.observables.relative_stability import noise_seed, stability_terms
from scalingcheck.simulate.runs.spec import run
from scalingcheck.simulate.data.images import Digits
from scalingcheck.simulate.runs.rows import row

torch.set_num_threads(1)

N = 16


def images(count=12, dtype=torch.float64):
    return synthetic_images(N, count, seed=0, device="cpu", dtype=dtype)


def diffeo(interpolation="bilinear"):
    return MaxEntropyDiffeo(N, temperature_for_displacement(1.0, N, 3), 3, interpolation=interpolation)


@pytest.mark.parametrize("interpolation", ["bilinear", "gaussian"])
def test_identity_map_has_relative_stability_one(interpolation):
    # f = identity: |f(tau x) - f(x)| = |tau x - x| = |eta| image by image, so D_f = G_f and R_f = 1
    t = stability_terms(lambda x: x, images(), diffeo(interpolation), seed=3)
    torch.testing.assert_close(t.diffeo_terms[0], t.change_norms**2, rtol=1e-12, atol=0)
    torch.testing.assert_close(t.noise_terms[0], t.change_norms**2, rtol=1e-12, atol=0)
    assert t.D == pytest.approx(t.G, rel=1e-12) and t.R == pytest.approx(1.0, rel=1e-12)
    assert t.D > 0


def test_linear_model_against_brute_force_pairs():
    a = torch.randn(5, N * N, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    model = lambda x: x.flatten(1) @ a.T  # noqa: E731
    x = images(9)
    d = diffeo()
    t = stability_terms(model, x, d, seed=2)
    moved = d(x, 2)  # image i gets field i of seed 2; the noise uses noise_seed(2)
    noisy = matched_noise(x, moved, noise_seed(2))
    f, fd, fn = (model(v).numpy() for v in (x, moved, noisy))
    den = np.mean([((f[i] - f[j]) ** 2).sum() for i, j in itertools.product(range(9), repeat=2)])
    num_d = np.mean(((fd - f) ** 2).sum(1))
    num_g = np.mean(((fn - f) ** 2).sum(1))
    assert t.D == pytest.approx(num_d / den, rel=1e-10)
    assert t.G == pytest.approx(num_g / den, rel=1e-10)
    assert t.R == pytest.approx(num_d / num_g, rel=1e-10)
    med = stability_terms(model, x, d, seed=2, statistic="median")
    pairs = [((f[i] - f[j]) ** 2).sum() for i, j in itertools.product(range(9), repeat=2)]
    assert med.D == pytest.approx(np.median(((fd - f) ** 2).sum(1)) / np.median(pairs), rel=1e-10)


def test_package_network_is_measured_layer_by_layer():
    net = ImageCNN(N, 1, 3, width=4, blocks=2)
    params = net.init(0, device="cpu", dtype=torch.float64)
    x = images(6)
    t = stability_terms(net, x, diffeo(), seed=1, params=params)
    assert len(t.D_layers) == 3 and len(t.diffeo_terms) == 3  # two convolutions, then the output
    moved = diffeo()(x, 1)
    f, fd = net.features(params, x)[1].flatten(1), net.features(params, moved)[1].flatten(1)
    den = np.mean([float((f[i] - f[j]).pow(2).sum()) for i, j in itertools.product(range(6), repeat=2)])
    assert t.D_layers[1] == pytest.approx(float((fd - f).pow(2).sum(1).mean()) / den, rel=1e-10)
    with torch.no_grad():
        out = net.apply(params, x)
    torch.testing.assert_close(t.outputs, out)
    # the same network as a plain callable gives the output-level numbers
    c = stability_terms(lambda v: net.apply(params, v), x, diffeo(), seed=1)
    assert c.R == pytest.approx(t.R, rel=1e-12) and len(c.R_layers) == 1


def test_stability_terms_are_seeded_and_check_their_arguments():
    x = images(6)
    a, b = stability_terms(torch.tanh, x, diffeo(), seed=4), stability_terms(torch.tanh, x, diffeo(), seed=4)
    assert a.R == b.R and a.D == b.D
    assert stability_terms(torch.tanh, x, diffeo(), seed=5).D != a.D
    net = ImageCNN(N, 1, 3, width=2, blocks=1)
    with pytest.raises(ValueError, match="params are required"):
        stability_terms(net, x, diffeo(), seed=0)
    with pytest.raises(ValueError, match="params are only used with a package Network"):
        stability_terms(torch.tanh, x, diffeo(), seed=0, params={})
    with pytest.raises(ValueError, match="images are 12 x 12 but diffeo.n=16"):
        stability_terms(torch.tanh, torch.zeros(3, 12, 12), diffeo(), seed=0)
    with pytest.raises(ValueError, match="at least two images"):
        stability_terms(torch.tanh, x[:1], diffeo(), seed=0)
    with pytest.raises(ValueError, match="model must map images"):
        stability_terms(lambda v: 1.0, x, diffeo(), seed=0)
    with pytest.raises(ValueError, match="statistic='mode'"):
        stability_terms(torch.tanh, x, diffeo(), seed=0, statistic="mode")


# --------------------------------------------------------------------------- one-call estimator


def test_relative_stability_of_a_module_with_intervals():
    torch.manual_seed(0)  # the module's own initialisation (torch.nn draws from the global generator)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(N * N, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4))
    x = synthetic_images(N, 40, seed=1, device="cpu").numpy()  # numpy float32 in, module float32
    r = relative_stability(model, x, delta=1.0, c=3, seed=0, n_boot=200, device="cpu")
    assert r.n_images == 40 and r.delta == pytest.approx(1.0) and r.statistic == "mean"
    for value, (low, high) in ((r.D, r.D_interval), (r.G, r.G_interval), (r.R, r.R_interval)):
        assert low < value < high
    again = relative_stability(model, x, delta=1.0, c=3, seed=0, n_boot=200, device="cpu")
    assert again == r
    identity = relative_stability(lambda v: v, x.astype(np.float64), T=r.T, seed=0, n_boot=50, device="cpu")
    assert identity.R == pytest.approx(1.0, rel=1e-10)
    assert identity.R_interval == pytest.approx((1.0, 1.0), abs=1e-8)


def test_relative_stability_refuses_bad_requests():
    x = synthetic_images(8, 4, seed=0, device="cpu")
    with pytest.raises(ValueError, match="either T or delta"):
        relative_stability(torch.tanh, x, T=1e-3, delta=1.0, device="cpu")
    with pytest.raises(ValueError, match="exceeds T_max"):
        relative_stability(torch.tanh, x, delta=1.0, c=3, device="cpu")  # 8 x 8: one pixel is above the bound
    with pytest.raises(ValueError, match="n_boot=5 must be an integer >= 10"):
        relative_stability(torch.tanh, x, delta=0.3, n_boot=5, device="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_relative_stability_on_cuda_matches_cpu():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(N * N, 8)).double()
    x = synthetic_images(N, 20, seed=1, device="cpu", dtype=torch.float64)
    cpu = relative_stability(model, x, seed=0, n_boot=50)
    gpu = relative_stability(model.cuda(), x, seed=0, n_boot=50)
    assert gpu.R == pytest.approx(cpu.R, rel=1e-9)


# --------------------------------------------------------------------------- run specs


def test_displacement_spec_records():
    spec = DiffeoDisplacementSpec(n=32, c=3, T=1e-3, n_fields=8)
    r = run(spec, 0)
    assert {"delta_rms", "delta_rms_centre", "T_over_T_max", "n", "c", "T"} <= set(r)
    assert "predicted_delta" not in r
    d = MaxEntropyDiffeo(32, 1e-3, 3)
    f = d.displacement(0, 8, device="cpu")
    assert r["delta_rms"] == pytest.approx(float(f.pow(2).sum(1).mean().sqrt()))
    assert r["T_over_T_max"] == pytest.approx(1e-3 / d.t_max)


def test_invertibility_spec_records():
    small = run(DiffeoInvertibilitySpec(n=32, c=3, T=1e-4, n_fields=16), 0)
    assert small["fraction_invertible"] == 1.0 and small["min_det"] > 0
    large = run(DiffeoInvertibilitySpec(n=32, c=3, T=0.5, n_fields=16), 0)  # far above T_max: accepted here
    assert large["fraction_invertible"] < 1.0 and large["min_det"] < 0
    assert large["min_det"] <= large["min_det_median"]


def test_relative_stability_spec_runs_and_checks():
    spec = RelativeStabilitySpec(data=Digits(16), net=ImageCNN(width=4, blocks=2), p_train=64, n_test=32, n_probe=16,
                                 train=TrainConfig(optimizer="adam", lr=1e-2, batch_size=32, max_steps=10), device="cpu")
    r = run(spec, 0)
    for key in ("D_init", "G_init", "R_init", "D", "G", "R", "test_error", "train_loss", "reached_loss_threshold", "steps"):
        assert key in r
    assert "label" not in r and "size" not in r, "a record holds what the run measured"
    joined = row(spec, r)
    assert r["steps"] == 10 and joined["label"] == "cnn w4 P64" and joined["architecture"] == "cnn"
    assert (joined["width"], joined["depth"], joined["size"], joined["data.size"], joined["net.width"]) == (4, 2, 16, 16, 4)
    assert joined["delta"] == pytest.approx(1.0) and math.isfinite(r["R"]) and math.isfinite(r["R_init"])
    assert r["R_init"] == pytest.approx(r["D_init"] / r["G_init"])
    assert len(r["R_layers"]) == 3
    assert run(spec, 0)["R"] == r["R"]
    with pytest.raises(ValueError, match="exceeds the 1797 images"):
        RelativeStabilitySpec(p_train=1500, n_test=400)
    with pytest.raises(ValueError, match="n_probe=50 must be an integer with 2 <= n_probe <= 40"):
        RelativeStabilitySpec(n_test=40, n_probe=50)
    with pytest.raises(ValueError, match="exceeds T_max"):
        RelativeStabilitySpec(data=Digits(8), net=ImageCNN(blocks=2))  # one pixel at 8 x 8, c = 3
    with pytest.raises(ValueError, match="net must be a Network"):
        RelativeStabilitySpec(net="resnet")
    with pytest.raises(ValueError, match="n=16 must be divisible by 2"):
        RelativeStabilitySpec(net=ImageCNN(blocks=6))
    with pytest.raises(ValueError, match="give T or delta, not both"):
        RelativeStabilitySpec(T=1e-3, delta=1.0)



def test_the_trace_and_the_convergence_criterion_of_a_run():
    """trace_at measures the output's D, G, R during training on the same probes and deformations: at step 0
    they are the initial ones, at the last step the final ones (no early stop here); per-layer D and G at
    initialisation sit beside the trained ones, their ratio in the rows; converged follows converged_error."""
    config = TrainConfig(optimizer="adam", lr=1e-2, batch_size=32, max_steps=6, loss_threshold=1e-9)
    base = dict(data=Digits(16), net=ImageCNN(width=4, blocks=2), p_train=64, n_test=32, n_probe=16, train=config,
                device="cpu")
    spec = RelativeStabilitySpec(**base, trace_at=(0, 3, 6), converged_error=1.0)
    r = run(spec, 0)
    assert r["trace_steps"] == [0, 3, 6] and r["steps"] == 6
    for q in "DGR":
        assert r[f"trace_{q}"][0] == r[f"{q}_init"] and r[f"trace_{q}"][-1] == r[q]
    assert r["trace_R"][1] not in (r["R_init"], r["R"])
    assert r["converged"] is True  # any training error is at most 1
    joined = row(spec, r)
    assert len(r["D_layers_init"]) == len(r["D_layers"]) == 3  # two blocks, then the output
    assert joined["D_layers_ratio"] == [a / b for a, b in zip(r["D_layers"], r["D_layers_init"])]
    plain = run(RelativeStabilitySpec(**base), 0)
    assert "converged" not in plain and "trace_R" not in plain
    assert plain["R"] == r["R"]  # observing does not change the training
    authors = RelativeStabilitySpec(**base, cutoff="authors")
    assert authors.diffeo().cutoff == "authors" and authors.key(0) != RelativeStabilitySpec(**base).key(0)
    assert run(RelativeStabilitySpec(**base, converged_error=0.0), 0)["converged"] is (r["train_error"] == 0)
    for bad, match in [(dict(trace_at=(3, 1)), "must be increasing"), (dict(trace_at=(7,)), r"trace_at\[0\]=7"),
                       (dict(trace_at=[1]), "must be a tuple"), (dict(converged_error=2.0), "converged_error=2.0"),
                       (dict(cutoff="wide"), "cutoff='wide'; allowed: paper, authors")]:
        with pytest.raises(ValueError, match=match):
            RelativeStabilitySpec(**base, **bad)


def test_the_cost_model_counts_each_networks_flops():
    """The estimate grows with the network's FLOPs and the training budget (the quick suite's ResNet took
    about 6x the seconds of its 2-layer FCN: the estimate orders them the same way)."""
    from scalingcheck.compare.studies.stability.claims import IMAGES_32, PAPER_TRAIN
    from scalingcheck.simulate.networks import fcn, resnet

    def spec(net, steps=640):
        return RelativeStabilitySpec(data=IMAGES_32, net=net, p_train=1024, n_test=1000, n_probe=500,
                                     train=dataclasses.replace(PAPER_TRAIN, max_steps=steps))

    small, big = spec(fcn(depth=2)).cost(), spec(resnet()).cost()
    assert 5 < small < 30 and 3 * small < big < 200
    assert spec(fcn(depth=2), steps=1280).cost() > 1.9 * small


def test_the_cost_model_counts_flops_on_the_cpu_whatever_the_device_mode(monkeypatch):
    """A plan for a GPU machine (SCALINGCHECK_DEVICE=cuda) made where there is no CUDA costs each network by its
    FLOPs, not by the fallback of a network the counter could not run."""
    from scalingcheck.simulate.networks import vgg
    from scalingcheck.simulate.experiments.stability import _forward_flops
    from scalingcheck.simulate.runs.device import DEVICE_ENV

    net = vgg(widths=(8, 16), convs=1).for_data(Digits(16))
    monkeypatch.setenv(DEVICE_ENV, "cpu")
    on_cpu = _forward_flops.__wrapped__(net)
    monkeypatch.setenv(DEVICE_ENV, "cuda")
    assert _forward_flops.__wrapped__(net) == on_cpu and on_cpu != 1e6


@pytest.mark.parametrize("factory", ["image_cnn", "lenet", "vgg_bn"])
def test_seeds_trained_as_one_batch_give_their_lone_records_within_float32_rounding(factory, one_thread):
    """On a GPU the seeds of a spec train as one batched model (gpu_batch_limit); here the batched model is called
    on the CPU. float32 convolutions batched over networks (torch.func.vmap, grouped) round differently from a
    lone one (measured: relative 1e-7 after 20 steps), so the stated tolerance is relative 1e-4 on every
    measured number, with the counts and flags equal."""
    from scalingcheck.simulate.networks.standard import lenet, vgg

    net = {"image_cnn": ImageCNN(width=4, blocks=2), "lenet": lenet(),
           "vgg_bn": vgg(widths=(4, 8), convs=1, batch_norm=True)}[factory]
    spec = RelativeStabilitySpec(data=Digits(16), net=net, p_train=64, n_test=32, n_probe=16, trace_at=(0, 5),
                                 converged_error=1.0, train=TrainConfig(lr=0.05, batch_size=16, max_steps=20,
                                                                        schedule="cosine"))
    assert spec.batch_limit == 1 and spec.gpu_batch_limit == 8  # the CPU runs each seed alone
    batched = spec._run_batch([0, 1, 2])
    for seed, record in enumerate(batched):
        alone = spec._run(seed)
        assert record.keys() == alone.keys()
        for key, value in alone.items():
            if isinstance(value, bool) or isinstance(value, int) or value is None:
                assert record[key] == value, key
            else:
                assert np.allclose(record[key], value, rtol=1e-4, atol=0), (key, record[key], value)
