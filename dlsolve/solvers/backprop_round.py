"""Backprop again with values rounded to N decimals where a hand calculation writes them.

As in the seeds' keys: each unit's output is rounded as soon as it is computed and used
rounded from then on; each gradient is multiplied out from those values and then rounded;
the updated parameters are rounded. A table compares this with full precision.
"""

from __future__ import annotations

from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.backprop import Backward, backward, roles, rounder, update
from dlsolve.kernels.network import Network, Pass, forward, param_order
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Heading, Note, Solution, TableStep


def run_rounded(spec: NetworkProblem) -> tuple[Pass, Backward, list[float], dict[str, float]]:
    """(first pass, its backward, loss per epoch, final parameters), all carried rounded."""
    net, loss, t, n = spec.net, spec.loss, spec.targets, spec.round
    assert loss is not None and t is not None and spec.learning_rate is not None
    rnd = rounder(n)
    role, which = roles(net), set(spec.update)
    params, losses, first = dict(net.params), [], None
    for _ in range(spec.epochs):
        p = forward(net, params, round_to=n)
        b = backward(net, p, loss, t, params)
        b.grads = {k: rnd(v) for k, v in b.grads.items()}
        losses.append(rnd(L.sample(loss, t, p.outputs(net)).loss))
        first = first or (p, b)
        params = update(params, b.grads, spec.learning_rate, which, role, rnd)
    assert first is not None
    return first[0], first[1], losses, params


def compare(sol: Solution, spec: NetworkProblem, full: tuple[Pass, Backward],
            params: dict[str, float]) -> None:
    net, n = spec.net, spec.round
    p, b, losses, rparams = run_rounded(spec)
    fp, fb = full
    rows: list[tuple[Any, ...]] = []
    for layer in net.layers:
        for u in layer:
            rows += [(f"z_{u}", fp.z[u], p.z[u]), (u, fp.values[u], p.values[u])]
    rows.append(("loss", sol.results["loss"], losses[0]))
    for layer in reversed(net.layers):
        rows += [(f"delta_{u}", fb.delta[u], b.delta[u]) for u in layer]
    order = param_order(net)
    rows += [(f"dE/d{k}", fb.grads[k], b.grads[k]) for k in order]
    rows += [(f"new {k}", params[k], rparams[k]) for k in order]
    sol.add(Heading(f"Hand calculation: values rounded to {n} decimals"),
            Note(f"As a calculation by hand: each unit's output is rounded to {n} decimals ({n} "
                 f"significant figures below 1) when "
                 f"it is written down and used rounded from then on; each gradient is multiplied "
                 f"out from those values, then rounded, as are the updated parameters."),
            TableStep("Full precision against carried rounding",
                      ("quantity", "full precision", f"rounded ({n} dp)", "difference"),
                      tuple((q, a, r, r - a) for q, a, r in rows)))
    worst = max(abs(r - a) for _, a, r in rows)
    sol.add(Note(f"Carrying rounded values moved the answers by at most {worst:.2g}.",
                 "conclusion"))
    rounded = {"loss": losses[0], "losses": losses, "outputs": p.outputs(net)}
    rounded.update({f"grad_{k}": b.grads[k] for k in order})
    rounded.update({f"new_{k}": rparams[k] for k in order})
    if net.form == "matrix":
        rounded["new_weights"] = _nest(net, rparams, "w")
        rounded["new_biases"] = _nest(net, rparams, "b")
    sol.set("rounded", rounded)


def _nest(net: Network, params: dict[str, float], kind: str) -> Any:
    if kind == "w":
        return [[[params[w] for w in row] for row in layer] for layer in net.weight_names]
    return [[params[x] for x in layer] for layer in net.bias_names]
