"""Identities proved step by step (SymPy checks every claim), or refuted with a counterexample.

Named proofs follow the seeds (003, 004 Q1): sigma' = sigma(1 - sigma), sigma(-z) = 1 - sigma(z),
logit is sigma's inverse, tanh = 2 sigma(2x) - 1, tanh' = 1 - tanh², the softmax Jacobian, and
the two gradients that make output layers simple: softmax + cross-entropy and sigmoid + BCE.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Call, Deriv, Num, Sym
from dlsolve.steps import Heading, Note, Solution, Step
from dlsolve.symbolic import from_sympy
from dlsolve.symbolic.activation import _sigmoid_proof, _tanh_proof
from dlsolve.symbolic.parse import parse

z, x, p = Sym("z"), Sym("x"), Sym("p")
ONE = Num(1)


def s(arg: E.Expr) -> E.Expr:
    return Call("sigma", (arg,))


def _symmetry() -> list[Any]:
    u = ONE + E.exp(-z)
    return [Step("Definition at -z", s(-z), ONE / (ONE + E.exp(z))),
            Step("Multiply top and bottom by e^(-z)", s(-z), E.exp(-z) / (E.exp(-z) + ONE)),
            Step("Add and subtract 1 on top", s(-z), (u - ONE) / u, ONE - ONE / u,
                 more=(ONE - s(z),))]


def _logit() -> list[Any]:
    logit = Call("logit", (p,))
    return [Step("Definition", logit, Call("ln", (p / (ONE - p),))),
            Step("σ undoes logit", s(logit), ONE / (ONE + E.exp(-Call("ln", (p / (ONE - p),)))),
                 ONE / (ONE + (ONE - p) / p), p / (p + ONE - p), more=(p,)),
            Step("logit undoes σ", Call("logit", (s(z),)), Call("ln", (s(z) / (ONE - s(z)),)),
                 Call("ln", ((ONE / (ONE + E.exp(-z))) / (E.exp(-z) / (ONE + E.exp(-z))),)),
                 Call("ln", (E.exp(z),)), more=(z,))]


def _tanh_sigmoid() -> list[Any]:
    e2 = E.exp(-Num(2) * x)
    return [Step("Expand σ(2x)", Num(2) * s(Num(2) * x) - ONE, Num(2) / (ONE + e2) - ONE,
                 (Num(2) - ONE - e2) / (ONE + e2), (ONE - e2) / (ONE + e2)),
            Step("Multiply top and bottom by e^x", Num(2) * s(Num(2) * x) - ONE,
                 (E.exp(x) - E.exp(-x)) / (E.exp(x) + E.exp(-x)), Call("tanh", (x,)))]


def _softmax_jacobian() -> list[Any]:
    pi, pj, S = Sym("p_i"), Sym("p_j"), Sym("S")
    ei, ej = E.exp(Sym("z_i")), E.exp(Sym("z_j"))
    d = Deriv(pi, Sym("z_j"))
    return [Step("Definition, with S = Σ_k e^(z_k)", pi, ei / S),
            Step("Quotient rule, i = j (∂S/∂z_i = e^(z_i))", Deriv(pi, Sym("z_i")),
                 (ei * S - ei * ei) / S ** Num(2), pi - pi ** Num(2),
                 more=(E.Mul((pi, E.Bracket("paren", ONE - pi)), True),)),
            Step("Quotient rule, i ≠ j (e^(z_i) does not depend on z_j)", d,
                 -(ei * ej) / S ** Num(2), -(pi * pj)),
            Step("Both cases at once (δ_ij = 1 if i = j, else 0)", d,
                 E.Mul((pi, E.Bracket("paren", Sym("delta_ij") - pj)), True))]


def _softmax_ce() -> list[Any]:
    L, pk, yk = Sym("L"), Sym("p_k"), Sym("y_k")
    return [Step("Cross-entropy of softmax outputs", L, -E.Sum("k", yk * Call("ln", (pk,)))),
            Step("Chain rule through every p_k", Deriv(L, Sym("z_j")),
                 -E.Sum("k", yk / pk * Deriv(pk, Sym("z_j"))),
                 -E.Sum("k", yk / pk * E.Mul((pk, E.Bracket("paren", Sym("delta_kj") - Sym("p_j"))),
                                             True))),
            Step("Cancel p_k; the δ picks k = j", Deriv(L, Sym("z_j")),
                 -Sym("y_j") + Sym("p_j") * E.Sum("k", yk), Sym("p_j") - Sym("y_j"),
                 note="Σ_k y_k = 1 for a one-hot (or any probability) target")]


def _sigmoid_bce() -> list[Any]:
    L, yh, y = Sym("L"), Sym("y_hat"), Sym("y")
    return [Step("Binary cross-entropy with ŷ = σ(z)", L, -(y * Call("ln", (yh,)) + E.Bracket(
                "paren", ONE - y) * Call("ln", (ONE - yh,)))),
            Step("Derivative with respect to ŷ", Deriv(L, yh), -(y / yh) + (ONE - y) / (ONE - yh),
                 (yh - y) / E.Mul((yh, E.Bracket("paren", ONE - yh)), True)),
            Step("Times σ'(z) = ŷ(1 - ŷ)", Deriv(L, Sym("z")),
                 (yh - y) / E.Mul((yh, E.Bracket("paren", ONE - yh)), True) *
                 E.Mul((yh, E.Bracket("paren", ONE - yh)), True), yh - y)]


def _check_symmetry() -> bool:
    t = sp.Symbol("z", real=True)
    return sp.simplify(_sig(-t) - (1 - _sig(t))) == 0


def _check_logit() -> bool:
    q, t = sp.Symbol("p", positive=True), sp.Symbol("z", real=True)
    sig = 1 / (1 + sp.exp(-sp.log(q / (1 - q))))
    return sp.simplify(sig - q) == 0 and sp.simplify(sp.log((1 / (1 + sp.exp(-t))) /
                                                            (1 - 1 / (1 + sp.exp(-t)))) - t) == 0


def _check_tanh_sigmoid() -> bool:
    t = sp.Symbol("x", real=True)
    return sp.simplify((2 / (1 + sp.exp(-2 * t)) - 1 - sp.tanh(t)).rewrite(sp.exp)) == 0


def _check_softmax(ce: bool) -> bool:
    zs = sp.symbols("z1:4", real=True)
    ys = sp.symbols("y1:4", real=True)
    S = sum(sp.exp(v) for v in zs)
    ps = [sp.exp(v) / S for v in zs]
    if not ce:
        return all(sp.simplify(sp.diff(ps[i], zs[j]) - ps[i] * (int(i == j) - ps[j])) == 0
                   for i in range(3) for j in range(3))
    loss = -sum(y * sp.log(q) for y, q in zip(ys, ps))
    return all(sp.simplify(sp.diff(loss, zs[j]) - (ps[j] * sum(ys) - ys[j])) == 0
               for j in range(3))


def _check_bce() -> bool:
    t, y = sp.symbols("z y", real=True)
    yh = 1 / (1 + sp.exp(-t))
    return sp.simplify(sp.diff(-(y * sp.log(yh) + (1 - y) * sp.log(1 - yh)), t) - (yh - y)) == 0


def _check_derivative(f: Callable[[Any], Any], df: Callable[[Any], Any]) -> bool:
    t = sp.Symbol("z", real=True)
    return sp.simplify(sp.diff(f(t), t) - df(t)) == 0


def _sig(a: Any) -> Any:
    return 1 / (1 + sp.exp(-a))


NAMED: dict[str, tuple[str, str, Callable[[], list], Callable[[], bool]]] = {
    "sigmoid-derivative": ("σ'(z) = σ(z)(1 - σ(z))",
                           "diff(sigmoid(z), z) = sigmoid(z)*(1 - sigmoid(z))", _sigmoid_proof,
                           lambda: _check_derivative(_sig, lambda t: _sig(t) * (1 - _sig(t)))),
    "sigmoid-symmetry": ("σ(-z) = 1 - σ(z)", "sigmoid(-z) = 1 - sigmoid(z)", _symmetry,
                         _check_symmetry),
    "logit-inverse": ("logit is the inverse of σ", "sigmoid(logit(p)) = p", _logit,
                      _check_logit),
    "tanh-sigmoid": ("tanh(x) = 2σ(2x) - 1", "tanh(x) = 2*sigmoid(2*x) - 1", _tanh_sigmoid,
                     _check_tanh_sigmoid),
    "tanh-derivative": ("tanh'(x) = 1 - tanh²(x)", "diff(tanh(x), x) = 1 - tanh(x)**2",
                        _tanh_proof,
                        lambda: _check_derivative(sp.tanh, lambda t: 1 - sp.tanh(t) ** 2)),
    "softmax-jacobian": ("∂p_i/∂z_j = p_i(δ_ij - p_j)", "", _softmax_jacobian,
                         lambda: _check_softmax(False)),
    "softmax-ce-gradient": ("∂L/∂z = p - y for softmax with cross-entropy", "", _softmax_ce,
                            lambda: _check_softmax(True)),
    "sigmoid-bce-gradient": ("∂L/∂z = ŷ - y for a sigmoid with binary cross-entropy", "",
                             _sigmoid_bce, _check_bce),
}
EXTRA = {"diff": lambda e, v: sp.diff(e, v)}


def prove(statement: str) -> Solution:
    """Prove a named identity, or a user's ``lhs = rhs`` (true, or false with a counterexample)."""
    key = statement.strip().lower()
    if key in NAMED:
        return _named(key)
    lhs_text, rhs_text = _split(statement)
    lhs, lv = parse(lhs_text, None, EXTRA)
    rhs, rv = parse(rhs_text, None, EXTRA)
    for name, (_, text, _, _) in NAMED.items():
        if text and _same(text, lhs, rhs):
            return _named(name)
    return _general(statement, lhs, rhs, sorted(set(lv) | set(rv), key=str))


def _split(statement: str) -> tuple[str, str]:
    from dlsolve.symbolic.parse import ParseError

    parts = statement.replace("==", "=").split("=")
    if len(parts) != 2:
        raise ParseError("expected an identity 'lhs = rhs' or one of: " + ", ".join(NAMED))
    return parts[0], parts[1]


def _same(text: str, lhs: Any, rhs: Any) -> bool:
    a, b = _split(text)
    la, ra = parse(a, None, EXTRA)[0], parse(b, None, EXTRA)[0]
    return (la == lhs and ra == rhs) or (la == rhs and ra == lhs)


def _named(name: str) -> Solution:
    title, _, steps, check = NAMED[name]
    sol = Solution("prove", f"Proof: {title}", answer=("holds",))
    sol.add(*steps())
    ok = check()
    sol.add(Note("SymPy confirms every step: the two sides simplify to the same expression "
                 + ("✓" if ok else "✗ (check failed)"), "conclusion"))
    sol.set("holds", bool(ok))
    sol.set("identity", name)
    return sol


def _general(statement: str, lhs: Any, rhs: Any, variables: list[Any]) -> Solution:
    sol = Solution("prove", f"Identity: {statement.strip()}", answer=("holds",))
    sol.add(Heading("Both sides, written out (SymPy)"),
            Step("Left side", Sym("LHS"), from_sympy(lhs)),
            Step("Right side", Sym("RHS"), from_sympy(rhs)))
    diff = sp.simplify(lhs - rhs)
    if diff == 0:
        sol.add(Step("Their difference simplifies to zero", Sym("LHS") - Sym("RHS"), None,
                     value=0), Note("The identity holds for every value of " +
                                    ", ".join(map(str, variables)) + ".", "conclusion"))
        sol.set("holds", True)
        sol.set("counterexample", None)
        return sol
    point = _counterexample(lhs, rhs, variables)
    if point is None:
        sol.add(Note("SymPy could not simplify the difference to 0, but the two sides agree at "
                     "40 random points: the identity holds numerically.", "conclusion"))
        sol.set("holds", True)
        sol.set("counterexample", None)
        return sol
    at, lv, rv = point
    where = ", ".join(f"{k} = {v:g}" for k, v in at.items())
    sol.add(Step("Their difference", Sym("LHS") - Sym("RHS"), from_sympy(diff)),
            Step(f"Counterexample at {where}", Sym("LHS") - Sym("RHS"),
                 Num(lv) - Num(rv), value=lv - rv),
            Note(f"The identity does not hold: at {where} the left side is {lv:.6g} and the "
                 f"right side {rv:.6g}.", "conclusion"))
    sol.set("holds", False)
    sol.set("counterexample", {str(k): v for k, v in at.items()})
    return sol


def _counterexample(lhs: Any, rhs: Any, variables: list[Any]) -> tuple | None:
    rng = random.Random(0)
    f = sp.lambdify(variables, lhs - rhs, "math")
    fl, fr = sp.lambdify(variables, lhs, "math"), sp.lambdify(variables, rhs, "math")
    for _ in range(40):
        point = [round(rng.uniform(-2, 2), 2) or 0.5 for _ in variables]
        try:
            d = complex(f(*point))
            a, b = float(fl(*point)), float(fr(*point))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            continue
        if abs(d) > 1e-9 * max(1.0, abs(a), abs(b)):
            return {v: x for v, x in zip(variables, point)}, a, b
    return None
