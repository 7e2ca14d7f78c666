"""Gradient descent on a function: the gradient by SymPy, then the iterations in a table.

x_{t+1} = x_t - α ∇f(x_t). The run is said to diverge when the last point's norm exceeds
10^6 times max(1, the start's norm) or is not finite; to converge when the gradient there is
below 1e-8 in norm.
"""

from __future__ import annotations

import math

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.gd import GDProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep
from dlsolve.symbolic import from_sympy

WORKED = 3
HEAD, TAIL = 10, 5


def gradient(expr: sp.Expr, variables: list) -> tuple[list, list]:
    """(SymPy partial derivatives, plain-math callables of the point)."""
    grads = [sp.diff(expr, v) for v in variables]
    funcs = [sp.lambdify(variables, g, "math") for g in grads]
    return grads, funcs


def evaluate(funcs: list, point: list[float]) -> list[float] | None:
    try:
        return [float(f(*point)) for f in funcs]
    except (OverflowError, ValueError, ZeroDivisionError):
        return None


def solve(spec: GDProblem) -> Solution:
    names = [str(v) for v in spec.variables]
    sol = Solution("gd", f"Gradient descent on f({', '.join(names)}) = {spec.text}",
                   answer=("final", "diverged"))
    grads, funcs = gradient(spec.function, spec.variables)
    fsym = E.Call("f", tuple(Sym(n) for n in names))
    sol.add(Heading("Gradient (SymPy)"), Step("The function", fsym, from_sympy(spec.function)))
    for n, g in zip(names, grads):
        sol.add(Step("", E.Deriv(Sym("f"), Sym(n)), from_sympy(g)))
    sol.add(Note(f"Update: each coordinate moves against its partial derivative, "
                 f"v ← v - α·∂f/∂v with α = {spec.learning_rate:g}."))
    traj, grads_at = [list(spec.start)], []
    for _ in range(spec.steps):
        g = evaluate(funcs, traj[-1])
        if g is None or not all(map(math.isfinite, g)):
            sol.note("The gradient overflowed double precision; the run stops there.")
            break
        grads_at.append(g)
        traj.append([v - spec.learning_rate * gi for v, gi in zip(traj[-1], g)])
        if not all(map(math.isfinite, traj[-1])):
            break
    _worked(sol, spec, names, traj, grads_at)
    _table(sol, names, traj, grads_at)
    diverged = _verdict(sol, spec, names, traj, funcs)
    sol.set("trajectory", traj)
    sol.set("final", traj[-1])
    sol.set("gradient", [str(g) for g in grads])
    sol.set("diverged", diverged)
    return sol


def _worked(sol: Solution, spec: GDProblem, names: list[str], traj: list, grads_at: list) -> None:
    sol.add(Heading("First iterations"))
    for t in range(min(WORKED, len(grads_at))):
        for k, n in enumerate(names):
            sol.add(Step(f"Iteration {t + 1}" if k == 0 else "", Sym(f"{n}_{t + 1}"),
                         Sym(f"{n}_{t}") - Sym("alpha") * E.Deriv(Sym("f"), Sym(n)),
                         Num(traj[t][k]) - Num(spec.learning_rate) * Num(grads_at[t][k]),
                         value=traj[t + 1][k], key="trajectory"))


def _table(sol: Solution, names: list[str], traj: list, grads_at: list) -> None:
    rows = []
    for t in range(len(traj)):
        g = grads_at[t] if t < len(grads_at) else None
        rows.append((t, traj[t], g if g is not None else ""))
    if len(rows) > HEAD + TAIL + 1:
        rows = rows[:HEAD] + [("…", f"{len(rows) - HEAD - TAIL} iterations", "")] + rows[-TAIL:]
    sol.add(Heading("Iterations"), TableStep("", ("t", f"({', '.join(names)})", "gradient"),
                                             tuple(rows), key="trajectory"))


def _verdict(sol: Solution, spec: GDProblem, names: list[str], traj: list, funcs: list) -> bool:
    start_norm = math.hypot(*spec.start)
    last = traj[-1]
    norm = math.hypot(*last) if all(map(math.isfinite, last)) else math.inf
    diverged = not math.isfinite(norm) or norm > 1e6 * max(1.0, start_norm)
    g = evaluate(funcs, last) if math.isfinite(norm) else None
    sol.add(Heading("Result"), Step(f"After {len(traj) - 1} iterations",
                                    E.Seq(tuple(Sym(n) for n in names), "()"),
                                    value=E.Seq(tuple(Num(v) for v in last), "()"), key="final"))
    if diverged:
        grow = [n for n, a, b in zip(names, spec.start, last) if abs(b) > 1e3 * max(1, abs(a))]
        sol.add(Note(f"Diverged: the point's norm grew from {start_norm:.4g} to {norm:.4g}"
                     + (f" (in {', '.join(grow)})" if grow else "") + ". Gradient descent "
                     "minimises; along a direction where f has no minimum (f decreases without "
                     "bound, as -y² does at a saddle point) it never stops.", "conclusion"))
    elif g is not None and math.hypot(*g) < 1e-8:
        sol.add(Note("Converged: the gradient there is zero to 1e-8, a stationary point.",
                     "conclusion"))
    else:
        sol.add(Note(f"Neither converged nor diverged after {len(traj) - 1} iterations "
                     f"(gradient norm {math.hypot(*g) if g else float('nan'):.3g}).",
                     "conclusion"))
    return diverged
