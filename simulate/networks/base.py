"""The shared interface of networks: a frozen-dataclass spec, ``init`` and a pure ``apply``.

A network is described by a hashable, JSON-able frozen dataclass (it can sit
inside a run spec and be serialised with :func:`simulate.spec.to_dict`). The
spec holds no tensors; parameters live in a plain ``dict[str, Tensor]``:

* ``net.init(seed, device, dtype) -> params`` draws the parameters from a
  ``torch.Generator`` seeded with `seed` (on the CPU, in float64, then cast),
  so that a seed gives the same network on every device and in every dtype;
* ``net.apply(params, x) -> logits`` is a pure function of the parameters and
  the input ``x`` [batch, v, d] (one-hot channels first), returning
  ``[batch, n_c]``.

``apply`` is written with matmuls over the trailing axes, so it also
evaluates E independent models at once: stack their parameters along a new
leading axis (:func:`stack_params` or :meth:`Network.init_ensemble`) and pass
inputs ``[E, batch, v, d]`` (:meth:`Network.apply_ensemble`); this lowers to
batched matmuls. ``torch.func.vmap(net.apply)`` gives the same numbers.

Parametrisation (all three networks): weights standard normal at
initialisation, each hidden layer divides its pre-activation by
sqrt(fan_in), and the readout is ``beta^T h / H`` (mean-field scaling: the
output at initialisation is O(1/sqrt(H)); see :mod:`simulate.training` for
the matching learning-rate scaling).
"""
from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any, ClassVar, Iterable, Sequence

import torch

from ..runs.device import resolve_device

__all__ = ["Network", "stack_params", "unstack_params", "check_int", "check_dtype"]

Params = dict[str, torch.Tensor]


def check_int(value: Any, name: str, minimum: int) -> int:
    """Return `value` as an int, or raise ``ValueError`` naming `name` unless it is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")
    return int(value)


def check_dtype(dtype: Any) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype={dtype!r} must be a floating torch dtype (torch.float32 or torch.float64)")
    return dtype


def check_seed(seed: Any, name: str = "seed") -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"{name}={seed!r} must be a non-negative integer")
    return int(seed)


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


class Network:
    """Base of the network specs (mix into a frozen dataclass).

    Subclasses define ``kind``, the fields ``v``, ``n_c``, ``width``,
    :meth:`param_shapes` (an ordered dict name -> shape, the order in which
    parameters are drawn), :attr:`d` and ``_forward(params, x, lead)`` where
    ``lead`` is the number of leading ensemble axes (0 or 1).
    """

    kind: ClassVar[str] = "network"
    v: int
    n_c: int
    width: int

    d: int  # input length: a field or a property of the subclass

    # -- interface -----------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:  # pragma: no cover - interface
        raise NotImplementedError

    def _forward(self, params: Params, x: torch.Tensor, hidden: bool = False) -> Any:  # pragma: no cover
        raise NotImplementedError

    # -- shared --------------------------------------------------------------
    def n_params(self) -> int:
        return sum(math.prod(s) for s in self.param_shapes().values())

    def init(self, seed: int, device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32) -> Params:
        """Parameters drawn i.i.d. standard normal with ``torch.Generator().manual_seed(seed)``.

        Drawn on the CPU in float64 in the order of :meth:`param_shapes`, then
        moved to `device` and cast to `dtype`: a seed gives the same network
        everywhere (up to rounding).
        """
        seed = check_seed(seed)
        dev = resolve_device(device)
        dtype = check_dtype(dtype)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        return {
            name: torch.randn(shape, generator=gen, dtype=torch.float64).to(device=dev, dtype=dtype)
            for name, shape in self.param_shapes().items()
        }

    def init_ensemble(
        self, seeds: Iterable[int], device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32
    ) -> Params:
        """Stacked parameters [E, ...] of E models, model e initialised with ``init(seeds[e])``."""
        return stack_params([self.init(s, device, dtype) for s in seeds])

    def check_params(self, params: Params, ensemble: bool = False) -> int | None:
        """Validate parameter names and shapes; return E for stacked parameters, else None."""
        shapes = self.param_shapes()
        if not isinstance(params, dict) or set(params) != set(shapes):
            got = sorted(params) if isinstance(params, dict) else type(params).__name__
            raise ValueError(f"params must be a dict with keys {sorted(shapes)}, got {got}")
        e = None
        for name, shape in shapes.items():
            t = params[name]
            want = tuple(shape)
            got = tuple(t.shape[1:]) if ensemble else tuple(t.shape)
            if got != want or (ensemble and t.ndim != len(want) + 1):
                lead = "[E, ...]" if ensemble else ""
                raise ValueError(f"params[{name!r}] must have shape {lead}{list(want)}, got {list(t.shape)}")
            if ensemble:
                if e is not None and t.shape[0] != e:
                    raise ValueError(f"params[{name!r}] has ensemble size {t.shape[0]}, others {e}")
                e = t.shape[0]
        return e

    def _check_x(self, x: Any, lead: tuple[int, ...]) -> None:
        names = "".join(f"{n}, " for n in lead)
        want = f"[{names}batch, v={self.v}, d={self.d}]"
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            got = f"dtype {x.dtype}" if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a floating tensor {want} (one-hot as float), got {got}")
        if x.ndim != len(lead) + 3 or tuple(x.shape[: len(lead)]) != lead or tuple(x.shape[-2:]) != (self.v, self.d):
            raise ValueError(f"x must have shape {want}, got {list(x.shape)}")

    def apply(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Logits [batch, n_c] of one model for inputs `x` [batch, v, d] (pure function)."""
        self._check_x(x, ())
        return self._forward(params, x)

    def apply_ensemble(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Logits [E, batch, n_c] of E stacked models; `x` is [E, batch, v, d] (one input set per model)."""
        e = self.check_params(params, ensemble=True)
        self._check_x(x, (e,))
        return self._forward(params, x)

    def hidden(self, params: Params, x: torch.Tensor) -> list[torch.Tensor]:
        """Post-ReLU activations of every hidden layer, each [..., batch, H, positions] (layer 1 first)."""
        if x.ndim == 3:
            self._check_x(x, ())
        return self._forward(params, x, hidden=True)

    def readout(self, h: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        """Mean-field readout: average over positions, ``@ beta / H``. `h` is [..., batch, positions, H]."""
        return torch.matmul(h.mean(dim=-2), beta) / self.width


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


@dataclass(frozen=True)
class HierarchicalNetwork(Network):
    """Fields and checks shared by the hierarchical CNN and its locally connected twin:
    v input channels, n_c classes, patch (filter = stride) s, L hidden layers of width H."""

    v: int
    n_c: int
    s: int
    L: int
    width: int
    bias: bool = False

    def __post_init__(self) -> None:
        check_int(self.v, "v", 1)
        check_int(self.n_c, "n_c", 2)
        check_int(self.s, "s", 2)
        check_int(self.L, "L", 1)
        check_int(self.width, "width", 1)
        if not isinstance(self.bias, bool):
            raise ValueError(f"bias={self.bias!r} must be True or False")

    @property
    def d(self) -> int:
        return self.s**self.L
