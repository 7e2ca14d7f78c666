"""Backpropagation on a Network: deltas, gradients, updates (the self-check is gradcheck).

For an output unit o:  delta_o = dE/do · f'(z_o)  (softmax with cross-entropy: p - y, or
                       p·Σt - t for targets that do not sum to 1; sigmoid with binary
                       cross-entropy: (ŷ - y)/n, written so that 1 - σ(z) is never divided out).
For a hidden unit h:   dE/dh = Σ_k delta_k · w_kh  (weights before the update),
                       delta_h = dE/dh · m/(1 - p) · f'(z_h)  (the factor for inverted dropout).
Each parameter:        dE/dw = Σ over its uses of delta_u · (the source it multiplies),
                       dE/db = Σ over its uses of delta_u.
Update (simultaneous, from one forward pass): p <- p - lr · dE/dp.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.mathfns import round_hand
from dlsolve.kernels.network import Network, Pass, forward, fsum

Rounder = Callable[[float], float]


def identity(x: float) -> float:
    return x


def rounder(places: int | None) -> Rounder:
    """Round as by hand (see round_hand), or leave values alone."""
    if places is None:
        return identity
    return lambda x: round_hand(x, places)


@dataclass
class Backward:
    """Everything one backward pass computes, by unit and by parameter name."""

    dE_da: dict[str, float]            # dE/d(unit output)
    fprime: dict[str, float | None]    # f'(z) (None for softmax units)
    delta: dict[str, float]            # dE/dz
    grads: Any                         # parameter name -> dE/dp (a dict, or a lazy mapping)
    output_grad: dict[str, float]      # dE/do straight from the loss
    softmax_ce: bool
    kink_notes: list[str] = field(default_factory=list)
    direct: dict[str, float] = field(default_factory=dict)  # deltas written as ŷ - y
    scale: float = 1.0                 # the loss's factor (1/N for a sample of a batch mean)


def targets_row(loss: L.LossSpec, targets: list[float], n: int) -> list[float]:
    """One-hot targets for a class index (sparse_cce, multiclass_svm); the targets otherwise."""
    if loss.name in L.CLASS_INDEX and (loss.name == "sparse_cce" or len(targets) == 1 < n):
        return [1.0 if k == int(targets[0]) else 0.0 for k in range(n)]
    return targets


def is_softmax_ce(net: Network, loss: L.LossSpec) -> bool:
    return loss.name in ("cce", "sparse_cce") and not loss.from_logits and all(
        net.units[o].act.softmax for o in net.outputs)


def is_sigmoid_bce(net: Network, loss: L.LossSpec) -> bool:
    """Sigmoid outputs with binary cross-entropy on probabilities: delta = (ŷ - y)/n."""
    return loss.name == "bce" and not loss.from_logits and all(
        net.units[o].act.fn.name == "sigmoid" and not net.units[o].act.softmax
        for o in net.outputs) and not any(o in net.units and net.units[o].layer - 1 in
                                         net.dropout for o in net.outputs)


def backward(net: Network, p: Pass, loss: L.LossSpec, targets: list[float],
             params: dict[str, float] | None = None, rnd: Rounder = identity,
             scale: float = 1.0) -> Backward:
    """Deltas and gradients of one forward pass (``rnd`` rounds every intermediate);
    ``scale`` multiplies the loss (1/N for one sample of a batch mean)."""
    params = params if params is not None else net.params
    b = start(net, p, loss, targets, {k: 0.0 for k in params}, rnd, scale)
    for layer in reversed(net.layers):
        layer_deltas(net, p, b, layer, loss, targets, rnd, scale)
        for name in layer:
            _propagate(net, p, b, name, params, rnd)
    return b


def start(net: Network, p: Pass, loss: L.LossSpec, targets: list[float], grads: Any,
          rnd: Rounder = identity, scale: float = 1.0) -> Backward:
    """A Backward holding dE/d(output) from the loss (times ``scale``)."""
    g = [rnd(v * scale) for v in L.gradient(loss, targets, p.outputs(net))]
    b = Backward({}, {}, {}, grads, dict(zip(net.outputs, g)), is_softmax_ce(net, loss))
    for o, v in zip(net.outputs, g):
        b.dE_da[o] = b.dE_da.get(o, 0.0) + v
    b.direct = _sigmoid_bce_deltas(net, p, loss, targets, scale)
    b.scale = scale
    return b


def layer_deltas(net: Network, p: Pass, b: Backward, layer: list[str], loss: L.LossSpec,
                 targets: list[float], rnd: Rounder = identity, scale: float = 1.0) -> None:
    """f'(z) and delta = dE/da · (dropout factor) · f'(z) for each unit of a layer whose
    dE/da is complete (softmax groups: the Jacobian, or p - t with cross-entropy)."""
    group = [u for u in layer if net.units[u].act.softmax]
    for name in layer:
        u = net.units[name]
        if u.act.softmax:
            continue
        fp, note = u.act.fn.derivative(p.z[name], u.act.params, u.act.kink)
        if u.act.fn.dfy is not None:  # a(1 - a) from the output as written down
            fp = u.act.fn.dfy(p.activation(name))
        if note:
            b.kink_notes.append(f"{name}: {note}")
        b.fprime[name] = rnd(fp)
        if name in b.direct:
            b.delta[name] = rnd(b.direct[name])
        else:
            b.delta[name] = rnd(b.dE_da.get(name, 0.0) * p.factor.get(name, 1.0)
                                * b.fprime[name])
    if group:
        _softmax_deltas(net, p, b, group, loss, targets, rnd, scale)


def _sigmoid_bce_deltas(net: Network, p: Pass, loss: L.LossSpec, targets: list[float],
                        scale: float) -> dict[str, float]:
    """(ŷ - y)·scale/n for sigmoid + BCE outputs that are not clipped (the stable form:
    no 1 - σ(z) is divided out)."""
    if not is_sigmoid_bce(net, loss):
        return {}
    n = len(net.outputs)
    return {o: (p.values[o] - t) * scale / n for o, t in zip(net.outputs, targets)
            if L.clip(loss, p.values[o]) == p.values[o]}


def _softmax_deltas(net: Network, p: Pass, b: Backward, group: list[str], loss: L.LossSpec,
                    targets: list[float], rnd: Rounder, scale: float) -> None:
    probs = [p.values[u] for u in group]
    if b.softmax_ce and group == net.outputs:  # dE/dz_j = p_j Σ_k t_k - t_j (= p - t)
        t = targets_row(loss, targets, len(group))
        total = math.fsum(t)
        for u, pu, tu in zip(group, probs, t):
            b.fprime[u] = None
            b.delta[u] = rnd((pu * total - tu) * scale)
        return
    gs = [b.dE_da.get(u, 0.0) * p.factor.get(u, 1.0) for u in group]
    probs = [p.activation(u) for u in group]
    dot = fsum([gk * pk for gk, pk in zip(gs, probs)])
    for u, pu, gu in zip(group, probs, gs):
        b.fprime[u] = None
        b.delta[u] = rnd(pu * (gu - dot))


def _propagate(net: Network, p: Pass, b: Backward, name: str, params: dict[str, float],
               rnd: Rounder) -> None:
    u = net.units[name]
    d = b.delta[name]
    for src, w in zip(u.sources, u.weights):
        if src in net.units:
            b.dE_da[src] = rnd(b.dE_da.get(src, 0.0) + d * net.value(w, params))
        if isinstance(w, str):
            b.grads[w] = rnd(b.grads[w] + d * p.values[src])
    if isinstance(u.bias, str):
        b.grads[u.bias] = rnd(b.grads[u.bias] + d)


def loss_of(net: Network, loss: L.LossSpec, targets: list[float],
            params: dict[str, float] | None = None, round_to: int | None = None) -> float:
    return L.sample(loss, targets, forward(net, params, round_to).outputs(net)).loss


def roles(net: Network) -> dict[str, str]:
    """Each parameter's role: 'weights' or 'biases' (by its first use)."""
    out: dict[str, str] = {}
    for layer in net.layers:
        for name in layer:
            u = net.units[name]
            for w in u.weights:
                if isinstance(w, str):
                    out.setdefault(w, "weights")
            if isinstance(u.bias, str):
                out.setdefault(u.bias, "biases")
    return out


def update(params: dict[str, float], grads: dict[str, float], lr: float,
           which: set[str], role: dict[str, str], rnd: Rounder = identity) -> dict[str, float]:
    """p - lr·dE/dp for the parameters whose role is in ``which``; the rest unchanged."""
    return {k: rnd(v - lr * grads[k]) if role.get(k) in which else v for k, v in params.items()}


def near_kink(net: Network, loss: L.LossSpec, targets: list[float], up: dict[str, float],
              dn: dict[str, float], x: list[float] | None = None, sample: int = 0) -> bool:
    """True when a unit's z, or the loss, is at a non-differentiable point between the
    parameters ``up`` and ``dn`` (or at their midpoint)."""
    a, b = forward(net, up, x=x, sample=sample), forward(net, dn, x=x, sample=sample)
    mid = {k: (up[k] + dn[k]) / 2 for k in up}
    p = forward(net, mid, x=x, sample=sample)
    for name, u in net.units.items():
        sides = u.act.fn.sides(u.act.params) if not u.act.softmax else {}
        for k in sides:
            if min(a.z[name], b.z[name]) <= k <= max(a.z[name], b.z[name]) or \
                    abs(p.z[name] - k) < 1e-9:
                return True
    for q in (a, b, p):
        o = q.outputs(net)
        t = targets_row(loss, targets, len(o))
        if loss.name == "mae" and any(abs(ti - oi) < 1e-5 for ti, oi in zip(t, o)):
            return True
        if loss.name == "hinge" and any(abs(1 - ti * oi) < 1e-5 for ti, oi in zip(t, o)):
            return True
        if loss.name in ("bce", "cce", "sparse_cce") and not loss.from_logits and any(
                L.clip(loss, oi) != oi for oi in o):
            return True
    return False


def sequential_update(net: Network, loss: L.LossSpec, targets: list[float], lr: float,
                      which: set[str]) -> dict[str, float]:
    """The common slip: update the last layer first, then backpropagate through the *new*
    weights to update the layer before (a correct update uses the old weights throughout)."""
    params, role = dict(net.params), roles(net)
    p = forward(net, params)
    for layer in reversed(net.layers):
        b = backward(net, p, loss, targets, params)
        mine = {w for name in layer for w in [*net.units[name].weights, net.units[name].bias]
                if isinstance(w, str)}
        for k in mine:
            if role.get(k) in which:
                params[k] = params[k] - lr * b.grads[k]
    return params
