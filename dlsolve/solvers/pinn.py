"""Physics-informed loss of a trial solution: derivatives by SymPy, residuals, boundary errors.

L = w_p · (1/N_f) Σ R(x_i)² + w_b · (1/N_b) Σ (ŷ(x_b) - y_b)², R the equation's left side with
the trial and its derivatives put in for y, y', y'', ... (the equation reads R = 0).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.pinn import PinnProblem, numeric
from dlsolve.steps import Heading, Note, Solution, Step, TableStep
from dlsolve.symbolic import from_sympy, rational

WORKED = 8  # collocation points worked in full at the exam level


def substitute(node: Any, mapping: dict[str, E.Expr]) -> Any:
    """The formula tree with the symbols named in ``mapping`` replaced."""
    if isinstance(node, Sym):
        return mapping.get(node.name, node)
    if isinstance(node, tuple):
        return tuple(substitute(v, mapping) for v in node)
    if dataclasses.is_dataclass(node) and isinstance(node, E.Expr):
        return dataclasses.replace(node, **{f.name: substitute(getattr(node, f.name), mapping)
                                            for f in dataclasses.fields(node)})
    return node


def prime(k: int) -> str:
    return "y" + "'" * k


def _real(v: complex) -> float:
    return v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else float("nan")


def derivatives(sol: Solution, spec: PinnProblem, subs: dict[Any, Any]) -> list[Any]:
    """ŷ, ŷ', ..., up to the equation's order, each written out (constants as numbers too)."""
    out = list(spec.derivs)
    sol.add(Heading("Derivatives of the trial solution (SymPy)"))
    for k in range(1, spec.order + 1):
        sol.add(Step(f"Derivative {k} of ŷ", Sym(prime(k)), from_sympy(out[k]),
                     from_sympy(out[k].subs(subs)) if subs else None, approx=False))
    return [d.subs(subs) for d in out]


def _tidy(r: Any, spec: PinnProblem) -> Any:
    """The residual expanded and factored; the slow simplify only when it looks like 0."""
    r = sp.factor_terms(sp.expand(r))
    if r != 0 and all(abs(complex(r.evalf(40, subs={spec.x: rational(xi)}))) < 1e-30
                      for xi in spec.collocation):
        r = sp.simplify(r)
    return r


def operator(spec: PinnProblem) -> E.Expr:
    """The equation's left side as a formula in y, y', y'', ... (SymPy's term order)."""
    names = {f"y_d{k}": Sym(prime(k)) for k in range(1, spec.order + 1)}
    return substitute(from_sympy(spec.equation), names)


def residual_steps(sol: Solution, spec: PinnProblem, ds: list[Any],
                   subs: dict[Any, Any]) -> list[float]:
    shown = operator(spec)
    ys = {sp.Symbol("y", real=True): ds[0]}
    ys.update({sp.Symbol(f"y_d{k}", real=True): ds[k] for k in range(1, spec.order + 1)})
    r = _tidy(spec.equation.subs(subs).subs(ys), spec)
    sol.add(Heading("Residual of the equation"),
            Step("Residual operator (the equation reads R = 0)", E.Call("R", (Sym("x"),)),
                 shown, from_sympy(r), approx=False,
                 note="the trial solves the equation exactly" if r == 0 else None))
    out, fs, fr = [], [numeric(d, spec.x) for d in ds], numeric(r, spec.x)
    for i, xi in enumerate(spec.collocation):
        vals = [_real(f(xi)) for f in fs]
        nums = {prime(k): Num(v) for k, v in enumerate(vals)}
        nums.update({c: Num(v) for c, v in spec.values.items()})
        nums["x"] = Num(xi)
        value = 0.0 if r == 0 else _real(fr(xi))
        sol.add(Step(f"Residual at x = {xi:g}", E.Call("R", (Num(xi),)), shown,
                     substitute(shown, nums), value=value,
                     detail="exam" if i < WORKED else "full"))
        out.append(value)
    if len(out) > WORKED:
        sol.add(Note(f"The other {len(out) - WORKED} points are worked the same way (detail "
                     "full); the table has every residual."),
                TableStep("Residuals", ("x", "R(x)"), tuple(zip(spec.collocation, out))))
    return out


def _mean_square(sol: Solution, title: str, key: str, terms: list[float], sym: str,
                 what: str) -> float:
    lhs = "L_phys" if key == "loss_physics" else "L_bc"
    if not terms:
        sol.add(Note(f"No {what} points: {lhs} = 0."))
        return 0.0
    value = sum(v * v for v in terms) / len(terms)
    sol.add(Step(title, Sym(lhs), E.Div(E.Sum("i", E.Call(sym, (Sym("x_i"),)) ** Num(2)),
                                         Num(len(terms))),
                 E.Div(E.Bracket("paren", E.Add(tuple(E.elide(
                     [Num(v) ** Num(2) for v in terms])))), Num(len(terms))), value=value,
                 key=key))
    return value


def boundary_steps(sol: Solution, spec: PinnProblem, trial: Any) -> list[float]:
    errors = []
    if spec.boundary:
        sol.add(Heading("Boundary errors"))
    for i, (xb, target) in enumerate(spec.boundary):
        y = _real(numeric(trial, spec.x)(xb))
        errors.append(y - target)
        tnum = Num(target) if target >= 0 else E.Bracket("paren", Num(target))
        sol.add(Step(f"Boundary error at x = {xb:g}", Sym(f"e_{i + 1}"),
                     E.Call("y", (Num(xb),)) - Sym(f"y_b{i + 1}"), Num(y) - tnum,
                     value=y - target))
    return errors


def _check(sol: Solution, spec: PinnProblem, residuals: list[float],
           subs: dict[Any, Any]) -> None:
    """Self-check: the residuals again from central differences of ŷ (step h = 1e-3)."""
    f = sp.lambdify(spec.x, spec.trial.subs(subs), "math")
    names = ["x", "y"] + [f"y_d{k}" for k in range(1, spec.order + 1)]
    g = sp.lambdify([sp.Symbol(n, real=True) for n in names], spec.equation.subs(subs), "math")
    h, worst = 1e-3, 0.0
    for xi, ri in zip(spec.collocation, residuals):
        try:
            ys = [f(xi + j * h) for j in range(-3, 4)]
            diffs = _finite_differences(ys, h, spec.order)
            approx = float(g(xi, ys[3], *(diffs[k] for k in range(1, spec.order + 1))))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            sol.add(Note(f"Check skipped: ŷ cannot be evaluated within 3h of x = {xi:g}.",
                         detail="full"))
            return
        worst = max(worst, abs(approx - ri))
    ok = math.isfinite(worst) and worst < 1e-4 * max(1.0, max(map(abs, residuals), default=1))
    sol.add(Note(f"Check: the residuals from central differences of ŷ (h = {h:g}) differ from "
                 f"SymPy's by at most {worst:.1e}" + (" ✓" if ok else " ✗"), detail="full"))


def _finite_differences(ys: list[float], h: float, order: int) -> dict[int, float]:
    stencils = {1: [-1 / 60, 3 / 20, -3 / 4, 0, 3 / 4, -3 / 20, 1 / 60],
                2: [1 / 90, -3 / 20, 3 / 2, -49 / 18, 3 / 2, -3 / 20, 1 / 90],
                3: [1 / 8, -1, 13 / 8, 0, -13 / 8, 1, -1 / 8]}
    return {k: sum(c * y for c, y in zip(stencils.get(k, stencils[3]), ys)) / h ** k
            for k in range(1, order + 1)}


def _givens(sol: Solution, spec: PinnProblem) -> None:
    sol.given("y_hat", from_sympy(spec.trial), "trial solution ŷ(x)")
    for name, v in spec.values.items():
        sol.given(name, v, "constant")
    sol.given("R", E.Relation(operator(spec), "=", Num(0)), "the equation (y stands for ŷ)")
    sol.given("x_f", spec.collocation, "collocation points")
    if spec.boundary:
        sol.given("x_b", [b[0] for b in spec.boundary], "boundary points")
        sol.given("y_b", [b[1] for b in spec.boundary], "targets y(x_b)")
    sol.given("w_p", spec.weights[0], "weight of the physics loss")
    sol.given("w_b", spec.weights[1], "weight of the boundary loss")


def solve(spec: PinnProblem) -> Solution:
    sol = Solution("pinn", "Physics-informed loss of a trial solution",
                   answer=("loss_physics", "loss_boundary", "loss"))
    _givens(sol, spec)
    subs = {sp.Symbol(k, real=True): rational(v) for k, v in spec.values.items()}
    ds = derivatives(sol, spec, subs)
    residuals = residual_steps(sol, spec, ds, subs)
    if spec.order <= 3:
        _check(sol, spec, residuals, subs)
    phys = _mean_square(sol, "Physics loss: mean square residual", "loss_physics", residuals,
                        "R", "collocation")
    errors = boundary_steps(sol, spec, ds[0])
    bnd = _mean_square(sol, "Boundary loss: mean square error", "loss_boundary", errors, "e",
                       "boundary")
    wp, wb = spec.weights
    total = wp * phys + wb * bnd
    sol.add(Heading("Total loss"),
            Step("Weighted sum", Sym("L"), Sym("w_p") * Sym("L_phys") + Sym("w_b") *
                 Sym("L_bc"), Num(wp) * Num(phys) + Num(wb) * Num(bnd), value=total,
                 key="loss", detail="brief"))
    if not math.isfinite(total):
        sol.add(Note("The squares overflow double precision (beyond ±1.8e308): the loss is "
                     "inf. Rescale the problem (smaller x or ŷ) for a finite loss.", "warning"))
        sol.note("The loss overflows double precision (inf).")
    for key, v in (("residuals", residuals), ("loss_physics", phys),
                   ("boundary_errors", errors), ("loss_boundary", bnd), ("loss", total)):
        sol.set(key, v)
    return sol
