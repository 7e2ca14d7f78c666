"""The circuit drawn as CS231n draws it, and the self-check by finite differences.

Every wire carries a value forward (written above it) and a gradient back (below it): a
table of the wires, and a Figure with the inputs on the left and each gate one layer to
the right of its latest argument. The self-check compares each input's gradient with a
central difference of L (along the all-ones direction for an array).
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Deriv, Num, Sym
from dlsolve.kernels.graph import Evaluation, GraphError, central_difference, dims, dot
from dlsolve.solvers import graph_forms as F
from dlsolve.steps import Figure, Heading, Note, Solution, Step, TableStep

STEP = 1e-6


def _cell(v: Any) -> Any:
    if isinstance(v, float):
        return v
    if v.ndim == 0:
        return float(v)
    return v.tolist() if v.size <= F.SMALL else f"{dims(v)} array"


def _label(v: Any, g: Any) -> str:
    if isinstance(v, float) or not v.ndim:
        return f"{float(v):.4g} / {float(g):.4g}"
    word = f"{v.shape[0]}-vector" if v.ndim == 1 else f"{dims(v)} matrix"
    return f"{word} / {word}"


def circuit(sol: Solution, ev: Evaluation, w: Any) -> None:
    graph = ev.graph
    rows = [(f"{e.src} → {e.dst}", _cell(e.value), _cell(e.grad)) for e in ev.edges]
    out = graph.output
    rows.append((f"{out} → (output)", _cell(ev.values[out]), _cell(ev.grads[out])))
    sol.add(Heading("The circuit"),
            TableStep("Every wire: its value forward (above it in the drawing) and its gradient "
                      "back (below it)", ("wire", "value", "gradient"), tuple(rows)))
    layer: dict[str, int] = {n: 0 for n in graph.inputs}
    for g in graph.gates:
        layer[g.name] = 1 + max((layer[a] for a in g.nodes()), default=0)
    sol.add(Figure("The circuit (each wire labelled value / gradient)",
                   tuple((n, layer[n]) for n in graph.names()),
                   tuple((e.src, e.dst, _label(e.value, e.grad)) for e in ev.edges),
                   wires=tuple((_cell(e.value), _cell(e.grad)) for e in ev.edges)))


def self_check(sol: Solution, spec: Any, ev: Evaluation, w: Any) -> None:
    """Central differences of L for every input (detail full): the gradients checked."""
    graph = ev.graph
    steps: list[Any] = [Heading("Self-check: central differences", detail="full")]
    for name in graph.inputs:
        v = spec.values[name]
        try:
            fd = central_difference(graph, spec.values, name, spec.upstream, h=STEP)
        except GraphError:  # x ± h leaves a function's domain however small h is
            steps.append(Note(f"No central difference for {name}: every step h leaves the "
                              "domain of a function at this point.", detail="full"))
            continue
        analytic = dot(ev.grads[name], _ones(v))
        close = math.isclose(fd, analytic, rel_tol=1e-5, abs_tol=1e-6)
        lhs: E.Expr = Deriv(Sym(w.loss), Sym(name))
        if not isinstance(v, float):
            lhs = E.Call("sum", (lhs,))
        x, h = Sym(name), Sym("h")
        formula = E.Div(E.Add((E.Call(w.loss, (E.Add((x, h)),)),
                               E.Neg(E.Call(w.loss, (E.Add((x, E.Neg(h))),))))),
                        E.Mul((Num(2), h), True))
        verdict = (f"backprop gave {analytic:.10g}: they agree" if close else
                   f"backprop gave {analytic:.10g}: they differ, so {name} sits at a kink "
                   "or a tie of max/min, where the gradient follows PyTorch's convention")
        steps.append(Step(f"∂{w.loss}/∂{name} by a central difference, h = {STEP:g}"
                          + ("" if isinstance(v, float) else " along all-ones"), lhs, formula,
                          value=fd, note=verdict, detail="full"))
    sol.add(*steps)


def _ones(v: Any) -> Any:
    if isinstance(v, (int, float)):
        return 1.0
    from dlsolve.kernels.graph.ops import np

    return np().ones_like(np().asarray(v, dtype=float))
