"""scalingcheck: check the scaling laws of deep-learning theory against simulation.

The public API, in one place. Every name below is importable from
``scalingcheck`` directly (``from scalingcheck import PowerLawFit``); it is
loaded on first use, so ``import scalingcheck`` stays light (no torch until a
simulation name is touched). The three layers are subpackages:
``scalingcheck.theory`` (sympy predictions), ``scalingcheck.simulate`` (torch
data models, networks, learners, runs) and ``scalingcheck.compare`` (estimators,
claims, studies, reports); imports go one way, compare -> theory and
compare -> simulate.

Predictions (``scalingcheck.theory``)
    Prediction, Provenance, Relation, get_prediction, prediction_names, register_prediction

Data models (``scalingcheck.simulate.data``); each meets ``Samples``: ``sample(n, seed, ...) -> (x, y)``
    DataModel, Samples, Stripe, Cylinder, DepletedStripe, RandomHierarchyModel, SparseRandomHierarchyModel,
    ScaleDetection1D, ScaleDetection2D; labelled image sets (``ImageSet``): Digits, FashionMNIST, MNIST5k,
    IDXImages, ImagesNotFound; digits, synthetic_images, as_image_batch

Networks (``scalingcheck.simulate.networks``); ``init(seed)``, ``apply(params, x)``, ``features(params, x)``,
``for_data(data)``; a user's ``torch.nn.Module`` through ``TorchNetwork``
    Network, HierarchicalCNN, LocallyConnected, ShallowFCN, TwoLayerReLU, IdealPoolingNet, ConvNet1D,
    ImageFCN, ImageCNN, TorchNetwork, stack_params, unstack_params

Learners (``scalingcheck.simulate.learners``)
    Kernel, Laplace, ExpPower, ReluNTK, TrainConfig, TrainResult, train_one, train_ensemble,
    FlowConfig, train_flow, train_flow_ensemble, empirical_ntk

Observables (``scalingcheck.simulate.observables``)
    sensitivity, layer_sensitivities, LayerSensitivity, SynonymResampling, BlockShift, matched_noise,
    MaxEntropyDiffeo, stability_terms, compression_ratio

Specs and runs (``scalingcheck.simulate.runs``, ``scalingcheck.simulate.experiments``)
    Spec, run, run_batch, run_points, source_hash, KernelSVCSpec, KernelRegressionSpec, SpectrumSpec,
    AlphaTrainingSpec, RHMLearningSpec, SparseRHMLearningSpec, RHMCorrelationSpec, IdealPoolingSpec, TrainedPoolingSpec,
    DiffeoDisplacementSpec, DiffeoInvertibilitySpec, RelativeStabilitySpec

Stores and sweeps
    Store, MemoryStore, SQLiteStore, open_store, Sweep, SweepUnion, execute, collect,
    SerialExecutor, ProcessExecutor, DaskExecutor, default_device, set_threads

Estimators (``scalingcheck.compare.estimators``); ``fit(rows) -> Measurement`` on tidy rows
    tidy, PowerLawFit, RateFit, ThresholdCrossing, CrossingScaling, CrossingRatio, SeedMean,
    MeanDifference, Measurement, Exponent, Level, Crossing

Relative stability of any model (``scalingcheck.compare.estimators.relative_stability``)
    relative_stability, RelativeStabilityResult

Targets (``scalingcheck.compare.targets``): registry formulas as estimators need them
    ClosedForm, ScalingExponent, Rate, Ratio, SpectralBiasExponent, Constant

Claims, studies and suites (``scalingcheck.compare``)
    Claim, Tolerance, Verdict, Outcome, evaluate_all, Study, Scale, register_study, studies,
    get_study, get_suite, suite_names, Figure, provenance, load_claims

A built-in study on your own network (``scalingcheck.compare.studies``)
    RandomHierarchy (``RandomHierarchy.on(network, name)``), RHMScale, RHMLearningSizes

One run, its report and its results (``scalingcheck.compare``)
    run_claims, RunResult, write_report, read_results, load_results, outcomes_frame, claim_rows,
    compare_to_baseline, load_baseline

Errors (``scalingcheck.simulate.runs.errors``)
    ScalingcheckError, BadInput, SpecError, RunFailure, Interrupted

Example::

    from scalingcheck import get_prediction
    get_prediction("beta_lazy").evaluate(d=2)      # 0.5
"""
from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, tuple[str, str]] = {}


def _export(module: str, *names: str, **renamed: str) -> None:
    for name in names:
        _EXPORTS[name] = (module, name)
    for public, private in renamed.items():
        _EXPORTS[public] = (module, private)


_export("scalingcheck.theory.prediction", "Prediction", "Provenance", "Relation")
_export("scalingcheck.theory.registry", get_prediction="get", prediction_names="names",
        register_prediction="register")
_export("scalingcheck.simulate.data", "DataModel", "Samples", "Stripe", "Cylinder", "DepletedStripe",
        "RandomHierarchyModel", "SparseRandomHierarchyModel", "ScaleDetection1D", "ScaleDetection2D")
_export("scalingcheck.simulate.data.images", "Digits", "digits", "synthetic_images", "as_image_batch")
_export("scalingcheck.simulate.data.image_sets", "ImageSet", "IDXImages", "FashionMNIST", "MNIST5k", "ImagesNotFound")
_export("scalingcheck.simulate.networks", "Network", "HierarchicalCNN", "LocallyConnected", "ShallowFCN", "TwoLayerReLU",
        "IdealPoolingNet", "ConvNet1D", "ImageFCN", "ImageCNN", "TorchNetwork", "stack_params", "unstack_params")
_export("scalingcheck.simulate.learners.kernels", "Kernel", "Laplace", "ExpPower", "ReluNTK")
_export("scalingcheck.simulate.learners.training", "TrainConfig", "TrainResult", "train_one", "train_ensemble")
_export("scalingcheck.simulate.learners.gradient_flow", "FlowConfig", "train_flow", "train_flow_ensemble")
_export("scalingcheck.simulate.learners.ntk", "empirical_ntk")
_export("scalingcheck.simulate.observables.sensitivity", "sensitivity", "layer_sensitivities", "LayerSensitivity")
_export("scalingcheck.simulate.observables.perturbations", "SynonymResampling", "BlockShift", "matched_noise")
_export("scalingcheck.simulate.observables.diffeomorphisms", "MaxEntropyDiffeo")
_export("scalingcheck.simulate.observables.relative_stability", "stability_terms")
_export("scalingcheck.simulate.observables.compression", "compression_ratio")
_export("scalingcheck.simulate.runs.spec", "Spec", "run", "run_batch", "run_points", "source_hash")
_export("scalingcheck.simulate.experiments.kernel_methods", "KernelSVCSpec", "KernelRegressionSpec", "SpectrumSpec")
_export("scalingcheck.simulate.experiments.feature_lazy", "AlphaTrainingSpec")
_export("scalingcheck.simulate.experiments.rhm", "RHMLearningSpec", "SparseRHMLearningSpec", "RHMCorrelationSpec")
_export("scalingcheck.simulate.experiments.pooling", "IdealPoolingSpec", "TrainedPoolingSpec")
_export("scalingcheck.simulate.experiments.stability", "DiffeoDisplacementSpec", "DiffeoInvertibilitySpec",
        "RelativeStabilitySpec")
_export("scalingcheck.simulate.runs.store", "Store", "MemoryStore", "SQLiteStore", "open_store")
_export("scalingcheck.simulate.runs.sweep", "Sweep", "SweepUnion", "execute", "collect", "SerialExecutor",
        "ProcessExecutor", "DaskExecutor")
_export("scalingcheck.simulate.runs.device", "default_device", "set_threads")
_export("scalingcheck.simulate.runs.errors", "ScalingcheckError", "BadInput", "SpecError", "RunFailure", "Interrupted")
_export("scalingcheck.compare.records", "tidy")
_export("scalingcheck.compare.estimators", "PowerLawFit", "RateFit", "ThresholdCrossing", "CrossingScaling",
        "CrossingRatio", "SeedMean", "MeanDifference", "Measurement", "Exponent", "Level", "Crossing")
_export("scalingcheck.compare.estimators.relative_stability", "relative_stability", "RelativeStabilityResult")
_export("scalingcheck.compare.targets", "ClosedForm", "ScalingExponent", "Rate", "Ratio", "SpectralBiasExponent",
        "Constant")
_export("scalingcheck.compare.claim", "Claim", "Tolerance", "Verdict", "Outcome", "evaluate_all")
_export("scalingcheck.compare.studies", "Study", "Scale", "studies", "get_study", register_study="register")
_export("scalingcheck.compare.studies.rhm.claims", "RandomHierarchy", "RHMScale", RHMLearningSizes="LearningSizes")
_export("scalingcheck.compare.suites", "get_suite", "suite_names")
_export("scalingcheck.compare.figures", "Figure")
_export("scalingcheck.compare.report", "write_report")
_export("scalingcheck.compare.results", "read_results", "load_results", "outcomes_frame", "claim_rows")
_export("scalingcheck.compare.session", "run_claims", "RunResult")
_export("scalingcheck.compare.provenance", "provenance")
_export("scalingcheck.compare.user_claims", "load_claims")
_export("scalingcheck.compare.baseline", "compare_to_baseline", "load_baseline")

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'scalingcheck' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
