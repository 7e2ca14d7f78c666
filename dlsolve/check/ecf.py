"""Error carried forward: later quantities recomputed from the student's own earlier answers.

A student who gets o2 wrong and then computes the loss correctly from that o2 has made one
mistake, not two. ``world`` returns, for the answers that depend on earlier ones, the value
they should have if the student's earlier values are taken as given.
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import apply
from dlsolve.kernels.network import softmax


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def network_world(spec: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Unit values, outputs and loss recomputed from the student's given unit values."""
    net = spec.net
    values = dict(zip(net.inputs, net.input_values))
    given_out = answers.get("outputs") if isinstance(answers.get("outputs"), list) else None
    world: dict[str, Any] = {}
    for layer in net.layers:
        group = []
        for name in layer:
            u = net.units[name]
            z = math.fsum(net.value(w) * values[s] for s, w in zip(u.sources, u.weights))
            z += net.value(u.bias)
            world[f"z_{name}"] = z
            if _num(answers.get(f"z_{name}")):
                z = float(answers[f"z_{name}"])
            if u.act.softmax:
                group.append((name, z))
                continue
            world[name] = apply(u.act.fn, z, u.act.params)
            values[name] = _given(name, net, answers, given_out, world[name])
        if group:
            for (name, _), p in zip(group, softmax([z for _, z in group])):
                world[name] = p
                values[name] = _given(name, net, answers, given_out, p)
    outs = [values[o] for o in net.outputs]
    world["outputs"] = [world[o] for o in net.outputs]
    if spec.loss is not None and spec.targets is not None:
        res = L.sample(spec.loss, spec.targets, outs)
        world["loss"] = res.loss
        for o, term in zip(net.outputs, res.terms):
            world[f"loss_{o}"] = term
    lr = getattr(spec, "learning_rate", None)
    if lr is not None:
        for key, g in answers.items():
            if key.startswith("grad_") and _num(g) and key[5:] in net.params:
                world[f"new_{key[5:]}"] = net.params[key[5:]] - lr * g
    return world


def _given(name: str, net: Any, answers: dict[str, Any], given_out: list | None,
           fallback: float) -> float:
    if _num(answers.get(name)):
        return float(answers[name])
    if given_out is not None and name in net.outputs:
        i = net.outputs.index(name)
        if i < len(given_out) and _num(given_out[i]):
            return float(given_out[i])
    return fallback


def gd_world(spec: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Each iteration recomputed from the student's previous point."""
    from dlsolve.solvers.gd import evaluate, gradient

    traj = answers.get("trajectory")
    if not isinstance(traj, list) or len(traj) < 2:
        return {}
    _, funcs = gradient(spec.function, spec.variables)
    out = [traj[0]]
    for point in traj[:-1]:
        if not (isinstance(point, list) and len(point) == len(spec.variables)
                and all(_num(v) for v in point)):
            return {}
        g = evaluate(funcs, point)
        if g is None:
            return {}
        out.append([v - spec.learning_rate * gi for v, gi in zip(point, g)])
    return {"trajectory": out, "final": out[-1]}


def rounded_world(kind: str, spec: Any, places: int) -> dict[str, Any]:
    """Results of the hand calculation that carries values rounded to ``places`` decimals."""
    from dataclasses import replace

    from dlsolve.kernels.network import forward

    if kind == "backprop":
        from dlsolve.solvers.backprop_round import run_rounded

        p, b, losses, params = run_rounded(replace(spec, round=places))
        net = spec.net
        out: dict[str, Any] = {"loss": losses[0], "losses": losses, "outputs": p.outputs(net)}
        out.update({f"grad_{k}": v for k, v in b.grads.items()})
        out.update({f"new_{k}": v for k, v in params.items()})
        if net.form == "matrix":
            out["new_weights"] = [[[params[w] for w in row] for row in layer]
                                  for layer in net.weight_names]
            out["new_biases"] = [[params[x] for x in layer] for layer in net.bias_names]
        out.update({u: p.values[u] for u in net.units})
        return out
    if kind == "forward":
        p = forward(spec.net, round_to=places)
        out = {u: p.values[u] for u in spec.net.units}
        out["outputs"] = p.outputs(spec.net)
        if spec.loss is not None and spec.targets is not None:
            out["loss"] = L.sample(spec.loss, spec.targets, out["outputs"]).loss
        return out
    return {}
