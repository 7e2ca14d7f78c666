"""Activation values and derivatives at given points, each written out.

f(x) is shown with the number substituted (the branch taken, for piecewise functions);
f'(x) in the form exams use (sigma' = sigma(1 - sigma), tanh' = 1 - tanh^2). With
``symbolic`` the derivative is also derived by SymPy and checked against these values.
"""

from __future__ import annotations

import math

from dlsolve.expr import Call, Num, Sym
from dlsolve.kernels.activations import REGISTRY, apply
from dlsolve.spec.activation import ActivationProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

X = Sym("x")


def solve(spec: ActivationProblem) -> Solution:
    act, p = spec.act.fn, spec.act.params
    pars = ", ".join(f"{k} = {v:g}" for k, v in p.items())
    sol = Solution("activation", f"{act.title} activation" + (f" ({pars})" if pars else ""),
                   answer=("value", "derivative"))
    f, df = Call(act.fname, (X,)), Call(act.fname + "'", (X,))
    sol.add(Heading("Definition"),
            Step("The function", f, act.expr(X, p)),
            Step("Its derivative", df, act.dexpr(X, f, p)),
            Note(f"Range: {act.range(p)}"))
    if act.note:
        sol.note(act.note)
    values, derivs = [], []
    if spec.at:
        sol.add(Heading("At the given points"))
    for x in spec.at:
        y = apply(act, x, p)
        d, kink_note = act.derivative(x, p, spec.act.kink)
        values.append(y)
        derivs.append(d)
        sol.add(Step(f"{act.title} at x = {x:g}", Call(act.fname, (Num(x),)),
                     act.substituted(x, p), value=y, key="value"),
                Step("", Call(act.fname + "'", (Num(x),)), act.dsubstituted(x, y, p), value=d,
                     note=kink_note, key="derivative"))
        if kink_note:
            sol.note(kink_note)
        if not math.isfinite(y) or not math.isfinite(d):
            sol.note(f"{act.title}({x:g}) overflows double precision (> 1.8e308): "
                     f"reported as inf")
    if len(spec.at) > 1:
        sol.add(TableStep("Summary", ("x", "f(x)", "f'(x)"),
                          tuple((x, y, d) for x, y, d in zip(spec.at, values, derivs))))
    if spec.symbolic:
        from dlsolve.symbolic.activation import derive

        sol.add(*derive(spec.act, spec.at, derivs))
    sol.set("value", values)
    sol.set("derivative", derivs)
    sol.set("range", act.range(p))
    return sol


def table() -> Solution:
    """Every activation: formula, derivative and range (``dlsolve activation --list``)."""
    sol = Solution("activation", "Activation functions", answer=())
    rows = []
    for name in sorted(REGISTRY):
        act = REGISTRY[name]
        if name == "swish":
            continue
        p = act.params
        rows.append((name, Call(act.fname, (X,)), act.expr(X, p),
                     act.dexpr(X, Call(act.fname, (X,)), p), act.range(p),
                     ", ".join(f"{k}={v:g}" for k, v in p.items())))
    sol.add(TableStep("Registry (PyTorch's defaults; 'swish' is an alias of silu)",
                      ("name", "f", "definition", "derivative", "range", "parameters"),
                      tuple(rows)))
    sol.note("At a kink the derivative is PyTorch's autograd value (ReLU'(0) = 0, "
             "LeakyReLU'(0) = alpha); 'kink: left|right' chooses a one-sided derivative.")
    sol.set("names", [r[0] for r in rows])
    return sol
