"""Training of the networks of :mod:`..networks` by SGD or Adam: one loop, E models at once.

:func:`train_ensemble` trains E models of one network spec on E training sets
of one size P as one batched model (stacked parameters, batched matmuls);
:func:`train_one` is the same loop for an ensemble of one. Each model's
numbers do not depend on the others it is batched with.

Semantics:

* loss: ``"cross_entropy"`` (mean cross-entropy of the logits, integer class
  labels in [0, n_out)) or ``"hinge"`` (mean of max(0, 1 - y f) for a
  scalar-output network, labels in {-1, +1}); the classification error counts
  argmax(logits) != y, or y f <= 0;
* optimiser: SGD with momentum (default 0.9, the torch convention
  ``buf = momentum * buf + grad``, ``p -= lr_eff * buf``) or Adam
  (``torch.optim.Adam``'s update); weight decay adds ``weight_decay * p`` to the
  gradient of the parameters whose names start with one of ``decay_params``;
* mini-batches: each model owns a ``torch.Generator`` seeded with its seed;
  every epoch draws ``torch.randperm(P)`` from it and takes consecutive
  chunks of ``batch_size`` (the last chunk of an epoch may be smaller);
  ``batch_size >= P`` is full-batch training;
* stopping: every ``eval_every`` steps (default once per epoch, and at step 0)
  the loss on the *full* training set is computed; a model whose loss is
  below ``loss_threshold`` stops there (``converged``), a model whose loss is
  not finite stops there (``diverged``), and every model stops at
  ``max_steps``; a stopped model is set aside and leaves the batch, so that
  it costs nothing more;
* learning-rate scaling for the mean-field readout ``beta^T h / H``: the
  gradient of the output with respect to any weight carries a factor 1/H, so
  with SGD one step changes the output by O(lr / H). The effective SGD rate
  is therefore ``lr * H`` (``H = net.width``), which keeps the change of the
  output per step O(lr) at every width (as in the reference code of
  arXiv:2307.02129). Adam normalises the gradient per coordinate, which
  already removes the 1/H, and a standard readout has no 1/H: both use ``lr``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import torch
import torch.nn.functional as F

from ..networks.base import Network, Params, stack_params, unstack_params
from ..runs.checks import check_choice, check_float, check_int, check_seed
from ..runs.spec import KEY_OMITS_DEFAULT
from .active import ActiveSet

__all__ = ["TrainConfig", "TrainResult", "train_one", "train_ensemble", "evaluate", "effective_lr", "LOSSES",
           "SCHEDULES"]

LOSSES = ("cross_entropy", "hinge")
SCHEDULES = ("constant", "cosine")
_EVAL_ROWS = 1 << 14  # rows per model per forward pass when evaluating the full training / test set


@dataclass(frozen=True)
class TrainConfig:
    """Hyperparameters of one training run (hashable, JSON-able).

    Parameters
    ----------
    optimizer : ``"sgd"`` (with momentum) or ``"adam"``.
    lr : base learning rate > 0. SGD with a mean-field readout uses ``lr * net.width``, otherwise ``lr``.
    momentum : SGD momentum in [0, 1).
    batch_size : mini-batch size >= 1 (``>= P``: full batch).
    loss_threshold : stop a model once its full training loss is below this (> 0).
    max_steps : step budget >= 0.
    eval_every : steps between full-training-loss checks (>= 1); None: once per epoch.
    adam_betas, adam_eps : Adam's (beta1, beta2) in [0, 1) and epsilon > 0.
    loss : ``"cross_entropy"`` or ``"hinge"`` (scalar-output networks, labels +-1).
    weight_decay : >= 0, added as ``weight_decay * p`` to the gradient of the decayed parameters.
    decay_params : name prefixes of the decayed parameters (``("w",)``: the weights, not biases or readout);
        a name matches when it starts with a prefix, or contains it after a dot (``".weight"`` matches the
        weights of a torch module's layers, ``"net.0.weight"``).
    schedule : ``"constant"`` (default) or ``"cosine"``: the rate of step t = 1..max_steps is
        ``lr (1 + cos(pi (t - 1) / max_steps)) / 2``, from lr down to 0 over the budget (the protocol of
        Petrini et al., arXiv:2105.02468: SGD, momentum 0.9, weight decay 5e-4, cosine schedule).

    Defaults (SGD, lr 0.3, i.e. 0.3 * H effective, batch 32, momentum 0.9) were chosen on an RHM
    with v = n_c = 8, m = 4, s = 2, L = 3, H = 64 and 256, P = 1024 and 4096: every run reached
    loss < 0.01 within ~1000 steps with the lowest test error among the settings tried. The
    SGD noise lr / batch_size matters: lr 0.5 or 1.0 at batch 32 killed the ReLUs (loss stuck
    at log n_c), lr 1.0 at batch 128 trained; keep lr / batch_size <~ 0.01. For Adam use
    lr ~ 0.03 (0.003 was too slow to converge within 3000 steps).
    """

    optimizer: str = "sgd"
    lr: float = 0.3
    momentum: float = 0.9
    batch_size: int = 32
    loss_threshold: float = 0.01
    max_steps: int = 20_000
    eval_every: int | None = None
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    loss: str = "cross_entropy"
    weight_decay: float = 0.0
    decay_params: tuple[str, ...] = ("w",)
    schedule: str = field(default="constant", metadata={KEY_OMITS_DEFAULT: True})

    def __post_init__(self) -> None:
        check_choice(self.optimizer, "optimizer", ("sgd", "adam"))
        check_float(self.lr, "lr", 0.0, low_open=True)
        check_float(self.momentum, "momentum", 0.0, 1.0, high_open=True)
        check_int(self.batch_size, "batch_size", 1)
        check_float(self.loss_threshold, "loss_threshold", 0.0, low_open=True)
        check_int(self.max_steps, "max_steps", 0)
        if self.eval_every is not None:
            check_int(self.eval_every, "eval_every", 1)
        if not (isinstance(self.adam_betas, tuple) and len(self.adam_betas) == 2):
            raise ValueError(f"adam_betas={self.adam_betas!r} must be a tuple (beta1, beta2)")
        for i, b in enumerate(self.adam_betas):
            check_float(b, f"adam_betas[{i}]", 0.0, 1.0, high_open=True)
        check_float(self.adam_eps, "adam_eps", 0.0, low_open=True)
        check_choice(self.loss, "loss", LOSSES)
        check_float(self.weight_decay, "weight_decay", 0.0)
        if not (isinstance(self.decay_params, tuple) and all(isinstance(n, str) for n in self.decay_params)):
            raise ValueError(f"decay_params={self.decay_params!r} must be a tuple of parameter-name prefixes")
        check_choice(self.schedule, "schedule", SCHEDULES)

    def decays(self, name: str) -> bool:
        """Whether the parameter `name` is decayed (see ``decay_params``)."""
        return name.startswith(self.decay_params) or any(
            p.startswith(".") and p in name for p in self.decay_params)

    def rate_factor(self, step: int) -> float:
        """The factor of the rate at step `step` (1, 2, ...): 1, or the cosine schedule's."""
        if self.schedule == "constant" or self.max_steps == 0:
            return 1.0
        return 0.5 * (1.0 + math.cos(math.pi * (step - 1) / self.max_steps))

    def steps_per_epoch(self, p: int) -> int:
        return math.ceil(p / min(self.batch_size, p))

    def check_interval(self, p: int) -> int:
        """Steps between full-training-loss checks for a training set of size `p`."""
        return self.eval_every if self.eval_every is not None else self.steps_per_epoch(p)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of training one model.

    converged : the full training loss went below the threshold.
    diverged : the training loss became inf or nan (training stopped there).
    steps : optimiser steps taken (the step at which the model stopped).
    train_loss, train_error : full training set, final parameters.
    test_loss, test_error : held-out set, final parameters (None without test data).
    """

    converged: bool
    diverged: bool
    steps: int
    train_loss: float
    train_error: float
    test_loss: float | None = None
    test_error: float | None = None

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


def effective_lr(net: Network, config: TrainConfig) -> float:
    """The rate the update uses: ``lr * width`` for SGD with a mean-field readout, else ``lr``."""
    return config.lr * net.width if config.optimizer == "sgd" and net.readout == "mean_field" else config.lr


# --------------------------------------------------------------------------- validation


def _check_data(net: Network, config: TrainConfig, x: Any, y: Any, lead: tuple[int, ...], name: str, ref: torch.Tensor):
    """Validate (x, y) and move them to the device and dtype of the parameters `ref`."""
    names = "".join(f"{n}, " for n in lead)
    shape = net.input_description
    n = len(net.input_shape)
    if not isinstance(x, torch.Tensor) or x.ndim != len(lead) + 1 + n or tuple(x.shape[: len(lead)]) != lead \
            or tuple(x.shape[x.ndim - n:]) != net.input_shape:
        got = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(f"x{name} must be a tensor [{names}P, {shape}], got {got}")
    p = x.shape[len(lead)]
    if p < 1:
        raise ValueError(f"x{name} must hold at least one sample, got P=0")
    if not isinstance(y, torch.Tensor) or tuple(y.shape) != (*lead, p):
        got = list(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise ValueError(f"y{name} must be a tensor [{names}P={p}], got {got}")
    x = x.to(device=ref.device, dtype=ref.dtype)
    if config.loss == "hinge":
        if not net.scalar:
            raise ValueError(f"loss='hinge' needs a scalar-output network; {type(net).__name__} has {net.n_out} outputs")
        if y.numel() and not bool(((y == 1) | (y == -1)).all()):
            raise ValueError(f"y{name} must hold labels -1 or +1 for the hinge loss")
        return x, y.to(device=ref.device, dtype=ref.dtype)
    if net.scalar:
        raise ValueError(f"loss='cross_entropy' needs class logits; {type(net).__name__} has a scalar output (use 'hinge')")
    if y.dtype.is_floating_point or y.dtype == torch.bool or y.dtype.is_complex:
        raise ValueError(f"y{name} must hold integer class labels in [0, n_c={net.n_out}), got dtype {y.dtype}")
    if y.numel() and (int(y.min()) < 0 or int(y.max()) >= net.n_out):
        raise ValueError(f"y{name} must hold class labels in [0, n_c={net.n_out}), got range "
                         f"[{int(y.min())}, {int(y.max())}]")
    return x, y.to(device=ref.device, dtype=torch.int64)


def _prepare_params(net: Network, params: Params) -> tuple[Params, int | None]:
    e = net.ensemble_size(params)
    dtypes = {t.dtype for t in params.values()}
    devices = {t.device for t in params.values()}
    if len(dtypes) != 1 or len(devices) != 1 or not next(iter(dtypes)).is_floating_point:
        raise ValueError(f"params must share one floating dtype and one device, got {dtypes} on {devices}")
    return {k: t.detach().clone().requires_grad_(True) for k, t in params.items()}, e


# --------------------------------------------------------------------------- pieces of the loop


class _Batches:
    """Mini-batch indices of one model: an epoch-wise ``randperm`` from its own generator."""

    def __init__(self, p: int, batch_size: int, seed: int):
        self.p = p
        self.b = min(batch_size, p)
        self.per_epoch = math.ceil(p / self.b)
        self.gen = torch.Generator(device="cpu").manual_seed(seed)
        self.perm = torch.empty(0, dtype=torch.int64)

    def indices(self, step: int) -> torch.Tensor:
        pos = step % self.per_epoch
        if pos == 0:
            self.perm = torch.randperm(self.p, generator=self.gen)
        return self.perm[pos * self.b : (pos + 1) * self.b]


class _Optimizer:
    """SGD with momentum or Adam, elementwise on stacked tensors (with optional weight decay)."""

    def __init__(self, names: list[str], params: list[torch.Tensor], lr: float, config: TrainConfig):
        self.lr = self.base_lr = lr
        self.config = config
        self.t = 0
        self.decayed = [config.weight_decay > 0 and config.decays(name) for name in names]
        self.state = [torch.zeros_like(p) for p in params]
        self.state2 = [torch.zeros_like(p) for p in params] if config.optimizer == "adam" else None

    def select(self, index: torch.Tensor) -> None:
        """Keep the state of the stacked models `index` only (leading axis), as the parameters are compacted."""
        self.state = [s[index] for s in self.state]
        if self.state2 is not None:
            self.state2 = [s[index] for s in self.state2]

    @torch.no_grad()
    def step(self, params: list[torch.Tensor], grads: Sequence[torch.Tensor]) -> None:
        cfg = self.config
        self.t += 1
        if cfg.schedule != "constant":
            self.lr = self.base_lr * cfg.rate_factor(self.t)
        if cfg.optimizer == "sgd" and not any(self.decayed):
            # The same operations as the loop below, each over all parameters at once (fewer dispatches per step).
            if self.t > 1:
                torch._foreach_mul_(self.state, cfg.momentum)
                torch._foreach_add_(self.state, list(grads))
            else:
                torch._foreach_copy_(self.state, list(grads))
            torch._foreach_sub_(params, torch._foreach_mul(self.state, self.lr))
            return
        for i, (p, g) in enumerate(zip(params, grads)):
            if self.decayed[i]:
                g = g + cfg.weight_decay * p
            if cfg.optimizer == "sgd":
                buf = self.state[i].mul_(cfg.momentum).add_(g) if self.t > 1 else self.state[i].copy_(g)
                update = buf * self.lr
            else:
                b1, b2 = cfg.adam_betas
                m = self.state[i].mul_(b1).add_(g, alpha=1 - b1)
                v = self.state2[i].mul_(b2).addcmul_(g, g, value=1 - b2)
                denom = (v.sqrt() / math.sqrt(1 - b2**self.t)).add_(cfg.adam_eps)
                update = m / denom * (self.lr / (1 - b1**self.t))
            p.sub_(update)


def _losses(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """Per-sample losses, shaped like `y` (outputs: logits [..., n, n_c] or scalars [..., n])."""
    if loss == "hinge":
        return torch.relu(1 - y * out)
    n_c = out.shape[-1]
    return F.cross_entropy(out.reshape(-1, n_c), y.reshape(-1), reduction="none").view(y.shape)


def _wrong(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    return (y * out <= 0) if loss == "hinge" else (out.argmax(dim=-1) != y)


@torch.no_grad()
def evaluate(net: Network, params: Params, x: torch.Tensor, y: torch.Tensor,
             loss: str = "cross_entropy") -> tuple[torch.Tensor, torch.Tensor]:
    """(mean loss, classification error) of one model ([] tensors) or of E stacked models ([E]).

    Single model: `x` [n, *input_shape], `y` [n]. Stacked: `x` [E, n, ...], `y` [E, n]. Evaluated in chunks.
    """
    lead = y.ndim - 1
    n = y.shape[-1]
    total = torch.zeros(y.shape[:-1], dtype=torch.float64, device=x.device)
    wrong = torch.zeros(y.shape[:-1], dtype=torch.float64, device=x.device)
    for start in range(0, n, _EVAL_ROWS):
        index = (slice(None),) * lead + (slice(start, start + _EVAL_ROWS),)
        xc, yc = x[index], y[index]
        out = net.apply(params, xc)
        total += _losses(out, yc, loss).sum(dim=-1, dtype=torch.float64)
        wrong += _wrong(out, yc, loss).sum(dim=-1, dtype=torch.float64)
    return total / n, wrong / n


# --------------------------------------------------------------------------- the loop


def _check_observe(observe: Any, observe_at: Sequence[int]) -> frozenset[int]:
    """The steps of `observe_at` as a set (steps >= 0, `observe` callable when any is given)."""
    steps = [check_int(t, f"observe_at[{i}]", 0) for i, t in enumerate(observe_at)]
    if steps and not callable(observe):
        raise ValueError(f"observe_at={tuple(observe_at)!r} needs an observe(t, ...) function, got {observe!r}")
    return frozenset(steps)


def train_ensemble(
    net: Network,
    params: Params,
    xs: torch.Tensor,
    ys: torch.Tensor,
    *,
    seeds: Sequence[int],
    config: TrainConfig | None = None,
    x_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    sizes: Sequence[int] | None = None,
    observe: Callable[[int, list[int], Params], None] | None = None,
    observe_at: Sequence[int] = (),
) -> tuple[Params, list[TrainResult]]:
    """Train E models at once; each as it would be trained alone (:func:`train_one`).

    Parameters
    ----------
    net : the network spec (shared by the E models).
    params : stacked parameters [E, ...] (``net.init_ensemble(seeds)`` or :func:`stack_params`); not modified.
    xs, ys : E training sets of one size P: inputs [E, P, *input_shape], labels [E, P].
    seeds : E seeds; model e's mini-batch order comes from ``seeds[e]``.
    config : hyperparameters, shared (:class:`TrainConfig`; default ``TrainConfig()``).
    x_test, y_test : optional held-out set, shared [n, ...], [n] or per model [E, n, ...], [E, n].
    sizes : optional training-set size of each model (1..P; default P for all): model e trains on the
        first ``sizes[e]`` rows of ``xs[e]``, ``ys[e]`` (the rest is padding, never read), with its own
        epochs and checks, so that models of different P train as one batch, each as it would alone.
    observe, observe_at : ``observe(t, ids, params)`` is called before optimiser step t (t = 0: the
        initial parameters) for each t in `observe_at`, with the models still training (their original
        indices `ids`) and a copy of their stacked parameters. A model that stopped
        before t is not observed there: its parameters at t are its final ones.

    Returns the final stacked parameters and one :class:`TrainResult` per model. Each
    model stops on its own: once it has converged or diverged its parameters are
    set aside and it leaves the batch; the loop runs until every model has stopped.
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
    params, e = _prepare_params(net, params)
    if e is None:
        raise ValueError("params must be stacked [E, ...] (net.init_ensemble or stack_params); use train_one for one model")
    seeds = list(seeds)
    if len(seeds) != e:
        raise ValueError(f"seeds must hold one seed per model (E={e}), got {len(seeds)}")
    seeds = [check_seed(s, f"seeds[{i}]") for i, s in enumerate(seeds)]
    ref = next(iter(params.values()))
    xs, ys = _check_data(net, config, xs, ys, (e,), "s", ref)
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test and y_test must be given together")
    if x_test is not None:
        if isinstance(x_test, torch.Tensor) and x_test.ndim == 1 + len(net.input_shape):
            x_test, y_test = _check_data(net, config, x_test, y_test, (), "_test", ref)
            x_test, y_test = x_test.expand(e, *x_test.shape), y_test.expand(e, *y_test.shape)
        else:
            x_test, y_test = _check_data(net, config, x_test, y_test, (e,), "_test", ref)

    sizes = _check_sizes(sizes, e, xs.shape[1])
    observe_at = _check_observe(observe, observe_at)
    intervals = [config.check_interval(p) for p in sizes]
    final = {k: v.detach().clone() for k, v in params.items()}  # a stopped model's parameters land here
    steps = [0] * e
    converged = [False] * e
    diverged = [False] * e
    # The live ensemble: the models still training, compacted (stopped models are removed from
    # the batch, so that they cost nothing). live.ids[j] is the original index of live model j;
    # params, the optimiser's state, xl, yl and batches hold the live models' rows only.
    live = ActiveSet(e, xs.device)
    batches = [_Batches(p, config.batch_size, s) for p, s in zip(sizes, seeds)]
    tensors = list(params.values())
    opt = _Optimizer(list(params), tensors, effective_lr(net, config), config)
    xl, yl = xs, ys
    t = 0
    while True:
        if t in observe_at:
            with torch.no_grad():
                observe(t, list(live.ids), {k: v.detach().clone() for k, v in params.items()})
        due = [j for j, i in enumerate(live.ids) if t % intervals[i] == 0 or t == config.max_steps]
        if due:
            loss = _evaluate_sized(net, params, xl, yl, [sizes[i] for i in live.ids], due, config.loss)[0]
            keep = []
            for j, i in enumerate(live.ids):
                if j not in loss:  # not due for a check at this step
                    keep.append(j)
                    continue
                if not math.isfinite(loss[j]):
                    diverged[i] = True
                elif loss[j] < config.loss_threshold:
                    converged[i] = True
                elif t < config.max_steps:
                    keep.append(j)
                    continue
                steps[i] = t
                live.retire(j, final, params)
            if not keep:
                break
            sel = live.keep(keep)
            if sel is not None:
                params = {k: v.detach()[sel].requires_grad_(True) for k, v in params.items()}
                tensors = list(params.values())
                opt.select(sel)
                xl, yl = xl[sel], yl[sel]
                batches = [batches[j] for j in keep]
        chunks = [b.indices(t) for b in batches]
        lengths = {len(c) for c in chunks}
        if len(lengths) == 1:  # one mini-batch size (always, when the models share P)
            rows = torch.arange(len(live), device=xs.device)[:, None]
            idx = _to_device(torch.stack(chunks), xs.device)  # [E_live, B]
            batch_loss = _losses(net.apply(params, xl[rows, idx]), yl[rows, idx], config.loss).mean(dim=-1).sum()
        else:  # some model is at the short last chunk of its epoch: one pass per chunk size, the same sum
            batch_loss = 0
            for n in sorted(lengths):
                group = [j for j, c in enumerate(chunks) if len(c) == n]
                sel = _to_device(torch.tensor(group), xs.device)
                rows = torch.arange(len(group), device=xs.device)[:, None]
                idx = _to_device(torch.stack([chunks[j] for j in group]), xs.device)
                sub = {k: v[sel] for k, v in params.items()}
                batch_loss = batch_loss + _losses(net.apply(sub, xl[sel][rows, idx]), yl[sel][rows, idx],
                                                  config.loss).mean(dim=-1).sum()
        grads = torch.autograd.grad(batch_loss, tensors)
        opt.step(tensors, grads)
        t += 1

    train_loss, train_error = _evaluate_sized(net, final, xs, ys, sizes, live.everyone, config.loss)
    if x_test is not None:
        tl, te = evaluate(net, final, x_test, y_test, config.loss)
        test = list(zip(tl.tolist(), te.tolist()))
    else:
        test = [(None, None)] * e
    results = [
        TrainResult(converged[i], diverged[i], steps[i], float(train_loss[i]), float(train_error[i]), *test[i])
        for i in range(e)
    ]
    return final, results


def _to_device(index: torch.Tensor, device: torch.device) -> torch.Tensor:
    """A CPU index tensor on `device`; to CUDA through pinned memory without waiting (a copy from pageable
    memory would make the host wait for the GPU at every step, and the step's kernels could not queue up)."""
    if device.type != "cuda":
        return index.to(device)
    return index.pin_memory().to(device, non_blocking=True)


def _check_sizes(sizes: Sequence[int] | None, e: int, p: int) -> list[int]:
    if sizes is None:
        return [p] * e
    sizes = list(sizes)
    if len(sizes) != e:
        raise ValueError(f"sizes must hold one training-set size per model (E={e}), got {len(sizes)}")
    return [check_int(n, f"sizes[{i}]", 1, p) for i, n in enumerate(sizes)]


@torch.no_grad()
def _evaluate_sized(net: Network, params: Params, xs: torch.Tensor, ys: torch.Tensor, sizes: list[int],
                    which: list[int], loss: str) -> tuple[dict[int, float], dict[int, float]]:
    """(loss, error) of the stacked models `which` on the first ``sizes[j]`` rows of their training sets,
    as dicts j -> value; models of one size are evaluated together (all of them at once when they are
    every model and fill ``xs``: the plain :func:`evaluate`)."""
    out_loss: dict[int, float] = {}
    out_error: dict[int, float] = {}
    groups: dict[int, list[int]] = {}
    for j in which:
        groups.setdefault(sizes[j], []).append(j)
    for p, group in groups.items():
        if len(group) == xs.shape[0] and p == xs.shape[1]:
            values = evaluate(net, params, xs, ys, loss)
        else:
            sel = torch.tensor(group, device=xs.device)
            values = evaluate(net, {k: v[sel] for k, v in params.items()}, xs[sel, :p], ys[sel, :p], loss)
        for j, lv, ev in zip(group, *(v.tolist() for v in values)):
            out_loss[j], out_error[j] = lv, ev
    return out_loss, out_error


def train_one(
    net: Network,
    params: Params,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    seed: int,
    config: TrainConfig | None = None,
    x_test: torch.Tensor | None = None,
    y_test: torch.Tensor | None = None,
    observe: Callable[[int, Params], None] | None = None,
    observe_at: Sequence[int] = (),
) -> tuple[Params, TrainResult]:
    """Train one model (an ensemble of one); return its final parameters and a :class:`TrainResult`.

    Parameters
    ----------
    net : the network spec.
    params : its parameters (``net.init(...)``); not modified.
    x, y : training set, inputs [P, *input_shape] (cast to the parameters' dtype and device), labels [P].
    seed : seeds the generator of the mini-batch order.
    config : hyperparameters (:class:`TrainConfig`; default ``TrainConfig()``).
    x_test, y_test : optional held-out set [n, ...], [n] for the test loss and error.
    observe, observe_at : ``observe(t, params)`` before optimiser step t for each t in `observe_at` while
        the model trains (t = 0: `params`); see :func:`train_ensemble`.
    """
    config = TrainConfig() if config is None else config
    if not isinstance(config, TrainConfig):
        raise ValueError(f"config must be a TrainConfig, got {type(config).__name__}")
    if net.ensemble_size(params) is not None:
        raise ValueError("params are stacked [E, ...]: use train_ensemble")
    seed = check_seed(seed)
    ref = next(iter(params.values()))
    x, y = _check_data(net, config, x, y, (), "", ref)  # one model's shapes in the messages
    if (x_test is None) != (y_test is None):
        raise ValueError("x_test and y_test must be given together")
    if x_test is not None:
        x_test, y_test = _check_data(net, config, x_test, y_test, (), "_test", ref)
    test = {} if x_test is None else {"x_test": x_test.unsqueeze(0), "y_test": y_test.unsqueeze(0)}
    one = None if observe is None else (lambda t, ids, stacked: observe(t, unstack_params(stacked)[0]))
    final, results = train_ensemble(net, stack_params([params]), x.unsqueeze(0), y.unsqueeze(0), seeds=[seed],
                                    config=config, observe=one, observe_at=observe_at, **test)
    return unstack_params(final)[0], results[0]
