"""Gradient flow of the alpha-trick network (docs/science.md section 1; Geiger et al., arXiv:1906.08034).

The trained function is ``F(x) = alpha * (f(x) - f_0(x))`` with `f` a network
of :mod:`simulate.networks` and ``f_0`` its output at initialisation, so that
``F = 0`` at the start for every alpha. The loss of a model on its P training
points is::

    L = (1 / (alpha P)) sum_mu l(y_mu F(x_mu)),    l = hinge: max(0, 1 - z)
                                                   l = soft hinge: softplus(k (1 - z)) / k  (k = 20)

and the parameters follow ``d theta / dt = -width * grad L`` (the factor width
undoes the 1/width of the mean-field readout, so that each unit moves O(1) per
unit time at every width). With the 1/alpha in the loss the parameters move at
a speed independent of alpha while the margin asks for ``f - f_0 ~ 1/alpha``:
a small alpha forces the weights far from their initial values (feature
regime), a large alpha lets a tiny move suffice (lazy regime, the NTK limit).

Integration: explicit Euler with an adaptive step ``dt``. A step is accepted
when it changes no training output F by more than ``max_dout`` times
max(1, |F|) and the gradient by less than ``max_dgrad`` (see :class:`FlowConfig`); an accepted step
multiplies ``dt`` by ``grow``, a rejected one by ``shrink`` (and is retried).
A model stops when every training margin ``y F >= 1`` (``converged``), when its
gradient vanishes with a margin unmet (``stalled``: with the hinge, a point
where every ReLU is off can never be fitted), or when it has taken
``max_steps`` steps, accepted or not.

:func:`train_flow_ensemble` integrates E models (one spec, E parameter sets,
E training sets of one size P, one alpha each) as one batched model, each
with its own step size; a stopped model leaves the batch. :func:`train_flow`
is the same for one model (an ensemble of one); f_0 and the final outputs are
computed model by model. A model's record is that of a lone run up to rounding: bit for bit at the
suite's shapes (tests/simulate/test_batched_runs.py), while at some shapes a batched matrix product
rounds its last bits differently from a lone one (measured: d = 4, width 8, 8 flows, 4 of them apart
from their lone runs by at most 5e-15 in their parameters and 2.4e-14 in their loss, relative, with the
same steps).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from ..networks.base import Network, Params, stack_params, unstack_params
from ..runs.checks import check_choice, check_float, check_int
from .active import ActiveSet

__all__ = ["FlowConfig", "FlowResult", "train_flow", "train_flow_ensemble", "alpha_outputs", "LOSSES"]

LOSSES = ("hinge", "soft_hinge")
SYNC_EVERY_CUDA = 32
"""Flow steps between two host synchronisations on CUDA (see :func:`train_flow_ensemble`'s ``sync_every``)."""


@dataclass(frozen=True)
class FlowConfig:
    """Loss and integrator of the gradient flow (hashable, JSON-able).

    Parameters
    ----------
    loss : ``"hinge"`` or ``"soft_hinge"`` (``softplus(k (1 - z)) / k``, smooth, so the
        adaptive step is not stalled by points crossing the margin).
    softness : k of the soft hinge (> 0).
    max_dout : largest change of any training output F in one accepted step, relative to max(1, |F|) (> 0).
    max_dgrad : largest change ``|g' - g|^2 / (|g| |g'|)`` of the gradient in one accepted step (> 0),
        about the squared relative change (the measure of the reference code of arXiv:1906.08034);
        ``inf`` disables the bound (as ``max_dout = inf`` disables the output bound).
    dt0 : initial step (> 0).
    min_dt : a step this small is accepted whatever it changes (> 0): the gradient of a ReLU network
        jumps when a pre-activation crosses 0, so near the end, when few points carry the gradient,
        no step is small enough to pass the ``max_dgrad`` test and dt would shrink to 0.
    grow, shrink : factors applied to dt after an accepted (> 1) and a rejected (in (0, 1)) step.
    max_steps : step budget per model (accepted and rejected steps), >= 1.
    tau : inertia (>= 0). 0 is plain gradient flow; tau > 0 integrates the continuous momentum
        ``dv/dt = -(v + width * grad L) / tau``, ``d theta/dt = v`` (the dynamics of the reference
        code of arXiv:1906.08034), which reaches the margins in far fewer steps on stiff problems.
    """

    loss: str = "soft_hinge"
    softness: float = 20.0
    max_dout: float = 0.1
    max_dgrad: float = 0.1
    dt0: float = 0.01
    min_dt: float = 1e-5
    grow: float = 1.1
    shrink: float = 0.5
    max_steps: int = 50_000
    tau: float = 0.0

    def __post_init__(self) -> None:
        check_choice(self.loss, "loss", LOSSES)
        for name in ("softness", "dt0", "min_dt"):
            check_float(getattr(self, name), name, 0.0, low_open=True)
        for name in ("max_dout", "max_dgrad"):
            check_float(getattr(self, name), name, 0.0, low_open=True, allow_inf=True)
        check_float(self.grow, "grow", 1.0, low_open=True)
        check_float(self.shrink, "shrink", 0.0, 1.0, low_open=True, high_open=True)
        check_float(self.tau, "tau", 0.0)
        check_int(self.max_steps, "max_steps", 1)


@dataclass
class FlowResult:
    """How one model's flow ended: ``converged`` (every margin >= 1), ``stalled`` (zero gradient with a margin
    unmet: a fixed point of the flow), steps, time, final loss and margins.

    ``trace``: (time, value) pairs of the optional observable, recorded at
    t = 0 and whenever the time passes a power of 2 (times dt0).
    """

    converged: bool
    stalled: bool
    steps: int
    rejected: int
    time: float
    loss: float
    min_margin: float
    train_error: float
    trace: list[tuple[float, float]] = field(default_factory=list)

    def as_record(self) -> dict:
        return asdict(self)


def _point_loss(z: torch.Tensor, config: FlowConfig) -> torch.Tensor:
    if config.loss == "hinge":
        return torch.relu(1 - z)
    k = config.softness
    return F.softplus(k * (1 - z)) / k


def alpha_outputs(net: Network, params: Params, x: torch.Tensor, f0: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """``F = alpha (f - f_0)`` of stacked models: params [E, ...], x [E, P, d], f0 [E, P], alpha [E]."""
    return alpha.unsqueeze(-1) * (net.apply(params, x) - f0)


def _each(values: Params, i: int) -> Params:
    """Model i of stacked parameters, kept stacked (an ensemble of one)."""
    return {k: v[i : i + 1] for k, v in values.items()}


def _loss_and_grad(net, params, x, y, f0, alpha, config, slope=None):
    """Per-model loss [E], outputs F [E, P] and gradients (dict of [E, ...]) at `params`.

    ``L = mean_mu l(y F) / alpha`` with ``F = alpha (f - f_0)``; the gradient is the network's
    vector-Jacobian product (:meth:`Network.output_and_vjp`) of ``dL/df``. ``dL/df`` is formed by the
    chain rule in the order autograd uses (``1/alpha``, ``/P``, ``l'``, ``y``, ``alpha``), so that the
    numbers are those of ``torch.autograd.grad`` to the last bit. `slope` is :func:`_mean_slope` of `alpha`
    (computed here when not given); `params` and `x` are not checked (the flow checks them once).
    """
    f, vjp = net._output_and_vjp(params, x)
    a = alpha.unsqueeze(-1)
    out = a * (f - f0)
    z = y * out
    margin = 1 - z
    g = _mean_slope(alpha, z.shape[-1]) if slope is None else slope
    if config.loss == "hinge":
        point = torch.relu(margin)
        g = torch.ops.aten.threshold_backward(g, point, 0.0)
    else:
        k = config.softness
        inner = k * margin
        point = F.softplus(inner) / k
        g = torch.ops.aten.softplus_backward(g / k, inner, 1.0, 20.0) * k
    loss = point.mean(dim=-1) / alpha
    return loss, out, vjp(-g * y * a)


def _loss_and_grad_autograd(net, params, x, y, f0, alpha, config):
    """:func:`_loss_and_grad` by ``torch.autograd.grad`` through ``net.apply``: the reference the explicit pass
    must equal to the last bit (tests/simulate/test_feature_lazy.py, benchmarks/flow_step.py)."""
    leaves = {k: v.detach().requires_grad_(True) for k, v in params.items()}
    out = alpha_outputs(net, leaves, x, f0, alpha)
    loss = _point_loss(y * out, config).mean(dim=-1) / alpha
    grads = torch.autograd.grad(loss.sum(), list(leaves.values()))
    return loss.detach(), out.detach(), dict(zip(leaves, grads))


def _mean_slope(alpha: torch.Tensor, p: int) -> torch.Tensor:
    """d(mean_mu l_mu / alpha) / d l_mu = (1/alpha)/P, [E, P], as autograd forms it."""
    return (torch.ones_like(alpha) / alpha).unsqueeze(-1).expand(alpha.shape[0], p) / p


def _bcast(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Per-model values [E] shaped to multiply stacked tensors like `like` [E, ...]."""
    return values.view(-1, *([1] * (like.ndim - 1)))


def _norm(g: Params) -> torch.Tensor:
    return torch.sqrt(sum(v.pow(2).flatten(1).sum(dim=1) for v in g.values()))


def train_flow_ensemble(
    net: Network,
    params: Params,
    x: torch.Tensor,
    y: torch.Tensor,
    alpha: float | Sequence[float] | torch.Tensor,
    config: FlowConfig = FlowConfig(),
    observe: Callable[[Params], torch.Tensor] | None = None,
    tau: Sequence[float] | None = None,
    sync_every: int | None = None,
) -> tuple[Params, list[FlowResult]]:
    """Integrate the gradient flow of E stacked models to their margins.

    Parameters
    ----------
    net : the network spec (scalar output, e.g. :class:`TwoLayerReLU`).
    params : stacked initial parameters [E, ...]; they also define ``f_0``.
    x, y : training inputs [E, P, d] and labels [E, P] in {-1, +1}.
    alpha : the output scale, one for all models or one per model (> 0).
    config : loss and integrator.
    observe : optional map from stacked parameters to one value per model
        (e.g. the compression ratio), recorded in each result's ``trace``.
    tau : optional inertia of each model, in place of ``config.tau`` (E values, all > 0 or all 0), so
        that models whose flows differ only in their inertia run as one batch.
    sync_every : steps between two looks of the host at which models stopped (>= 1; None: 1 on the CPU,
        :data:`SYNC_EVERY_CUDA` on CUDA, where a look makes the host wait for the GPU). A model that stops
        between two looks is frozen where it stopped and leaves the batch at the look; the others' numbers
        are those of a look after every step up to rounding: the batch is larger meanwhile, and a batched
        matrix product may round its last bits differently at another batch size (measured: one of 8 flows
        apart, by 2.4e-14 in its loss, relative, with the same steps; tests/simulate/test_feature_lazy.py).

    Returns the final stacked parameters and one :class:`FlowResult` per model.
    """
    e = net.ensemble_size(params)
    if e is None:
        raise ValueError("params must be stacked [E, ...] (stack_params); use train_flow for one model")
    if x.ndim < 2 or x.shape[0] != e or y.shape != x.shape[:2]:
        raise ValueError(f"x must be [E={e}, P, ...] and y [E={e}, P], got {list(x.shape)} and {list(y.shape)}")
    alpha_t = torch.as_tensor(alpha, dtype=x.dtype, device=x.device).expand(e).clone()
    if not bool(torch.all(alpha_t > 0)) or not bool(torch.all(torch.isfinite(alpha_t))):
        raise ValueError(f"alpha={alpha!r} must be finite and > 0")
    taus = [float(config.tau)] * e if tau is None else _check_taus(tau, e)
    inertial = taus[0] > 0
    tau_t = torch.tensor(taus, dtype=x.dtype, device=x.device)
    y = y.to(x.dtype)
    params = {k: v.detach().clone() for k, v in params.items()}
    with torch.no_grad():  # model by model: each model's numbers do not depend on the batch it is in
        f0 = torch.cat([net.apply(_each(params, i), x[i : i + 1]) for i in range(e)])
    slope = _mean_slope(alpha_t, x.shape[1])
    loss, out, grad = _loss_and_grad(net, params, x, y, f0, alpha_t, config, slope)
    dt = torch.full((e,), float(config.dt0), dtype=x.dtype, device=x.device)
    t = torch.zeros(e, dtype=x.dtype, device=x.device)
    steps = torch.zeros(e, dtype=torch.long)
    rejected = torch.zeros(e, dtype=torch.long)
    next_mark = torch.full((e,), float(config.dt0), dtype=x.dtype, device=x.device)
    traces: list[list[tuple[float, float]]] = [[] for _ in range(e)]
    if observe is not None:
        for i, v in enumerate(observe(params).tolist()):
            traces[i].append((0.0, float(v)))
    vel = {k: torch.zeros_like(v) for k, v in params.items()}
    margin_ok = torch.all(y * out >= 1, dim=1)
    stalled = torch.zeros_like(margin_ok)
    active = ~margin_ok
    scale = float(net.width)
    bounded = math.isfinite(config.max_dgrad)  # max_dgrad = inf disables the bound (and its cost)
    # |g| of each model's current gradient, kept from the step that made it (the same numbers as recomputing it)
    gnorm = _norm(grad) if bounded else torch.zeros(e, dtype=x.dtype, device=x.device)
    # The live models' state is kept compacted (their rows only, in model order) and written back only when one
    # of them stops: a step then runs on whole tensors, with no gathers or scatters (the numbers are those of the
    # same models gathered at every step).
    full = {"t": t, "dt": dt, "gnorm": gnorm, "out": out, "loss": loss, "margin_ok": margin_ok, "stalled": stalled,
            "next_mark": next_mark}
    inputs = {"x": x, "y": y, "f0": f0, "alpha": alpha_t, "slope": slope, "tau": tau_t}
    live = ActiveSet(e, x.device)
    if sync_every is None:
        every = SYNC_EVERY_CUDA if x.device.type == "cuda" else 1
    else:
        every = check_int(sync_every, "sync_every", 1)
    looks = every == 1  # the host looks at every step: where a look is free (the CPU), it skips needless work
    while bool(active.any()):
        live.select(active)
        c = live.gather({**full, **inputs})
        cp, cv, cg = (live.gather(d) for d in (params, vel, grad))
        c_steps = steps[live.index_cpu].to(x.device)
        c_rejected = rejected[live.index_cpu].to(x.device)
        n = len(live)
        # `run`: the live models still going. One that stops is frozen where it stopped (every update below is
        # masked by `run`) until the host looks, every `every` steps; it then leaves the batch (see sync_every).
        run = torch.ones(n, dtype=torch.bool, device=x.device)
        marks: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = []  # (marked, t, value) per step
        taken = 0
        while True:
            h = c["dt"]
            if inertial:  # exact relaxation of the velocity over dt, then a step along it
                keep = torch.exp(-h / c["tau"])
                pull = (1 - keep) * scale
                new_vel = {k: _bcast(keep, v) * cv[k] - _bcast(pull, v) * cg[k] for k, v in cp.items()}
            else:
                new_vel = {k: -scale * cg[k] for k in cp}
            proposal = {k: cp[k] + _bcast(h, v) * new_vel[k] for k, v in new_vel.items()}
            new_loss, new_out, new_grad = _loss_and_grad(net, proposal, c["x"], c["y"], c["f0"], c["alpha"], config,
                                                         c["slope"])
            old_out = c["out"]
            dout = ((new_out - old_out).abs() / old_out.abs().clamp_min(1.0)).amax(dim=1)
            finite = torch.isfinite(new_loss) & torch.isfinite(dout)
            within = dout <= config.max_dout
            new_norm = _norm(new_grad)
            if bounded:
                dgrad = _norm({k: new_grad[k] - cg[k] for k in cg}).pow(2) / (c["gnorm"] * new_norm).clamp_min(1e-300)
                finite &= torch.isfinite(dgrad)
                within &= dgrad <= config.max_dgrad
            ok = finite & (within | (h <= config.min_dt))
            new_margin_ok = torch.all(c["y"] * new_out >= 1, dim=1)
            # A model whose gradient vanished with margins unmet sits at a fixed point of the flow (with the hinge:
            # every unmet point lies where all its ReLUs are off): it can never converge, so it stops ('stalled').
            new_stalled = (new_norm == 0) & ~new_margin_ok
            take = ok & run
            if looks and bool(take.all()):  # every live model accepted: take the proposals whole (the same numbers)
                cp, cg, cv = proposal, new_grad, new_vel
                c.update(out=new_out, loss=new_loss, t=c["t"] + h, margin_ok=new_margin_ok, stalled=new_stalled)
                if bounded:
                    c["gnorm"] = new_norm
            else:
                cp, cg, cv = ({k: torch.where(_bcast(take, a[k]), a[k], b[k]) for k in a}
                              for a, b in ((proposal, cp), (new_grad, cg), (new_vel, cv)))
                row = take.unsqueeze(1)
                c.update(out=torch.where(row, new_out, c["out"]), loss=torch.where(take, new_loss, c["loss"]),
                         t=torch.where(take, c["t"] + h, c["t"]),
                         margin_ok=torch.where(take, new_margin_ok, c["margin_ok"]),
                         stalled=torch.where(take, new_stalled, c["stalled"]))
                if bounded:
                    c["gnorm"] = torch.where(take, new_norm, c["gnorm"])
            c_rejected += ~ok & run
            c["dt"] = torch.where(run, torch.where(ok, h * config.grow, (h * config.shrink).clamp_min(config.min_dt)),
                                  c["dt"])
            c_steps += run
            if observe is not None:
                marked = take & (c["t"] >= c["next_mark"])
                if not looks or bool(marked.any()):  # a look that sees no mark skips the observation
                    marks.append((marked, c["t"], observe(cp)))
                    c["next_mark"] = torch.where(marked & torch.isfinite(c["t"]), _next_mark(c["next_mark"], c["t"]),
                                                 c["next_mark"])
            run = run & ~c["margin_ok"] & ~c["stalled"] & (c_steps < config.max_steps)
            taken += 1
            if taken % every == 0:  # the host looks
                _flush(marks, live.ids, traces)
                if not bool(run.all()):
                    break
        # one or more live models stopped: write the live state back and compact again
        for dst, src in ((full, c), (params, cp), (vel, cv), (grad, cg)):
            live.scatter(dst, src)
        steps[live.index_cpu], rejected[live.index_cpu] = c_steps.cpu(), c_rejected.cpu()
        active = ~margin_ok & ~stalled & (steps.to(active.device) < config.max_steps)
    results = []
    final = observe(params).tolist() if observe is not None else None
    for i in live.everyone:
        if final is not None and (not traces[i] or traces[i][-1][0] != float(t[i])):
            traces[i].append((float(t[i]), float(final[i])))
        with torch.no_grad():  # the final outputs and loss of model i alone (as in a batch of one)
            out_i = alpha_outputs(net, _each(params, i), x[i : i + 1], f0[i : i + 1], alpha_t[i : i + 1])
            loss[i] = (_point_loss(y[i : i + 1] * out_i, config).mean(dim=-1) / alpha_t[i : i + 1])[0]
            out[i] = out_i[0]
        z = y[i] * out[i]
        results.append(FlowResult(
            converged=bool(margin_ok[i]), stalled=bool(stalled[i]), steps=int(steps[i]), rejected=int(rejected[i]),
            time=float(t[i]),
            loss=float(loss[i]), min_margin=float(z.min()) if z.numel() else math.inf,
            train_error=float((z <= 0).double().mean()) if z.numel() else 0.0, trace=traces[i],
        ))
    return params, results


def _flush(marks: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]], ids: Sequence[int],
           traces: list[list[tuple[float, float]]]) -> None:
    """Append the buffered (marked, t, value) of the steps since the last look to the traces of the marked
    models (live model j is model ``ids[j]``), step by step, in one transfer to the host; empty the buffer."""
    if not marks:
        return
    flags, times, values = (torch.stack(m).cpu() for m in zip(*marks))
    for i, j in torch.nonzero(flags).tolist():
        traces[ids[j]].append((float(times[i, j]), float(values[i, j])))
    marks.clear()


def _next_mark(mark: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The first of mark * 2, mark * 4, ... above `t` (mark <= t), elementwise, as doubling one at a time
    finds it: the power of 2 from log2, then put right by one doubling or halving (both exact)."""
    out = torch.ldexp(mark, torch.floor(torch.log2(t / mark)).clamp_min(0) + 1)
    out = torch.where(out <= t, out * 2, out)
    return torch.where((out / 2 > t) & (out / 2 > mark), out / 2, out)


def _check_taus(tau: Sequence[float], e: int) -> list[float]:
    if isinstance(tau, (str, bytes)) or not isinstance(tau, Sequence):
        raise ValueError(f"tau must be a sequence of one inertia per model (E={e}), got {tau!r}")
    if len(tau) != e:
        raise ValueError(f"tau must hold one inertia per model (E={e}), got {len(tau)}")
    taus = [check_float(v, f"tau[{i}]", 0.0) for i, v in enumerate(tau)]
    if len({v > 0 for v in taus}) > 1:
        raise ValueError(f"tau={taus} must be > 0 for every model or 0 for every model")
    return taus


def train_flow(
    net: Network,
    params: Params,
    x: torch.Tensor,
    y: torch.Tensor,
    alpha: float,
    config: FlowConfig = FlowConfig(),
    observe: Callable[[Params], torch.Tensor] | None = None,
) -> tuple[Params, FlowResult]:
    """:func:`train_flow_ensemble` for one model: params of one model, x [P, d], y [P]."""
    if net.ensemble_size(params) is not None:
        raise ValueError("params are stacked [E, ...]: use train_flow_ensemble")
    stacked, results = train_flow_ensemble(
        net, stack_params([params]), x.unsqueeze(0), y.unsqueeze(0), alpha, config, observe
    )
    return unstack_params(stacked)[0], results[0]
