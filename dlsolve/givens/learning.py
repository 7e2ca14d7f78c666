"""Givens of the learning kinds: a perceptron's truth table and candidates (or network, or
training settings); gradient descent's function, start and rate; an optimizer's parameters,
gradients and hyper-parameters; the identity to prove."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Sym
from dlsolve.steps import Equations, Given, given

HYPER_SYMBOLS = {"lr": "eta", "momentum": "mu", "dampening": "tau", "alpha": "alpha",
                 "rho": "rho", "beta1": "beta1", "beta2": "beta2", "eps": "epsilon",
                 "weight_decay": "lambda", "lr_decay": "lr_decay",
                 "initial_accumulator_value": "G_0"}
HYPER_WORDS = {"lr": "learning rate", "momentum": "momentum", "dampening": "dampening",
               "alpha": "smoothing", "rho": "decay", "beta1": "first-moment decay",
               "beta2": "second-moment decay", "eps": "stabiliser", "weight_decay":
               "weight decay", "lr_decay": "learning-rate decay",
               "initial_accumulator_value": "initial accumulator"}


def perceptron(spec: Any) -> tuple[list[Given], Equations]:
    n = spec.n
    xs = [f"x{i + 1}" for i in range(n)]
    out = []
    if spec.gate:
        out.append(given("gate", E.Text(spec.gate), "target function"))
    if len(spec.table) > 6:  # a long data set: one vector per column, not a tall matrix
        for k, name in enumerate(xs + ["t"]):
            out.append(given(name, [row[k] for row in spec.table], "data set (row by row)"))
    else:
        out.append(given(E.Text("truth table"), [list(row) for row in spec.table],
                         "columns " + ", ".join(xs) + ", target"))
    out.append(given(E.Call("f", (E.Num(0),)), spec.step_at_zero, "step at z = 0"))
    for k, c in enumerate(spec.candidates, 1):
        out.append(given(E.Text(f"candidate {k}"), _unit(c.weights, c.bias), f"candidate {k}"))
    for u in spec.network:
        out.append(given(Sym(u.name), _unit(u.weights, u.bias),
                         "weights on " + ", ".join(u.inputs) + ", bias"))
    if spec.train is not None:
        out += _training(spec.train, n)
    z = E.Add(tuple(E.Mul((Sym(f"w{i + 1}"), Sym(x))) for i, x in enumerate(xs)) + (Sym("b"),))
    return out, Equations("The model", ((Sym("z"), z), (Sym("y"), E.call("step", Sym("z")))))


def _unit(weights: list[float], bias: float) -> E.Expr:
    w = E.Seq(tuple(E.Num(v) for v in weights), "()")
    return E.Seq((E.Relation(Sym("w"), "=", w), E.Relation(Sym("b"), "=", E.Num(bias))), "")


def _training(t: Any, n: int) -> list[Given]:
    out = [given("eta", t.learning_rate, "learning rate"),
           given("w_0", list(t.weights) if t.weights is not None else [0.0] * n,
                 "initial weights"),
           given("b_0", t.bias, "initial bias"),
           given("epochs", t.epochs, "epochs (at most)")]
    if t.rule != "perceptron":
        out.append(given("rule", E.Text(t.rule), "learning rule"))
    return out


def function_expr(fn: Any) -> E.Expr:
    from dlsolve.symbolic import from_sympy

    return from_sympy(fn)


def gd(spec: Any) -> tuple[list[Given], None]:
    start = E.Seq(tuple(Sym(f"{v}_0") for v in spec.variables), "()")
    out = [given("f", function_expr(spec.function), "function"),
           given(start, list(spec.start), "start point"),
           given("eta", spec.learning_rate, "learning rate"),
           given("steps", spec.steps, "iterations")]
    return out, None


def optimize(spec: Any) -> tuple[list[Given], None]:
    out = []
    if len(spec.optimizers) > 1:
        from dlsolve.solvers.optimize import TITLES

        out.append(given(E.Text("compared"), E.Text(", ".join(TITLES.get(n, n) for n, _ in
                                                             spec.optimizers)), "compared"))
    else:
        out.append(given("optimizer", E.Text(spec.optimizers[0][0]), "optimizer"))
    out.append(given("theta_0", list(spec.params), "initial parameters"))
    if spec.gradients is not None:
        out.append(given("g", [list(g) for g in spec.gradients], "gradients (row t: step t)"))
    else:
        out.append(given("f", function_expr(spec.function), "function (gradients from it)"))
        out.append(given("steps", spec.steps, "steps"))
    if len(spec.optimizers) == 1:
        out += _hyper(spec.optimizers[0][1])
    else:
        for name, hyper in spec.optimizers:
            title = TITLES.get(name, name)
            out.append(given(E.Text(title), _acting(hyper), title))
    return out, None


FORMS = {"lr_inside": "v = μv + lr·g, p = p - v", "ema": "v = μv + (1 - μ)g, p = p - lr·v",
         "pytorch": "v = μv + g, p = p - lr·v"}
ZERO_DEFAULTS = ("dampening", "weight_decay", "lr_decay", "initial_accumulator_value",
                 "momentum")


def _hyper(hyper: dict[str, Any]) -> list[Given]:
    """Hyper-parameters in their symbols; options that are off and zero defaults left out."""
    out = []
    for key, value in hyper.items():
        if isinstance(value, bool):
            if value:
                out.append(given(E.Text(key.replace("_", " ")), E.Text("yes"), "option"))
        elif isinstance(value, str):
            out.append(given(E.Text("update form"), E.Text(FORMS.get(value, value)),
                             "update form"))
        elif key in ZERO_DEFAULTS and value == 0:
            continue
        elif key in HYPER_SYMBOLS:
            out.append(given(HYPER_SYMBOLS[key], value, HYPER_WORDS[key]))
    return out


def _acting(hyper: dict[str, Any]) -> E.Expr:
    """One optimizer's hyper-parameters that act, as ``η = 0.1, ε = 1e-10`` (the options that
    are on named in words; zero defaults and options that are off left out)."""
    parts: list[E.Expr] = []
    for g in _hyper(hyper):
        if isinstance(g.value, E.Expr) and not isinstance(g.name, Sym):
            parts.append(E.Text(f"{g.name.text}: {g.value.text}")
                         if isinstance(g.value, E.Text) and g.value.text != "yes"
                         else g.name)
        else:
            parts.append(E.Relation(g.name, "=", E.lift(g.value)))
    return E.Seq(tuple(parts), "")


def prove(spec: Any) -> tuple[list[Given], None]:
    """The identity as written (a named one by its statement), in maths notation."""
    from dlsolve.symbolic.prove import NAMED

    key = spec.identity.strip().lower()
    text = NAMED[key][0] if key in NAMED else spec.identity
    for code, sign in (("**", "^"), ("*", "·"), ("sigmoid", "σ"), ("exp(", "e^(")):
        text = text.replace(code, sign)
    return [given("identity", E.Text(text), "to prove")], None
