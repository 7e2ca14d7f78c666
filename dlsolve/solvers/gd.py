"""Gradient descent on a function: the gradient by SymPy, then the iterations in a table.

x_{t+1} = x_t - α ∇f(x_t). The run is said to diverge when the last point's norm exceeds
10^6 times max(1, the start's norm) or is not finite; to converge when the gradient there is
below 1e-8 in norm.
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.mathfns import round_decimals
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
    sol.given(fsym, from_sympy(spec.function), "the function")
    for n, v in zip(names, spec.start):
        sol.given(f"{n}_0", v, "start point")
    sol.given("alpha", spec.learning_rate, "learning rate")
    sol.given("T", spec.steps, "iterations")
    sol.add(Heading("Gradient (SymPy)"), Step("The function", fsym, from_sympy(spec.function)))
    for n, g in zip(names, grads):
        sol.add(Step("", E.Deriv(Sym("f"), Sym(n)), from_sympy(g), detail="brief"))
    sol.add(Note(f"Update: each coordinate moves against its partial derivative, "
                 f"v ← v - α·∂f/∂v with α = {spec.learning_rate:g}."))
    traj, grads_at = iterate(spec, funcs, spec.round)
    if len(grads_at) < spec.steps and len(traj) == len(grads_at) + 1 and \
            all(map(math.isfinite, traj[-1])):
        sol.note("The gradient overflowed double precision; the run stops there.")
    f = sp.lambdify(spec.variables, spec.function, "math")
    _worked(sol, spec, names, traj, grads_at)
    _table(sol, spec, names, traj, grads_at, f)
    diverged = _verdict(sol, spec, names, traj, funcs)
    sol.set("trajectory", traj)
    sol.set("final", traj[-1])
    sol.set("gradient", [str(g) for g in grads])
    sol.set("diverged", diverged)
    if spec.round is not None:
        full, _ = iterate(spec, funcs)
        shown = ", ".join(f"{v:.{min(spec.round + 4, 12)}g}" for v in full[-1])
        sol.note(f"Every point and gradient is rounded to {spec.round} decimals before the "
                 f"next iteration, as a hand calculation writes them down; at full precision "
                 f"the run ends at ({shown}) (trajectory_full, final_full).")
        sol.set("trajectory_full", full)
        sol.set("final_full", full[-1])
    return sol


def iterate(spec: GDProblem, funcs: list, places: int | None = None) -> tuple[list, list]:
    """The points x_0..x_T and the gradients at x_0..x_{T-1}; with ``places`` every carried
    value (point and gradient) is rounded to that many decimals."""
    rnd = (lambda xs: [round_decimals(x, places) for x in xs]) if places is not None else list
    traj, grads_at = [rnd(spec.start)], []
    for _ in range(spec.steps):
        g = evaluate(funcs, traj[-1])
        if g is None or not all(map(math.isfinite, g)):
            break
        g = rnd(g)
        grads_at.append(g)
        traj.append(rnd([v - spec.learning_rate * gi for v, gi in zip(traj[-1], g)]))
        if not all(map(math.isfinite, traj[-1])):
            break
    return traj, grads_at


def _worked(sol: Solution, spec: GDProblem, names: list[str], traj: list, grads_at: list) -> None:
    sol.add(Heading("First iterations"))
    for t in range(min(WORKED, len(grads_at))):
        for k, n in enumerate(names):
            sol.add(Step(f"Iteration {t + 1}" if k == 0 else "", Sym(f"{n}_{t + 1}"),
                         Sym(f"{n}_{t}") - Sym("alpha") * E.Deriv(Sym("f"), Sym(n)),
                         Num(traj[t][k]) - Num(spec.learning_rate) * Num(grads_at[t][k]),
                         value=traj[t + 1][k], key="trajectory"))


def _table(sol: Solution, spec: GDProblem, names: list[str], traj: list, grads_at: list,
           f: Any) -> None:
    rows = []
    for t in range(len(traj)):
        g = grads_at[t] if t < len(grads_at) else None
        step = [spec.learning_rate * gi for gi in g] if g is not None else ""
        rows.append((t, traj[t], _value(f, traj[t]), g if g is not None else "", step))
    if len(rows) > HEAD + TAIL + 1:
        rows = rows[:HEAD] + [("…", f"{len(rows) - HEAD - TAIL} iterations", "", "", "")] \
            + rows[-TAIL:]
    point = "(" + ", ".join(names) + ")"
    cols = ("t", point, f"f{point}", f"∇f{point}", f"α·∇f{point}")
    sol.add(Heading("Iterations"), TableStep("", cols, tuple(rows), key="trajectory"))


def _value(f: Any, point: list[float]) -> float:
    """f at a point; inf where it overflows double precision."""
    try:
        return float(f(*point))
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.inf


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
