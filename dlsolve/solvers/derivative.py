"""A derivative at a point: the rules written out (dlsolve.symbolic.derivative), checked
against SymPy's own diff, then the point substituted into the result.

Several variables give one partial derivative each (the others held constant) and, at a
point, the gradient.
"""

from __future__ import annotations

import math
import random
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.errors import SolverBug
from dlsolve.expr import Num, Sym
from dlsolve.spec.derivative import DerivativeProblem
from dlsolve.steps import Heading, Note, Solution, Step
from dlsolve.symbolic import from_sympy
from dlsolve.symbolic.derivative import Explainer


def solve(spec: DerivativeProblem) -> Solution:
    names = [str(v) for v in spec.variables]
    many = len(names) > 1
    fsym = E.Call("f", tuple(Sym(n) for n in names))
    sol = Solution("derivative", f"Derivative of f({', '.join(names)}) = {spec.text}",
                   answer=("derivative",) + (("value",) if spec.at is not None else ()))
    for n, v in zip(names, spec.at or []):
        sol.given(n, v, "the point")
    sol.add(Step("The function", fsym, from_sympy(spec.function), approx=False))
    if spec.implicit:
        sol.add(Note("A number written before a name multiplies it (3x is 3·x)."))
    grads, values = [], []
    for var, name in zip(spec.variables, names):
        d = _one(sol, spec, var, name, many)
        grads.append(d)
        if spec.at is not None:
            values.append(_at(sol, spec, d, name, many))
    sol.set("function", str(spec.function))
    sol.set("derivative", [str(g) for g in grads] if many else str(grads[0]))
    if spec.at is not None:
        sol.set("f_value", _number(spec.function, spec))
        if not math.isfinite(sol.results["f_value"]):
            sol.note("f itself is not a finite real number at the point (f_value is "
                     f"{sol.results['f_value']}).")
        sol.set("value", values if many else values[0])
        for name, v in zip(names, values) if many else ():
            sol.set(f"partial_{name}", v)
    return sol


def _one(sol: Solution, spec: DerivativeProblem, var: Any, name: str, many: bool) -> Any:
    """Work one (partial) derivative; the result is SymPy's diff, checked against the rules."""
    others = [str(v) for v in spec.variables if v != var]
    sol.add(Heading(f"Partial derivative with respect to {name}" if many else
                    f"Derivative with respect to {name}"))
    if others:
        sol.add(Note(f"{', '.join(others)} held constant."))
    worker = Explainer(var, partial=many)
    ruled = worker.explain(spec.function)
    sol.add(*worker.steps)
    exact = sp.diff(spec.function, var)
    _same_function(ruled, exact, spec.variables)
    lhs = E.Deriv(Sym("f"), Sym(name), many)
    sol.add(Step("Result", lhs, from_sympy(exact), approx=False, detail="brief",
                 key=None if many and spec.at is not None else
                 f"partial_{name}" if many else "derivative"))
    return exact


def _at(sol: Solution, spec: DerivativeProblem, d: Any, name: str, many: bool) -> float:
    point = dict(zip(spec.variables, spec.at or []))
    value = _number(d, spec)
    at = ", ".join(f"{v}={_g(x)}" for v, x in point.items())
    lhs = E.Deriv(Sym("f"), Sym(name)) if many else E.Call("f'", tuple(
        Num(x) for x in spec.at or []))
    sol.add(Step(f"At {at}", lhs, from_sympy(d), substitute(from_sympy(d), point),
                 value, detail="brief", key=f"partial_{name}" if many else "value"))
    if not math.isfinite(value):
        sol.add(Note(f"The derivative is not a finite real number at {at}: it is undefined "
                     f"there or beyond floating-point range (reported as {value}).", "warning"))
    return value


def _number(e: Any, spec: DerivativeProblem) -> float:
    """The value at the point; nan where it is undefined or not real."""
    v = e.subs(dict(zip(spec.variables, spec.at or []))).evalf()
    if v.has(sp.zoo, sp.nan):
        return float("nan")
    if v in (sp.oo, -sp.oo):
        return float(v)
    value = complex(v)
    return value.real if abs(value.imag) < 1e-12 else float("nan")


def substitute(node: E.Expr, point: dict[Any, float]) -> E.Expr:
    """The formula tree with each variable replaced by its number (left unevaluated)."""
    from dataclasses import fields, replace

    names = {str(k): v for k, v in point.items()}
    if isinstance(node, E.Sym) and node.name in names:
        return Num(names[node.name])
    changes = {}
    for f in fields(node):  # type: ignore[arg-type]
        value = getattr(node, f.name)
        if isinstance(value, E.Expr):
            changes[f.name] = substitute(value, point)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(substitute(v, point) if isinstance(v, E.Expr) else
                                    _sub_pair(v, point) for v in value)
    return replace(node, **changes) if changes else node


def _sub_pair(v: Any, point: dict[Any, float]) -> Any:
    if isinstance(v, tuple):
        return tuple(substitute(x, point) if isinstance(x, E.Expr) else x for x in v)
    return v


def _same_function(a: Any, b: Any, variables: list[Any]) -> None:
    """The rules' derivative equals SymPy's (at random points; exactly when simple)."""
    if sp.expand(a - b) == 0:
        return
    rng = random.Random(0)
    fa, fb = (sp.lambdify(variables, e, "math") for e in (a, b))
    for _ in range(20):
        pt = [rng.uniform(0.2, 1.7) for _ in variables]
        try:
            va, vb = fa(*pt), fb(*pt)
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
        if not math.isclose(va, vb, rel_tol=1e-9, abs_tol=1e-12):
            raise SolverBug(f"the rules gave {a}, SymPy gives {b}")


def _g(x: float) -> str:
    return f"{x:g}"
