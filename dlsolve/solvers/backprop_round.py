"""Backprop as a hand calculation: values rounded to N decimals where an answer writes them.

As in the seeds' keys: each unit's output is rounded as soon as it is computed and used
rounded from then on; each gradient is multiplied out from those values and then rounded;
the updated parameters are rounded. With ``round`` the derivation shows this run; a table
compares it with full precision, and ``rounded`` in JSON holds its answers.
"""

from __future__ import annotations

from typing import Any

from dlsolve.kernels import training as K
from dlsolve.kernels.backprop import Backward
from dlsolve.kernels.network import Network, Pass, param_order
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Heading, Note, Solution, TableStep


def run_rounded(spec: NetworkProblem) -> tuple[Pass, Backward, list[float], dict[str, float]]:
    """(first pass, its backward, loss per epoch, final parameters), all carried rounded."""
    from dlsolve.solvers.backprop import plan

    trace = K.train(spec.net, plan(spec), spec.epochs, spec.round)
    first = trace.epochs[0]
    b = first.backs[0]
    b.grads = dict(first.grads)
    return first.passes[0], b, [e.loss for e in trace.epochs], trace.params


def compare(sol: Solution, spec: NetworkProblem, full: K.Trace, shown: K.Trace) -> None:
    net, n = spec.net, spec.round
    fe, re_ = full.epochs[0], shown.epochs[0]
    fp, fb, p, b = fe.passes[0], fe.backs[0], re_.passes[0], re_.backs[0]
    rows: list[tuple[Any, ...]] = []
    for layer in net.layers:
        for u in layer:
            rows += [(f"z_{u}", fp.z[u], p.z[u]), (u, fp.values[u], p.values[u])]
    rows.append(("loss", fe.loss, re_.loss))
    for layer in reversed(net.layers):
        rows += [(f"delta_{u}", fb.delta[u], b.delta[u]) for u in layer]
    order = param_order(net)
    fg, rg = fe.grads, re_.grads
    rows += [(f"∂E/∂{k}", fg[k], rg[k]) for k in order]
    rows += [(f"new {k}", full.params[k], shown.params[k]) for k in order]
    sol.add(Heading(f"Hand calculation against full precision ({n} decimals)"),
            TableStep("Full precision against carried rounding",
                      ("quantity", "full precision", f"rounded ({n} dp)", "difference"),
                      tuple((q, a, r, r - a) for q, a, r in rows)))
    worst = max(abs(r - a) for _, a, r in rows)
    sol.add(Note(f"Carrying rounded values moved the answers by at most {worst:.2g}.",
                 "conclusion"))
    losses = [e.loss for e in shown.epochs]
    rounded: dict[str, Any] = {"loss": losses[0], "losses": losses, "outputs": p.outputs(net)}
    rounded.update({f"grad_{k}": rg[k] for k in order})
    rounded.update({f"new_{k}": shown.params[k] for k in order})
    if net.form == "matrix":
        rounded["new_weights"] = _nest(net, shown.params, "w")
        rounded["new_biases"] = _nest(net, shown.params, "b")
    sol.set("rounded", rounded)


def _nest(net: Network, params: dict[str, float], kind: str) -> Any:
    if kind == "w":
        return [[[params[w] for w in row] for row in layer] for layer in net.weight_names]
    return [[params[x] for x in layer] for layer in net.bias_names]
