"""Symbolic derivatives of activations with SymPy, written the way exams prove them."""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Call, Num, Sym
from dlsolve.kernels.activations import SELU_ALPHA, SELU_SCALE
from dlsolve.spec.common import ActivationSpec
from dlsolve.steps import Heading, Note, Step
from dlsolve.symbolic import from_sympy, rational

x = sp.Symbol("x", real=True)


def sympy_form(name: str, p: dict[str, float]) -> Any:
    """The activation ``name`` as a SymPy expression in x."""
    a = rational(p.get("alpha", 0))
    b = rational(p.get("beta", 1))
    lam = rational(p.get("lambda", 0.5))
    pw = sp.Piecewise
    soft = sp.log(1 + sp.exp(x))
    forms = {
        "linear": lambda: x,
        "step": lambda: pw((1, x >= 0), (0, True)),
        "sigmoid": lambda: 1 / (1 + sp.exp(-x)),
        "tanh": lambda: sp.tanh(x),
        "relu": lambda: pw((x, x > 0), (0, True)),
        "relu6": lambda: pw((0, x <= 0), (x, x < 6), (6, True)),
        "leaky_relu": lambda: pw((x, x > 0), (a * x, True)),
        "prelu": lambda: pw((x, x > 0), (a * x, True)),
        "elu": lambda: pw((x, x > 0), (a * (sp.exp(x) - 1), True)),
        "selu": lambda: sp.Float(SELU_SCALE) * pw((x, x > 0),
                                                   (sp.Float(SELU_ALPHA) * (sp.exp(x) - 1), True)),
        "celu": lambda: pw((x, x > 0), (a * (sp.exp(x / a) - 1), True)),
        "gelu": lambda: x / 2 * (1 + sp.erf(x / sp.sqrt(2))),
        "gelu_tanh": lambda: x / 2 * (1 + sp.tanh(sp.sqrt(2 / sp.pi) *
                                                  (x + sp.Rational("0.044715") * x**3))),
        "silu": lambda: x / (1 + sp.exp(-b * x)),
        "mish": lambda: x * sp.tanh(soft),
        "softplus": lambda: sp.log(1 + sp.exp(b * x)) / b,
        "softsign": lambda: x / (1 + sp.Abs(x)),
        "hardtanh": lambda: pw((rational(p["min"]), x <= p["min"]), (x, x < p["max"]),
                               (rational(p["max"]), True)),
        "hardsigmoid": lambda: pw((0, x <= -3), (x / 6 + sp.Rational(1, 2), x < 3), (1, True)),
        "hardswish": lambda: pw((0, x <= -3), (x * (x + 3) / 6, x < 3), (x, True)),
        "logsigmoid": lambda: sp.log(1 / (1 + sp.exp(-x))),
        "tanhshrink": lambda: x - sp.tanh(x),
        "softshrink": lambda: pw((x - lam, x > lam), (x + lam, x < -lam), (0, True)),
        "hardshrink": lambda: pw((x, x > lam), (x, x < -lam), (0, True)),
        "sinc": lambda: sp.sin(sp.pi * x) / (sp.pi * x),
        "exponential": lambda: sp.exp(x),
    }
    return forms[name]()


def derive(act: ActivationSpec, points: list[float], derivs: list[float]) -> list[Any]:
    """Steps deriving f'(x) with SymPy, then checking it at the given points."""
    name, p = act.fn.name, act.params
    f = sympy_form(name, p)
    d = sp.diff(f, x)
    fx, dfx = Call(act.fn.fname, (Sym("x"),)), Call(act.fn.fname + "'", (Sym("x"),))
    steps: list[Any] = [Heading("Symbolic derivation (SymPy)")]
    proof = PROOFS.get(name)
    if proof:
        steps += proof()
    else:
        steps.append(Step("Definition", fx, from_sympy(f)))
        steps.append(Step("Differentiate (SymPy)", dfx, from_sympy(d)))
    steps += _check(act, d, points, derivs)
    steps.append(Note(f"Range of {act.fn.title}: {act.fn.range(p)}", "conclusion"))
    return steps


def _check(act: ActivationSpec, d: Any, points: list[float], derivs: list[float]) -> list[Any]:
    sides = act.fn.sides(act.params)
    worst, checked = 0.0, 0
    for xv, dv in zip(points, derivs):
        if xv in sides or (act.fn.name == "sinc" and xv == 0):
            continue
        if act.fn.name == "softplus" and act.params["beta"] * xv > 20:
            continue
        value = complex(sp.N(d.subs(x, rational(xv)), 30))
        if not math.isfinite(value.real):
            continue
        worst = max(worst, abs(value.real - dv))
        checked += 1
    if not checked:
        return []
    if worst > 1e-9 * max(1.0, max(abs(v) for v in derivs)):
        return [Note(f"SymPy's derivative disagrees with the computed values by {worst:.3g}",
                     "warning")]
    return [Note(f"SymPy's f'(x) agrees with the values above at {checked} point(s) "
                 f"(largest difference {worst:.1e}).", "conclusion")]


def _is_zero(difference: Any) -> bool:
    """Whether a difference of two forms simplifies to 0: ``cancel`` (a rational function of
    e^-x or tanh x) settles these identities; ``simplify`` only when it does not, since its
    first call imports sympy.physics.units (about 0.15 s)."""
    return sp.cancel(difference) == 0 or sp.simplify(difference) == 0


def _sigmoid_proof() -> list[Any]:
    X, one = Sym("x"), Num(1)
    u = one + E.exp(-X)
    s, ds = Call("sigma", (X,)), Call("sigma'", (X,))
    return [
        Step("Definition", s, one / u, E.Pow(E.Bracket("paren", u), Num(-1))),
        Step("Chain rule: d/dx (u^-1) = -u^-2 · du/dx, with du/dx = -e^(-x)", ds,
             E.Neg(E.Pow(E.Bracket("paren", u), Num(-2))) * E.Bracket("paren", -E.exp(-X)),
             E.exp(-X) / E.Pow(E.Bracket("paren", u), Num(2))),
        Step("Split the fraction", ds, (one / u) * (E.exp(-X) / u),
             (one / u) * ((u - one) / u)),
        Step("Recognise σ(x) and 1 - σ(x)", ds, (one / u) * (one - one / u),
             E.Mul((s, E.Bracket("paren", one - s)), True)),
        Note("SymPy confirms: simplify(d/dx σ(x) - σ(x)(1 - σ(x))) = 0 "
             + ("✓" if _is_zero(sp.diff(1 / (1 + sp.exp(-x)), x)
                                - (1 / (1 + sp.exp(-x))) * (1 - 1 / (1 + sp.exp(-x))))
                else "✗"), "conclusion"),
    ]


def _tanh_proof() -> list[Any]:
    X, one = Sym("x"), Num(1)
    t, dt = Call("tanh", (X,)), Call("tanh'", (X,))
    sinh, cosh = Call("sinh", (X,)), Call("cosh", (X,))
    ok = _is_zero(sp.diff(sp.tanh(x), x) - (1 - sp.tanh(x) ** 2))
    return [
        Step("Definition", t, sinh / cosh, (E.exp(X) - E.exp(-X)) / (E.exp(X) + E.exp(-X))),
        Step("Quotient rule (sinh' = cosh, cosh' = sinh)", dt,
             (cosh * cosh - sinh * sinh) / cosh ** Num(2),
             one - sinh ** Num(2) / cosh ** Num(2)),
        Step("Recognise tanh", dt, one - t ** Num(2)),
        Note("SymPy confirms: simplify(d/dx tanh(x) - (1 - tanh²(x))) = 0 " +
             ("✓" if ok else "✗"), "conclusion"),
    ]


PROOFS = {"sigmoid": _sigmoid_proof, "tanh": _tanh_proof}
