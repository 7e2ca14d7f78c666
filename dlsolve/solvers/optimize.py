"""Optimizer runs: the update rules, the first step worked with numbers, a table per step.

Gradients come from the spec (one list per step) or from a function, differentiated by SymPy.
``compare`` runs several optimizers on the same function side by side.
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.mathfns import round_decimals
from dlsolve.kernels.optimizers import DEFAULTS, Optimizer
from dlsolve.spec.optimize import OptimizeProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

TITLES = {"sgd": "SGD", "momentum": "SGD with momentum", "nesterov": "Nesterov momentum",
          "adagrad": "AdaGrad", "rmsprop": "RMSprop", "adadelta": "AdaDelta", "adam": "Adam",
          "adamw": "AdamW"}
HEAD, TAIL = 12, 4


def _sqrt(x: E.Expr) -> E.Expr:
    return E.Bracket("sqrt", x)


def rules(name: str, h: dict[str, Any]) -> list[tuple[E.Expr, E.Expr]]:
    """The update rules in symbols (g the gradient, t the step)."""
    g, p, lr = Sym("g"), Sym("p"), Sym("eta")
    one = Num(1)
    den = (_sqrt(Sym("v_hat") + Sym("epsilon")) if h.get("eps_inside_sqrt") else
           _sqrt(Sym("v_hat")) + Sym("epsilon"))
    if name in ("sgd", "momentum", "nesterov"):
        mu, v = Sym("mu"), Sym("v")
        if not h["momentum"]:
            return [(p, p - lr * g)]
        form = h["momentum_form"]
        upd = {"ema": mu * v + (one - mu) * g, "lr_inside": mu * v + lr * g,
               "pytorch": mu * v + (one - Sym("tau")) * g}[form]
        step = (g + mu * v) if h["nesterov"] else v
        return [(v, upd), (p, p - (step if form == "lr_inside" and not h["nesterov"] else
                                   (lr * g + mu * v if form == "lr_inside" else lr * step)))]
    if name == "adagrad":
        s = Sym("s")
        dd = _sqrt(s + Sym("epsilon")) if h["eps_inside_sqrt"] else _sqrt(s) + Sym("epsilon")
        return [(s, s + g ** Num(2)), (p, p - Sym("eta_t") * g / dd)]
    if name == "rmsprop":
        v, a = Sym("v"), Sym("alpha")
        return [(v, a * v + (one - a) * g ** Num(2)), (p, p - lr * g / (_sqrt(v) +
                                                                         Sym("epsilon")))]
    if name == "adadelta":
        v, u, rho, eps = Sym("v"), Sym("u"), Sym("rho"), Sym("epsilon")
        return [(v, rho * v + (one - rho) * g ** Num(2)),
                (Sym("Delta"), _sqrt(u + eps) / _sqrt(v + eps) * g),
                (u, rho * u + (one - rho) * Sym("Delta") ** Num(2)), (p, p - lr * Sym("Delta"))]
    m, v, b1, b2 = Sym("m"), Sym("v"), Sym("beta1"), Sym("beta2")
    out = [(m, b1 * m + (one - b1) * g), (v, b2 * v + (one - b2) * g ** Num(2)),
           (Sym("m_hat"), m / (one - b1 ** Sym("t"))), (Sym("v_hat"), v / (one - b2 ** Sym("t"))),
           (p, p - lr * Sym("m_hat") / den)]
    if name == "adamw":
        out.insert(0, (p, p * (one - lr * Sym("lambda"))))
    return out


def _hyper_note(name: str, h: dict[str, Any]) -> str:
    given = ", ".join(f"{k} = {v:g}" if isinstance(v, float) and not isinstance(v, bool)
                      else f"{k} = {v}" for k, v in h.items())
    changed = [k for k, v in h.items() if DEFAULTS[name].get(k) != v]
    return (f"{TITLES[name]} hyper-parameters: {given}. PyTorch's defaults"
            + (f" except {', '.join(changed)}." if changed else "."))


def _form_note(name: str, h: dict[str, Any]) -> str | None:
    if name in ("sgd", "momentum", "nesterov") and h["momentum"]:
        return {"pytorch": "Momentum as PyTorch: v = μv + (1 - τ)g (v = g on the first step "
                           "unless a start velocity is given), p ← p - η·v.",
                "ema": "Momentum as an exponential average: v = μv + (1 - μ)g, p ← p - η·v.",
                "lr_inside": "Momentum with the learning rate inside: v = μv + η·g, p ← p - v."
                }[h["momentum_form"]]
    if "eps_inside_sqrt" in h:
        return ("ε inside the square root: √(v + ε)." if h["eps_inside_sqrt"] else
                "ε outside the square root: √v + ε (PyTorch).")
    return None


def _gradient_source(spec: OptimizeProblem) -> Any:
    if spec.gradients is not None:
        return lambda t, p: spec.gradients[t]
    from dlsolve.solvers.gd import evaluate, gradient

    _, funcs = gradient(spec.function, spec.variables)
    return lambda t, p: evaluate(funcs, p)


def run(name: str, h: dict[str, Any], spec: OptimizeProblem,
        places: int | None = None) -> tuple[list, list, Optimizer]:
    """The optimizer's steps from the spec's start (and start state).

    With ``places`` the carried values (parameters, state, every gradient) are rounded to that
    many decimals after each step, as a table worked by hand is; one step's intermediate
    values are not.
    """
    opt = Optimizer(name, h, len(spec.params), spec.state, spec.step)
    grad = _gradient_source(spec)
    rnd = _rounder(places)
    history, details = [rnd(spec.params)], []
    for t in range(spec.steps):
        g = grad(t, history[-1])
        if g is None or not all(map(math.isfinite, g)):
            break
        p, d = opt.step(history[-1], rnd(g))
        if not all(map(math.isfinite, p)):
            break
        if places is not None:
            p = rnd(p)
            for key in opt.state:
                opt.state[key] = rnd(opt.state[key])
                for i, di in enumerate(d):
                    di[key] = opt.state[key][i]
            for i, di in enumerate(d):
                di["new"] = p[i]
        history.append(p)
        details.append(d)
    return history, details, opt


def _rounder(places: int | None) -> Any:
    if places is None:
        return list
    return lambda xs: [round_decimals(x, places) for x in xs]


def solve(spec: OptimizeProblem) -> Solution:
    if len(spec.optimizers) > 1:
        return compare(spec)
    name, h = spec.optimizers[0]
    where = f"f = {spec.text}" if spec.text else f"{len(spec.gradients or [])} given gradients"
    sol = Solution("optimize", f"{TITLES[name]} on {where}")
    _givens(sol, name, h, spec)
    sol.add(Note(_hyper_note(name, h), detail="full"))
    form = _form_note(name, h)
    if form:
        sol.add(Note(form))
    if spec.function is not None:
        from dlsolve.solvers.gd import gradient
        from dlsolve.symbolic import from_sympy

        grads, _ = gradient(spec.function, spec.variables)
        for v, gexpr in zip(spec.variables, grads):
            sol.add(Step("Gradient (SymPy)", E.Deriv(Sym("f"), Sym(str(v))), from_sympy(gexpr)))
    sol.add(Heading("Update rules"))
    for lhs, rhs in rules(name, h):
        sol.add(Step("", lhs, rhs, detail="brief"))
    history, details, opt = run(name, h, spec, spec.round)
    _stopped(sol, name, history, spec.steps)
    _first_step(sol, name, h, spec, history, details)
    _table(sol, name, h, history, details, spec.step)
    sol.set("final", history[-1])
    sol.set("history", history)
    for key in opt.state:
        sol.set(key, opt.state[key])
    sol.answer = ("final",) + tuple(opt.state)
    if spec.round is not None:
        full = run(name, h, spec)[0]
        _rounded_note(sol, spec.round, history[-1], full[-1])
        sol.set("history_full", full)
        sol.set("final_full", full[-1])
    return sol


SYMBOLS = {"lr": ("eta", "learning rate"), "momentum": ("mu", "momentum"),
           "dampening": ("tau", "dampening"), "weight_decay": ("lambda", "weight decay"),
           "alpha": ("alpha", "smoothing constant"), "eps": ("epsilon", "stability constant"),
           "rho": ("rho", "decay rate"), "beta1": ("beta1", "first-moment decay"),
           "beta2": ("beta2", "second-moment decay"), "lr_decay": ("lr_decay", "lr decay"),
           "initial_accumulator_value": ("s0", "initial accumulator")}
STATE_MEANING = {"velocity": "velocity (momentum buffer)", "accumulator": "sum of squared "
                 "gradients", "square_avg": "running average of g²", "grad_avg": "running "
                 "average of g", "acc_delta": "running average of Δ²", "m": "first moment",
                 "v": "second moment"}


def _givens(sol: Solution, name: str, h: dict[str, Any], spec: OptimizeProblem) -> None:
    """The data of the problem: start, gradients, the hyper-parameters that act, start state."""
    from dlsolve.givens.learning import function_expr

    sol.given("p_0", spec.params, "start parameters")
    if spec.gradients is not None:
        sol.given("g", spec.gradients, "gradient at each step")
    else:
        sol.given("f", function_expr(spec.function), "function (gradients from it)")
        sol.given("steps", spec.steps, "steps")
    for key, value in h.items():
        if key in SYMBOLS and not isinstance(value, bool) and (value or key == "lr"):
            sym, meaning = SYMBOLS[key]
            sol.given(sym, value, meaning)
    for key, value in spec.state.items():
        sol.given(f"{key}_0", value, "start " + STATE_MEANING.get(key, key))
    if spec.step:
        sol.given("t_0", spec.step, "steps already taken")


def _rounded_note(sol: Solution, places: int, rounded: list, full: list) -> None:
    shown = ", ".join(f"{v:.{min(places + 4, 12)}g}" for v in full)
    sol.note(f"Every carried value (parameters, state, gradients) is rounded to {places} "
             f"decimals after each step, as a hand calculation writes them down; at full "
             f"precision the run ends at [{shown}] (history_full, final_full).")


LHS_KEYS = {"p": "new", "m": "m", "m_hat": "m_hat", "v_hat": "v_hat", "s": "accumulator",
            "Delta": "delta", "u": "acc_delta"}


def substitute(node: E.Expr, values: dict[str, float]) -> E.Expr:
    """The same formula with every known symbol replaced by its number."""
    if isinstance(node, E.Sym):
        return Num(values[node.name]) if node.name in values else node
    if isinstance(node, E.Add):
        return E.Add(tuple(substitute(t, values) for t in node.terms))
    if isinstance(node, E.Mul):
        return E.Mul(tuple(substitute(f, values) for f in node.factors), node.juxtapose)
    if isinstance(node, E.Neg):
        return E.Neg(substitute(node.arg, values))
    if isinstance(node, (E.Div, E.Pow)):
        a, b = (node.num, node.den) if isinstance(node, E.Div) else (node.base, node.exp)
        return type(node)(substitute(a, values), substitute(b, values))
    if isinstance(node, E.Bracket):
        return E.Bracket(node.kind, substitute(node.arg, values))
    return node


def _first_step(sol: Solution, name: str, h: dict[str, Any], spec: OptimizeProblem,
                history: list, details: list) -> None:
    if not details:
        return
    t = spec.step + 1
    sol.add(Heading(f"Step 1, worked (t = {t})"))
    hyper = {"eta": h["lr"], "mu": h.get("momentum", 0.0), "tau": h.get("dampening", 0.0),
             "alpha": h.get("alpha", 0.0), "epsilon": h.get("eps", 0.0), "rho": h.get("rho", 0.0),
             "beta1": h.get("beta1", 0.0), "beta2": h.get("beta2", 0.0), "t": t,
             "lambda": h.get("weight_decay", 0.0)}
    v_key = {"rmsprop": "square_avg", "adadelta": "square_avg", "adam": "v",
             "adamw": "v"}.get(name, "velocity")
    for i, d in enumerate(details[0]):
        start = {k: vs[i] for k, vs in spec.state.items()}
        values = dict(hyper, g=d.get("g_decayed", d["g"]), p=history[0][i],
                      s=start.get("accumulator", h.get("initial_accumulator_value", 0.0)),
                      v=start.get(v_key, 0.0), m=start.get("m", 0.0),
                      u=start.get("acc_delta", 0.0))
        if "lr_t" in d:
            values["eta_t"] = d["lr_t"]
        if name == "adamw":
            values["p"] = d.get("decayed", values["p"])
        sol.add(Step(f"Parameter {i + 1}: p = {history[0][i]:g}, g = {d['g']:g}"))
        for lhs, rhs in rules(name, h):
            key = v_key if lhs.name == "v" else LHS_KEYS.get(lhs.name, lhs.name)
            if lhs.name == "p" and name == "adamw" and rhs == rules(name, h)[0][1]:
                key = "decayed"
                values["p"] = history[0][i]
            value = d.get(key)
            sol.add(Step("", lhs, rhs, substitute(rhs, values), value=value,
                         key="history" if key == "new" else None))
            if value is not None:
                values[lhs.name] = value


def _table(sol: Solution, name: str, h: dict[str, Any], history: list, details: list,
           start: int = 0) -> None:
    keys = [k for k in ("g", "g_decayed", "velocity", "accumulator", "square_avg", "grad_avg",
                        "delta", "acc_delta", "m", "v", "m_hat", "v_hat") if details and
            k in details[0][0]]
    rows = []
    for t, (step_details, p) in enumerate(zip(details, history[1:]), start + 1):
        for i, d in enumerate(step_details):
            rows.append((t if i == 0 else "", i + 1) + tuple(d[k] for k in keys) + (p[i],))
    n = len(history[0])
    if len(rows) > (HEAD + TAIL) * n:
        rows = rows[:HEAD * n] + [("…",) + ("",) * (len(keys) + 2)] + rows[-TAIL * n:]
    sol.add(Heading("Every step"), TableStep("", ("step", "param") + tuple(keys) + ("new p",),
                                             tuple(rows)))
    sol.add(Step("After the last step", Sym("p"), value=history[-1], key="final"))


def _value(f: Any, point: list[float]) -> float:
    """f at a point; inf where it overflows double precision."""
    try:
        return float(f(*point))
    except (OverflowError, ValueError, ZeroDivisionError):
        return float("inf")


def _stopped(sol: Solution, name: str, history: list, steps: int) -> None:
    if len(history) < steps + 1:
        sol.note(f"{TITLES[name]} stopped after {len(history) - 1} of {steps} steps: the "
                 f"gradient or the parameters left double precision (they ran away).")


def compare(spec: OptimizeProblem) -> Solution:
    names = [n for n, _ in spec.optimizers]
    sol = Solution("optimize", "Optimizers compared: " + ", ".join(TITLES[n] for n in names),
                   answer=("final",))
    runs = {}
    for name, h in spec.optimizers:
        sol.add(Note(_hyper_note(name, h), detail="full"))
        runs[name] = run(name, h, spec)[0]
        _stopped(sol, name, runs[name], spec.steps)
    steps = max(len(r) for r in runs.values())
    rows = [tuple([t] + [runs[n][t] if t < len(runs[n]) else "" for n in names])
            for t in range(steps)]
    if len(rows) > HEAD + TAIL:
        rows = rows[:HEAD] + [("…",) + ("",) * len(names)] + rows[-TAIL:]
    sol.add(Heading("Side by side"), TableStep("", ("step",) + tuple(TITLES[n] for n in names),
                                               tuple(rows)))
    if spec.function is not None:
        import sympy as sp

        f = sp.lambdify(spec.variables, spec.function, "math")
        values = {n: _value(f, runs[n][-1]) for n in names}
        best = min(values, key=lambda n: values[n] if math.isfinite(values[n]) else math.inf)
        lowest = (f"Lowest: {TITLES[best]}." if math.isfinite(values[best]) else
                  "All of them ran away.")
        sol.add(Note("Final f: " + ", ".join(f"{TITLES[n]} {values[n]:.6g}" for n in names)
                     + f". {lowest}", "conclusion"))
    sol.set("final", {n: runs[n][-1] for n in names})
    sol.set("history", {n: runs[n] for n in names})
    return sol

