"""Backpropagation on a Network: deltas, gradients, updates, and a finite-difference check.

For an output unit o:  delta_o = dE/do · f'(z_o)  (softmax with cross-entropy: p - y, or
                       p·Σt - t for targets that do not sum to 1).
For a hidden unit h:   dE/dh = Σ_k delta_k · w_kh  (weights before the update),
                       delta_h = dE/dh · f'(z_h).
Each parameter:        dE/dw = Σ over its uses of delta_u · (the source it multiplies),
                       dE/db = Σ over its uses of delta_u.
Update (simultaneous, from one forward pass): p <- p - lr · dE/dp.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from dlsolve.errors import SolverBug
from dlsolve.kernels import losses as L
from dlsolve.kernels.mathfns import round_hand
from dlsolve.kernels.network import Network, Pass, forward

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
    grads: dict[str, float]
    output_grad: dict[str, float]      # dE/do straight from the loss
    softmax_ce: bool
    kink_notes: list[str] = field(default_factory=list)


def targets_row(loss: L.LossSpec, targets: list[float], n: int) -> list[float]:
    """One-hot targets for sparse_cce; the targets themselves otherwise."""
    if loss.name == "sparse_cce":
        return [1.0 if k == int(targets[0]) else 0.0 for k in range(n)]
    return targets


def is_softmax_ce(net: Network, loss: L.LossSpec) -> bool:
    return loss.name in ("cce", "sparse_cce") and not loss.from_logits and all(
        net.units[o].act.softmax for o in net.outputs)


def backward(net: Network, p: Pass, loss: L.LossSpec, targets: list[float],
             params: dict[str, float] | None = None, rnd: Rounder = identity) -> Backward:
    """Deltas and gradients of one forward pass (``rnd`` rounds every intermediate)."""
    params = params if params is not None else net.params
    outs = p.outputs(net)
    g = [rnd(v) for v in L.gradient(loss, targets, outs)]
    softmax_ce = is_softmax_ce(net, loss)
    b = Backward({}, {}, {}, {k: 0.0 for k in params}, dict(zip(net.outputs, g)), softmax_ce)
    for o, v in zip(net.outputs, g):
        b.dE_da[o] = b.dE_da.get(o, 0.0) + v
    for layer in reversed(net.layers):
        group = [u for u in layer if net.units[u].act.softmax]
        for name in layer:
            u = net.units[name]
            if u.act.softmax:
                continue
            fp, note = u.act.fn.derivative(p.z[name], u.act.params, u.act.kink)
            if u.act.fn.dfy is not None:  # a(1 - a) from the output as written down
                fp = u.act.fn.dfy(p.values[name])
            if note:
                b.kink_notes.append(f"{name}: {note}")
            b.fprime[name] = rnd(fp)
            b.delta[name] = rnd(b.dE_da.get(name, 0.0) * b.fprime[name])
        if group:
            _softmax_deltas(net, p, b, group, loss, targets, rnd)
        for name in layer:
            _propagate(net, p, b, name, params, rnd)
    return b


def _softmax_deltas(net: Network, p: Pass, b: Backward, group: list[str], loss: L.LossSpec,
                    targets: list[float], rnd: Rounder) -> None:
    probs = [p.values[u] for u in group]
    if b.softmax_ce and group == net.outputs:  # dE/dz_j = p_j Σ_k t_k - t_j (= p - t)
        t = targets_row(loss, targets, len(group))
        total = math.fsum(t)
        for u, pu, tu in zip(group, probs, t):
            b.fprime[u] = None
            b.delta[u] = rnd(pu * total - tu)
        return
    gs = [b.dE_da.get(u, 0.0) for u in group]
    dot = math.fsum(gk * pk for gk, pk in zip(gs, probs))
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


MAX_CHECKED = 60   # networks with more parameters are checked on a sample ...
SAMPLED = 20       # ... of this many, plus DIRECTIONS random directions over all of them
DIRECTIONS = 3


@dataclass
class Check:
    """The finite-difference check of the gradients (all, or a fixed sample of 60)."""

    worst: float
    checked: int
    skipped: list[str]
    total: int = 0


def check_gradients(net: Network, loss: L.LossSpec, targets: list[float],
                    params: dict[str, float], grads: dict[str, float], p: Pass) -> Check:
    """Compare each gradient with a central difference; raise SolverBug on a mismatch.

    Parameters whose difference quotient straddles a kink (ReLU at 0, a clipped probability,
    |t - o| at 0) are skipped: there the derivative is a convention, not a limit.
    """
    worst, checked, skipped = 0.0, 0, []
    names = list(grads)
    if len(names) > MAX_CHECKED:  # big networks: a fixed sample, and whole-gradient directions
        names = sorted(random.Random(0).sample(names, SAMPLED), key=names.index)
        worst = _directional(net, loss, targets, params, grads)
    for name in names:
        g = grads[name]
        v = params[name]
        h = 1e-6 * max(1.0, abs(v))
        up = dict(params, **{name: v + h})
        dn = dict(params, **{name: v - h})
        fd = (loss_of(net, loss, targets, up) - loss_of(net, loss, targets, dn)) / (2 * h)
        if not math.isfinite(fd):
            skipped.append(name)
            continue
        err = abs(fd - g)
        if err > 1e-5 * max(1.0, abs(g), abs(fd)):
            if _near_kink(net, p, loss, targets, up, dn):
                skipped.append(name)
                continue
            raise SolverBug(f"gradient of {name}: backprop gives {g!r}, a central finite "
                            f"difference gives {fd!r}")
        worst = max(worst, err)
        checked += 1
    return Check(worst, checked, skipped, len(grads))


def _directional(net: Network, loss: L.LossSpec, targets: list[float],
                 params: dict[str, float], grads: dict[str, float]) -> float:
    """Check ∇E·v against (E(θ + hv) - E(θ - hv))/2h for random directions v of unit length."""
    rng, worst = random.Random(1), 0.0
    for _ in range(DIRECTIONS):
        v = {k: rng.gauss(0, 1) for k in params}
        norm = math.sqrt(math.fsum(x * x for x in v.values()))
        v = {k: x / norm for k, x in v.items()}
        h = 1e-5
        up = {k: params[k] + h * v[k] for k in params}
        dn = {k: params[k] - h * v[k] for k in params}
        fd = (loss_of(net, loss, targets, up) - loss_of(net, loss, targets, dn)) / (2 * h)
        dot = math.fsum(grads[k] * v[k] for k in params)
        err = abs(fd - dot)
        if err > 1e-5 * max(1.0, abs(dot)):
            raise SolverBug(f"directional derivative: backprop gives {dot!r}, a central "
                            f"finite difference gives {fd!r}")
        worst = max(worst, err)
    return worst


def _near_kink(net: Network, p: Pass, loss: L.LossSpec, targets: list[float],
               up: dict[str, float], dn: dict[str, float]) -> bool:
    """True when a unit's z, or the loss, is at a non-differentiable point."""
    a, b = forward(net, up), forward(net, dn)
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
