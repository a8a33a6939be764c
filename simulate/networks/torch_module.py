"""A user's ``torch.nn.Module`` behind the package's network interface: :class:`TorchNetwork`.

Write a function (or an ``nn.Module`` class) at a module's top level that
builds the model from the input shape of one sample and the number of outputs,
and name the submodules whose outputs are the hidden features::

    # my_models.py
    import math
    import torch

    def mlp(input_shape, n_out, width=64):
        return torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(math.prod(input_shape), width), torch.nn.ReLU(),
            torch.nn.Linear(width, n_out))

    # anywhere
    net = TorchNetwork(mlp, options=(("width", 128),), layers=("2",)).for_data(rhm)
    params = net.init(seed=0)                  # {"1.weight": ..., "1.bias": ..., "3.weight": ..., "3.bias": ...}
    logits = net.apply(params, x)              # [batch, n_c]; stacked parameters [E, ...] take x [E, batch, ...]
    hidden = net.features(params, x)           # [output of submodule "2"]

The network then trains with :func:`..learners.training.train_one` and
:func:`..learners.training.train_ensemble` and sits in a run spec like the
package's own networks. Its run key holds the factory's ``"module:qualname"``
and a hash of its source (:func:`..runs.spec.to_dict`): editing the factory
recomputes cached runs. Only the factory's own source is hashed: when it
builds a model class defined elsewhere, pass that class itself as the factory
(its ``__init__`` takes ``input_shape``, ``n_out`` and the options), so that
editing the class's code changes the key too.

The module runs in eval mode (``module.eval()``: dropout is off) through
``torch.func.functional_call``; E stacked models go through ``torch.func.vmap``,
or, where vmap cannot run the module (in-place operations on inputs,
data-dependent control flow, ...), through a loop over the models. vmap rounds
differently from a lone model's forward (about 1 ulp of the outputs; a
convolution of E models is one grouped convolution, whose rounding depends on
E), so the records of a model trained in an ensemble may differ from those of
its lone run at that level (linear layers: the same bits on one thread). Buffers
are used as the module was built with them; modules whose buffers change in
training (batch normalisation with running statistics) are not supported yet
and are refused. Parameter names are the module's (``"net.0.weight"``): weight
decay needs ``TrainConfig(decay_params=...)`` prefixes of those names.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import torch

from ..runs.checks import check_choice, check_dtype, check_seed, check_size, show
from ..runs.device import resolve_device
from ..runs.spec import callable_name
from .base import Network, Params

__all__ = ["TorchNetwork"]

_RESERVED = ("input_shape", "n_out")
_CACHE = ("_template", "_loop")  # per-instance caches, never pickled


@dataclass(frozen=True)
class TorchNetwork(Network):
    """A network given by a factory of ``torch.nn.Module`` (see the module docstring for an example).

    Parameters
    ----------
    factory : a function or class defined at a module's top level (worker processes import it),
        called as ``factory(input_shape=shape, n_out=outputs, **dict(options))``; it returns a
        ``torch.nn.Module`` mapping inputs ``[batch, *shape]`` to outputs ``[batch, outputs]``.
    options : hashable keyword options of the factory, as ``(name, value)`` pairs (``(("width", 64),)``).
    layers : names of submodules (as ``module.named_modules()`` names them) whose outputs are the
        hidden features returned by :meth:`features`, in this order.
    shape : the input shape of one sample; None: taken from the data (:meth:`for_data`).
    outputs : the number of outputs (classes); None: taken from the data.
    readout : ``"standard"``, the only value: the module scales its own output, and the training
        code never scales the learning rate by a width (``width`` is 1).

    Parameters are the module's (``named_parameters()``, dotted names such as ``"net.0.weight"``),
    drawn by the module's own initialisation with the global torch RNG seeded by the seed.
    """

    kind: ClassVar[str] = "torch_module"
    shape_fields: ClassVar[tuple[str, ...]] = ("shape", "outputs")
    width: ClassVar[int] = 1
    factory: Callable[..., torch.nn.Module]
    options: tuple[tuple[str, Any], ...] = ()
    layers: tuple[str, ...] = ()
    shape: tuple[int, ...] | None = None
    outputs: int | None = None
    readout: str = "standard"

    def __post_init__(self) -> None:
        f = self.factory
        try:
            ok = (inspect.isfunction(f) or isinstance(f, type)) and bool(callable_name(f))
        except TypeError:  # a lambda or a nested function
            ok = False
        if not ok:
            raise ValueError(f"factory={show(f)} must be a function or class defined at a module's top level (not a "
                             "lambda or a nested function), so that worker processes can import it")
        pairs = self.options
        if not (isinstance(pairs, tuple) and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                                                 for p in pairs)):
            raise ValueError(f"options={show(pairs)} must be a tuple of (name, value) pairs, name a str")
        names = [name for name, _ in pairs]
        if len(set(names)) < len(names) or set(names) & set(_RESERVED):
            raise ValueError(f"options names {names} must be distinct and not {', '.join(_RESERVED)}")
        try:
            hash(pairs)
        except TypeError:
            raise ValueError(f"options={show(pairs)} must hold hashable values (use tuples, not lists)") from None
        if not (isinstance(self.layers, tuple) and all(isinstance(name, str) for name in self.layers)):
            raise ValueError(f"layers={show(self.layers)} must be a tuple of submodule names (str)")
        if self.shape is not None:
            if not (isinstance(self.shape, tuple) and self.shape):
                raise ValueError(f"shape={show(self.shape)} must be None or a non-empty tuple of sizes >= 1")
            object.__setattr__(self, "shape", tuple(check_size(n, f"shape[{i}]") for i, n in enumerate(self.shape)))
        if self.outputs is not None:
            object.__setattr__(self, "outputs", check_size(self.outputs, "outputs", 1))
        check_choice(self.readout, "readout", ("standard",))
        if self.shape is not None and self.outputs is not None:
            self._template  # noqa: B018 - builds the module once: refuses what it cannot run, at construction

    def __getstate__(self) -> dict[str, Any]:
        """The fields only: the cached module and flags are rebuilt where the spec is unpickled."""
        return {k: v for k, v in self.__dict__.items() if k not in _CACHE}

    # -- shape from the data -------------------------------------------------
    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From any data model: the input shape of one sample and the number of classes."""
        return {"shape": tuple(data.input_shape), "outputs": data.n_classes}

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The input shape of one sample (`shape`)."""
        return self.shape

    @property
    def n_out(self) -> int:
        """The number of outputs (`outputs`)."""
        return self.outputs

    # -- the module ----------------------------------------------------------
    def _build(self, seed: int) -> torch.nn.Module:
        """The factory's module, initialised with the global torch RNG seeded by `seed` (the caller's RNG state
        is restored afterwards)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            try:
                module = self.factory(input_shape=self.shape, n_out=self.outputs, **dict(self.options))
            except TypeError as exc:  # options it does not take, a wrong signature
                raise ValueError(f"factory={callable_name(self.factory)} cannot be called with input_shape="
                                 f"{self.shape}, n_out={self.outputs} and options={self.options!r}: {exc}") from exc
        if not isinstance(module, torch.nn.Module):
            raise ValueError(f"factory={callable_name(self.factory)} must return a torch.nn.Module, "
                             f"got {type(module).__name__}")
        return module

    @functools.cached_property
    def _template(self) -> torch.nn.Module:
        """The module (seed 0, eval mode) whose forward runs every model's parameters; checked once."""
        self._check_fitted()
        module = self._build(0).eval()
        for name, m in module.named_modules():
            if isinstance(m, torch.nn.modules.batchnorm._NormBase) and m.track_running_stats:
                raise ValueError(f"factory={callable_name(self.factory)}: submodule {name!r} "
                                 f"({type(m).__name__}) tracks running statistics, which change in training: "
                                 "not supported yet; build it with track_running_stats=False")
        names = dict(module.named_modules())
        missing = [name for name in self.layers if name not in names]
        if missing:
            raise ValueError(f"layers={self.layers!r}: no submodule {missing[0]!r}; allowed: "
                             f"{', '.join(repr(n) for n in list(names)[1:51])}")
        if not any(True for _ in module.parameters()):
            raise ValueError(f"factory={callable_name(self.factory)} built a module without parameters")
        return module

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """The module's parameter names (``named_parameters()``) and shapes, in the module's order."""
        self._check_fitted()
        return {name: tuple(p.shape) for name, p in self._template.named_parameters()}

    def init(self, seed: int, device: str | torch.device | None = None, dtype: torch.dtype = torch.float32) -> Params:
        """The parameters of the module built with the global torch RNG seeded by `seed` (its own initialisation).

        The caller's RNG state is left as it was; the parameters are detached, moved to `device`
        (``None``: CUDA when present, else CPU) and cast to `dtype`. A seed gives the same
        parameters every time (the factory must draw its random numbers from torch's global RNG).
        """
        seed = check_seed(seed)
        self._check_fitted()
        dev, dtype = resolve_device(device), check_dtype(dtype)
        return {name: p.detach().to(device=dev, dtype=dtype) for name, p in self._build(seed).named_parameters()}

    # -- forward -------------------------------------------------------------
    def _call(self, params: Params, x: torch.Tensor, features: bool) -> Any:
        """One model: the module's outputs, or the list of the outputs of the submodules `layers`."""
        module = self._template
        ref = next(iter(params.values()))
        buffers = {name: b.to(device=ref.device, dtype=ref.dtype if b.is_floating_point() else b.dtype)
                   for name, b in module.named_buffers()}
        if not features:
            return torch.func.functional_call(module, (params, buffers), (x,))
        found: dict[str, Any] = {}
        hooks = [module.get_submodule(name).register_forward_hook(
            lambda m, args, out, name=name: found.__setitem__(name, out)) for name in self.layers]
        try:
            torch.func.functional_call(module, (params, buffers), (x,))
        finally:
            for hook in hooks:
                hook.remove()
        for name in self.layers:
            if not isinstance(found.get(name), torch.Tensor):
                got = type(found[name]).__name__ if name in found else "nothing (it was not called)"
                raise ValueError(f"layers: submodule {name!r} returned {got}, not a tensor of features")
        return [found[name] for name in self.layers]

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:
        """Outputs (or the features of `layers`) of one model, or of E models stacked along a leading axis."""
        if features and not self.layers:
            raise ValueError("layers=() names no submodules: give TorchNetwork the names of the submodules whose "
                             "outputs are the hidden features (module.named_modules())")
        name, p = next(iter(self._template.named_parameters()))
        if params[name].ndim == p.ndim:  # one model
            out = self._call(params, x, features)
        else:
            out = None
            if not self.__dict__.get("_loop"):
                try:
                    out = torch.func.vmap(functools.partial(self._call, features=features))(params, x)
                except Exception:  # noqa: BLE001 - vmap cannot run this module: loop over the models
                    pass
            if out is None:
                models = [self._call({k: v[i] for k, v in params.items()}, x[i], features) for i in range(len(x))]
                out = [torch.stack(f) for f in zip(*models)] if features else torch.stack(models)
                self.__dict__["_loop"] = True  # vmap failed for this module: loop from now on
        if not features:
            want = (*x.shape[: x.ndim - len(self.shape)], self.outputs)
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != want:
                got = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise ValueError(f"the module of factory={callable_name(self.factory)} returned {got}; "
                                 f"outputs must have shape {list(want)} ([(E,) batch, outputs])")
        return out
