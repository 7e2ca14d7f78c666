"""One training step on a batch: forward and backward per sample, the mean (or sum) of the
per-sample gradients, a weight penalty, and the objective the self-check differentiates.

Sample s contributes weight·E_s (weight 1/N for the mean, 1 for the sum); its Backward holds
the gradients of that share, so the batch gradient is their sum (the 1/N inside, as PyTorch's
mean reduction gives), plus the penalty's gradient on the weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels import regularization as R
from dlsolve.kernels.backprop import Backward, Rounder, backward, identity, is_sigmoid_bce
from dlsolve.kernels.network import Network, Pass, forward, fsum


@dataclass(frozen=True)
class Batch:
    """Samples (one input row each) and their targets; ``reduction`` over samples."""

    xs: tuple[tuple[float, ...], ...]
    ts: tuple[tuple[float, ...], ...]
    reduction: str = "mean"

    @property
    def weight(self) -> float:
        return 1 / len(self.xs) if self.reduction == "mean" else 1.0

    def __len__(self) -> int:
        return len(self.xs)


@dataclass
class Epoch:
    """Everything one forward/backward over the batch computes."""

    passes: list[Pass]
    backs: list[Backward]
    data_losses: list[float]          # per sample, unweighted
    data_loss: float
    penalty: float
    data_grads: dict[str, float]
    penalty_grads: dict[str, float] = field(default_factory=dict)
    _grads: dict[str, float] | None = field(default=None, repr=False)

    @property
    def loss(self) -> float:
        return self.data_loss + self.penalty

    @property
    def grads(self) -> dict[str, float]:
        """Data gradients plus the penalty's (computed once)."""
        if self._grads is None:
            pg = self.penalty_grads
            self._grads = {k: v + pg.get(k, 0.0) for k, v in self.data_grads.items()} if pg else \
                self.data_grads
        return self._grads


def weight_names(net: Network) -> list[str]:
    """The parameters that are weights (by their first use), in order."""
    from dlsolve.kernels.backprop import roles

    return [k for k, r in roles(net).items() if r == "weights"]


def run(net: Network, loss: L.LossSpec, batch: Batch, params: dict[str, float],
        reg: R.Regularization = R.NONE, round_to: int | None = None,
        rnd: Rounder = identity, samples: int | None = None) -> Epoch:
    """Forward and backward over the batch (the first ``samples`` only, when given)."""
    from dlsolve.kernels import dense

    wt = batch.weight
    if dense.applicable(net, round_to):
        passes, backs, losses, grads = dense.run(net, loss, batch, params, samples)
    else:
        passes, backs, losses = [], [], []
        for s, (x, t) in enumerate(zip(batch.xs[:samples], batch.ts[:samples])):
            p = forward(net, params, round_to, x=list(x), sample=s)
            b = backward(net, p, loss, list(t), params, rnd, scale=wt)
            passes.append(p)
            backs.append(b)
            losses.append(L.sample(loss, list(t), p.outputs(net)).loss)
        grads = {k: rnd(fsum([b.grads[k] for b in backs])) for k in params}
    ep = Epoch(passes, backs, losses, rnd(wt * fsum(losses)), 0.0, grads)
    if reg:
        ws = weight_names(net)
        ep.penalty = rnd(R.penalty(reg, [params[w] for w in ws]))
        ep.penalty_grads = {w: rnd(R.gradient(reg, params[w])) for w in ws}
    return ep


def stable_loss(net: Network, loss: L.LossSpec, t: list[float], p: Pass) -> float:
    """One sample's loss; sigmoid + BCE from the logits where nothing is clipped."""
    if not is_sigmoid_bce(net, loss):
        return L.sample(loss, t, p.outputs(net)).loss
    terms = []
    for o, ti in zip(net.outputs, t):
        a, z = p.values[o], p.z[o]
        if L.clip(loss, a) != a:
            terms.append(L.sample(loss, [ti], [a]).loss)
        else:  # -[t ln σ(z) + (1 - t) ln σ(-z)], ln σ(z) = -softplus(-z)
            terms.append(ti * _softplus(-z) + (1 - ti) * _softplus(z))
    return math.fsum(terms) / len(terms)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def objective(net: Network, loss: L.LossSpec, batch: Batch, reg: R.Regularization,
              samples: int | None = None):  # type: ignore[no-untyped-def]
    """params -> the (stable) loss of the first ``samples`` samples plus the penalty."""
    ws = weight_names(net) if reg else []

    from dlsolve.kernels import dense

    def per_sample(t: list[float], p: Pass) -> float:
        return stable_loss(net, loss, t, p)

    def f(params: dict[str, float]) -> float:
        if dense.applicable(net, None):
            total = dense.loss_only(net, loss, batch, params, samples, per_sample)
        else:
            total = math.fsum(per_sample(list(t), forward(net, params, x=list(x), sample=s))
                              for s, (x, t) in enumerate(zip(batch.xs[:samples],
                                                             batch.ts[:samples])))
        return batch.weight * total + (R.penalty(reg, [params[w] for w in ws]) if reg else 0.0)

    return f


def kinks(net: Network, loss: L.LossSpec, batch: Batch, reg: R.Regularization,
          samples: int | None = None):  # type: ignore[no-untyped-def]
    """(up, down) -> True when the difference quotient straddles a non-differentiable point."""
    from dlsolve.kernels.backprop import near_kink

    ws = weight_names(net) if reg.l1 else []

    def at_kink(up: dict[str, float], dn: dict[str, float]) -> bool:
        if any(up[w] * dn[w] <= 0 for w in ws):
            return True
        return any(near_kink(net, loss, list(t), up, dn, list(x), s)
                   for s, (x, t) in enumerate(zip(batch.xs[:samples], batch.ts[:samples])))

    return at_kink


@dataclass
class Trace:
    """A training run: each epoch's forward/backward, the parameters before and after each
    update, each optimizer step's per-coordinate working, the final pass."""

    epochs: list[Epoch]
    before: list[dict[str, float]]
    after: list[dict[str, float]]
    steps: list[dict[str, dict[str, float]]]     # epoch -> parameter -> optimizer working
    final: Epoch
    state: dict[str, dict[str, float]]           # state name -> parameter -> value

    @property
    def params(self) -> dict[str, float]:
        return self.after[-1]


@dataclass(frozen=True)
class Plan:
    """What a run needs besides the network: loss, batch, penalty, which parameters update
    (``update``: parameter names in order), the learning rate or an optimizer."""

    loss: L.LossSpec
    batch: Batch
    update: list[str]
    lr: float
    reg: R.Regularization = R.NONE
    optimizer: str | None = None
    hyper: dict | None = None
    state: dict[str, dict[str, float]] = field(default_factory=dict)
    step: int = 0
    lr_defaulted: bool = False


def train(net: Network, plan: Plan, epochs: int, round_to: int | None = None) -> Trace:
    """``epochs`` rounds of forward, backward and a simultaneous update (carried rounded to
    ``round_to`` places as a hand calculation does, when given)."""
    from dlsolve.kernels.backprop import rounder

    rnd = rounder(round_to)
    groups = _optimizers(plan)
    params = dict(net.params)
    trace = Trace([], [], [], [], None, {})  # type: ignore[arg-type]
    for _ in range(epochs):
        ep = run(net, plan.loss, plan.batch, params, plan.reg, round_to, rnd)
        grads = ep.grads
        new, work = dict(params), {}
        for keys, opt in groups:
            if opt is None:
                for k in keys:
                    new[k] = rnd(params[k] - plan.lr * grads[k])
                continue
            out, details = opt.step([params[k] for k in keys], [grads[k] for k in keys])
            for k, v, d in zip(keys, out, details):
                new[k], work[k] = rnd(v), d
            for vals in opt.state.values():
                vals[:] = [rnd(v) for v in vals]
        trace.epochs.append(ep)
        trace.before.append(params)
        trace.after.append(new)
        trace.steps.append(work)
        params = new
    trace.final = run(net, plan.loss, plan.batch, params, plan.reg, round_to, rnd)
    trace.state = _state(groups, plan)
    return trace


def _optimizers(plan: Plan) -> list[tuple[list[str], Any]]:
    """(parameter names, Optimizer or None for plain SGD) groups: parameters with a given
    start state apart from the rest (PyTorch keeps state per parameter)."""
    if plan.optimizer is None:
        return [(plan.update, None)]
    from dlsolve.kernels.optimizers import Optimizer

    given = [k for k in plan.update if any(k in s for s in plan.state.values())]
    fresh = [k for k in plan.update if k not in given]
    out: list[tuple[list[str], Any]] = []
    for keys, with_state in ((given, True), (fresh, False)):
        if not keys:
            continue
        start = {name: [vals.get(k, 0.0) for k in keys] for name, vals in plan.state.items()
                 if any(k in vals for k in keys)} if with_state else None
        out.append((keys, Optimizer(plan.optimizer, dict(plan.hyper or {}), len(keys),
                                    state=start, step=plan.step)))
    return out


def _state(groups: list[tuple[list[str], Any]], plan: Plan) -> dict[str, dict[str, float]]:
    """The optimizer state after the last step, by state name and parameter (parameters that
    do not update keep the state they were given)."""
    out: dict[str, dict[str, float]] = {k: dict(v) for k, v in plan.state.items()}
    for keys, opt in groups:
        if opt is None:
            continue
        for name, vals in opt.state.items():
            out.setdefault(name, {}).update(zip(keys, vals))
    return out
