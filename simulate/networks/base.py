"""The feature-map interface of every network: a frozen-dataclass spec, ``init``, ``apply`` and ``features``.

A network is described by a hashable, JSON-able frozen dataclass (it can sit
inside a run spec and be serialised with :func:`..runs.spec.to_dict`). The
spec holds no tensors; parameters live in a plain ``dict[str, Tensor]``:

* ``net.init(seed, device, dtype) -> params`` draws the parameters from a
  ``torch.Generator`` seeded with `seed` (on the CPU, in float64, then cast),
  so that a seed gives the same network on every device and in every dtype;
* ``net.apply(params, x)`` is a pure function: inputs ``[batch, *input_shape]``
  (1D one-hot sequences ``[v, d]``, real vectors ``[d]``, images ``[C, n, n]``)
  to outputs ``[batch, n_out]``, or ``[batch]`` for a scalar-output network;
* ``net.features(params, x)`` gives the post-activation features of every
  hidden layer (layer 1 first), each ``[batch, channels, *positions]``.

Parameters stacked along a new leading axis (:func:`stack_params`,
:meth:`Network.init_ensemble`) describe E independent models: ``apply`` and
``features`` then take inputs ``[E, batch, *input_shape]`` and return a leading
E axis. Subclasses write their forward pass with matmuls over the trailing
axes, so this lowers to batched matmuls; ``torch.func.vmap(net.apply)`` gives
the same numbers.

A network's shape (input channels, length, classes) may be left out (``None``):
an experiment then fits it to its data, ``net.for_data(data)``, so that a
spec holds the network's own choices (width, depth, readout) and takes the
shape from the data it is swept over.

Readouts: ``"mean_field"`` divides the last layer's contribution by the width
H (the output at initialisation is O(1/sqrt(H)); the SGD learning rate is
scaled by H to match, :mod:`..learners.training`); ``"standard"`` divides it by
sqrt(H) (NTK scaling). Weights are standard normal at initialisation and
every hidden pre-activation is divided by sqrt(fan_in).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import math
from typing import Any, Callable, ClassVar, Iterable, Sequence

import torch

from ..runs.checks import (MAX_DEPTH, MAX_SIZE, check_bool, check_choice, check_dtype, check_memory, check_seed,
                           check_size, require, show)
from ..runs.device import resolve_device

__all__ = ["Network", "stack_params", "unstack_params", "layer_shapes"]

Params = dict[str, torch.Tensor]


def stack_params(params: Sequence[Params]) -> Params:
    """Stack the parameters of E models of one spec along a new leading axis."""
    if len(params) == 0:
        raise ValueError("params must hold at least one model's parameters")
    keys = list(params[0])
    for p in params:
        if list(p) != keys:
            raise ValueError(f"all models must have the same parameter names {keys}, got {list(p)}")
    return {k: torch.stack([p[k] for p in params]) for k in keys}


def unstack_params(stacked: Params) -> list[Params]:
    """Inverse of :func:`stack_params`: a list of E parameter dicts (views)."""
    sizes = {v.shape[0] for v in stacked.values()}
    if len(sizes) != 1:
        raise ValueError(f"stacked parameters disagree on the ensemble size: {sorted(sizes)}")
    (e,) = sizes
    return [{k: v[i] for k, v in stacked.items()} for i in range(e)]


def layer_shapes(
    weights: Sequence[tuple[int, ...]], biases: Sequence[tuple[int, ...]] | None, beta: tuple[int, ...]
) -> dict[str, tuple[int, ...]]:
    """The parameter shapes of a layered network, in the order they are drawn at initialisation:
    ``w1..wL`` (`weights`), then ``b1..bL`` (`biases`, when given), then the readout ``beta``."""
    shapes = {f"w{k}": tuple(shape) for k, shape in enumerate(weights, start=1)}
    if biases:
        shapes.update({f"b{k}": tuple(shape) for k, shape in enumerate(biases, start=1)})
    shapes["beta"] = tuple(beta)
    return shapes


READOUTS = ("mean_field", "standard")


class Network:
    """Base of the network specs (mix into a frozen dataclass).

    Subclasses define ``kind``, the field ``width`` (H of the last hidden
    layer) and ``readout`` (one of :data:`READOUTS`), the properties
    :attr:`input_shape` and :attr:`n_out`, :meth:`param_shapes` (an ordered
    dict name -> shape, the order in which parameters are drawn) and
    ``_forward(params, x, features)``, which returns the outputs, or with
    ``features=True`` the list of hidden features; ``x`` may carry one leading
    ensemble axis. ``scalar = True`` makes the output ``[..., batch]``.
    """

    kind: ClassVar[str] = "network"
    scalar: ClassVar[bool] = False
    shape_fields: ClassVar[tuple[str, ...]] = ()
    """The fields that a network's data fixes (left None, :meth:`for_data` fills them in)."""
    width: int
    readout: str = "mean_field"

    # -- shape from the data -------------------------------------------------
    def _data_fields(self, data: Any) -> dict[str, Any]:
        """The values of :attr:`shape_fields` that `data` (a data model) asks for."""
        return {}

    def for_data(self, data: Any) -> "Network":
        """This network fitted to `data`: its :attr:`shape_fields` left ``None`` filled in from the data;
        one already given must agree (``ValueError`` naming the field otherwise)."""
        try:
            wanted = self._data_fields(data)
        except AttributeError as exc:
            raise ValueError(f"{type(self).__name__} cannot take its shape from a {type(data).__name__} ({exc}): "
                             "it is not a network for this data") from None
        changes = {}
        for name, value in wanted.items():
            have = getattr(self, name)
            if have is None:
                changes[name] = value
            elif have != value:
                raise ValueError(f"{type(self).__name__} has {name}={have!r}, but the data ({type(data).__name__}) "
                                 f"needs {name}={value!r}; leave {name} out (None) to take it from the data")
        return dataclasses.replace(self, **changes) if changes else self

    def _check_fitted(self) -> None:
        missing = [name for name in self.shape_fields if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{type(self).__name__} has no {', '.join(missing)} yet: give them, or fit the network "
                             "to its data with net.for_data(data)")

    # -- interface -----------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int, ...]:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def n_out(self) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def param_shapes(self) -> dict[str, tuple[int, ...]]:  # pragma: no cover - interface
        raise NotImplementedError

    def _forward(self, params: Params, x: torch.Tensor, features: bool = False) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- shared --------------------------------------------------------------
    def _check_readout(self) -> None:
        check_choice(self.readout, "readout", READOUTS)

    @property
    def readout_scale(self) -> float:
        """1/H (mean field) or 1/sqrt(H) (standard): the factor of the last layer's contribution."""
        return 1.0 / self.width if self.readout == "mean_field" else 1.0 / math.sqrt(self.width)

    def n_params(self) -> int:
        return sum(math.prod(s) for s in self.param_shapes().values())

    def init(self, seed: int, device: str | torch.device | None = None, dtype: torch.dtype = torch.float32) -> Params:
        """Parameters drawn i.i.d. standard normal with ``torch.Generator().manual_seed(seed)``.

        Drawn on the CPU in float64 in the order of :meth:`param_shapes`, then
        moved to `device` (``None``: CUDA when present, else CPU) and cast to
        `dtype`: a seed gives the same network everywhere (up to rounding).
        """
        seed = check_seed(seed)
        self._check_fitted()
        dev = resolve_device(device)
        dtype = check_dtype(dtype)
        n = self.n_params()
        check_memory(n * (8 + torch.empty(0, dtype=dtype).element_size()), f"the {show(n)} parameters of {self!r}", dev)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        return {
            name: torch.randn(shape, generator=gen, dtype=torch.float64).to(device=dev, dtype=dtype)
            for name, shape in self.param_shapes().items()
        }

    def init_ensemble(
        self, seeds: Iterable[int], device: str | torch.device | None = None, dtype: torch.dtype = torch.float32
    ) -> Params:
        """Stacked parameters [E, ...] of E models, model e initialised with ``init(seeds[e])``."""
        return stack_params([self.init(s, device, dtype) for s in seeds])

    def ensemble_size(self, params: Params) -> int | None:
        """Validate parameter names and shapes; ``None`` for one model, E for stacked parameters [E, ...]."""
        self._check_fitted()
        shapes = self.param_shapes()
        if not isinstance(params, dict) or set(params) != set(shapes):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"params must be a dict with keys {sorted(shapes)}, got {got}")
        first = next(iter(shapes))
        ensemble = params[first].ndim == len(shapes[first]) + 1
        e = params[first].shape[0] if ensemble else None
        for name, shape in shapes.items():
            t = params[name]
            want = tuple(shape)
            got = tuple(t.shape[1:]) if ensemble else tuple(t.shape)
            if got != want or t.ndim != len(want) + int(ensemble):
                lead = "[E, ...]" if ensemble else ""
                raise ValueError(f"params[{name!r}] must have shape {lead}{list(want)}, got {list(t.shape)}")
            if ensemble and t.shape[0] != e:
                raise ValueError(f"params[{name!r}] has ensemble size {t.shape[0]}, others {e}")
        return e

    @property
    def input_description(self) -> str:
        """The input shape in words for error messages (``"v=8, d=16"``)."""
        return ", ".join(map(str, self.input_shape))

    def check_x(self, x: Any, lead: tuple[int, ...] = ()) -> None:
        """Validate inputs ``[*lead, batch, *input_shape]`` (a floating tensor)."""
        names = "".join(f"{n}, " for n in lead)
        want = f"[{names}batch, {self.input_description}]"
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            got = f"dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a floating tensor {want} (one-hot inputs as float), got {got}")
        n = len(self.input_shape)
        if x.ndim != len(lead) + 1 + n or tuple(x.shape[: len(lead)]) != lead or tuple(x.shape[x.ndim - n:]) != self.input_shape:
            raise ValueError(f"x must have shape {want}, got {list(x.shape)}")

    def _lead(self, params: Params, x: torch.Tensor) -> None:
        e = self.ensemble_size(params)
        self.check_x(x, () if e is None else (e,))

    def apply(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Outputs ``[batch, n_out]`` (``[batch]`` when scalar) of one model for inputs ``[batch, *input_shape]``;
        with stacked parameters [E, ...] and inputs ``[E, batch, ...]``, a leading E axis (pure function)."""
        self._lead(params, x)
        return self._forward(params, x)

    def output_and_vjp(self, params: Params, x: torch.Tensor) -> tuple[torch.Tensor, Callable[[torch.Tensor], Params]]:
        """Outputs (as :meth:`apply`, detached) and their vector-Jacobian product.

        Returns ``(out, vjp)``: ``vjp(g)``, with `g` shaped like `out`, is the
        gradient of ``sum(g * out)`` with respect to every parameter (a dict
        shaped like `params`). This default uses autograd; a network may
        override it with its explicit backward pass (:class:`TwoLayerReLU`),
        which must give the same gradient up to rounding.
        """
        self._lead(params, x)
        return self._output_and_vjp(params, x)

    def _output_and_vjp(self, params: Params, x: torch.Tensor) -> tuple[torch.Tensor, Callable[[torch.Tensor], Params]]:
        """:meth:`output_and_vjp` without checking `params` and `x` (for loops that checked them once)."""
        leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
        with torch.enable_grad():
            out = self._forward(leaves, x)

        def vjp(g: torch.Tensor) -> Params:
            return dict(zip(leaves, torch.autograd.grad(out, list(leaves.values()), g)))

        return out.detach(), vjp

    def features(self, params: Params, x: torch.Tensor) -> list[torch.Tensor]:
        """Post-activation features of every hidden layer, each ``[(E,) batch, channels, *positions]``, layer 1 first."""
        self._lead(params, x)
        return self._forward(params, x, features=True)

    def _readout_positions(self, h: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """Readout of channels-last features [..., batch, positions, H]: average over positions, ``@ beta``, scaled."""
        if self.readout == "mean_field":
            return torch.matmul(h.mean(dim=-2), beta) / self.width
        return torch.matmul(h.mean(dim=-2), beta) / math.sqrt(self.width)


def readout_matvec(h: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """``h @ beta`` of one model (h [batch, H], beta [H]) or of E stacked models (h [E, batch, H], beta [E, H]).

    Stacked models are multiplied model by model: a batched matrix-vector
    product rounds differently with the batch size, and a model's outputs must
    not depend on the models it is stacked with. The models are unbound, not
    indexed: the backward of E ``h[i]`` selects would write E full-size zero
    tensors (O(E^2) work; it was 40% of a gradient-flow step at E = 6).
    """
    if h.ndim == 2:
        return torch.matmul(h, beta.unsqueeze(-1)).squeeze(-1)
    return torch.stack([torch.matmul(hi, bi.unsqueeze(-1)).squeeze(-1) for hi, bi in zip(h.unbind(0), beta.unbind(0))])


def patches(h: torch.Tensor, s: int) -> torch.Tensor:
    """Group channels-last activations [..., n, C] into non-overlapping patches [..., n // s, s * C].

    The flattened patch index is ``j * C + c`` (offset j in the patch, channel c),
    matching a conv1d weight [H, C, s] transposed to [s, C, H] (see :func:`filters`).
    """
    *lead, n, c = h.shape
    return h.reshape(*lead, n // s, s * c)


def filters(w: torch.Tensor) -> torch.Tensor:
    """Conv1d-layout weights [..., H, C, s] as a matmul operand [..., s * C, H]."""
    *lead, hh, c, s = w.shape
    return w.transpose(-1, -3).reshape(*lead, s * c, hh)


class SequenceClassifier(Network):
    """Networks on one-hot sequences [batch, v, d] with n_c class logits: the fields v, n_c, width, bias
    and readout, their checks, and the input and output shapes (the RHM networks)."""

    v: int | None
    n_c: int | None
    d: int
    bias: bool

    def _check_sequence_fields(self) -> None:
        if self.v is not None:
            check_size(self.v, "v", 1)
        if self.n_c is not None:
            check_size(self.n_c, "n_c", 2)
        check_size(self.width, "width", 1)
        check_bool(self.bias, "bias")
        self._check_readout()

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From an RHM (or any data of one-hot sequences): its channels and classes."""
        return {"v": data.n_channels, "n_c": data.n_c}

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.v, self.d)

    @property
    def input_description(self) -> str:
        return f"v={self.v}, d={self.d}"

    @property
    def n_out(self) -> int:
        return self.n_c


@dataclass(frozen=True)
class HierarchicalNetwork(SequenceClassifier):
    """Fields and checks shared by the hierarchical CNN and its locally connected twin:
    v input channels, n_c classes, patch (filter = stride) s, L hidden layers of width H (default 64).
    v, n_c, s and L may be left None: :meth:`for_data` takes them from an RHM."""

    shape_fields: ClassVar[tuple[str, ...]] = ("v", "n_c", "s", "L")
    v: int | None = None
    n_c: int | None = None
    s: int | None = None
    L: int | None = None
    width: int = 64
    bias: bool = False
    readout: str = "mean_field"

    def __post_init__(self) -> None:
        s = None if self.s is None else check_size(self.s, "s", 2)
        L = None if self.L is None else check_size(self.L, "L", 1, MAX_DEPTH)
        if s is not None and L is not None:
            require(L < 31 and s**L <= MAX_SIZE, f"the input length s**L (s={s}, L={L}) must be <= {MAX_SIZE}")
        self._check_sequence_fields()

    def _data_fields(self, data: Any) -> dict[str, Any]:
        """From an RHM: its channels, classes, patch (``s``, or ``s (s0 + 1)`` on the sparse RHM) and depth."""
        return {**super()._data_fields(data), "s": getattr(data, "patch", data.s), "L": data.L}

    @property
    def d(self) -> int:
        """Input length s**L."""
        return self.s**self.L
