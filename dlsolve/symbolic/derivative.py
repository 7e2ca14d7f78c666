"""A derivative worked the way an answer writes it: sum, constant-factor, product, quotient,
power and chain rules named, each with its parts, outside in.

``explain(f, x)`` returns f′ (a SymPy expression, as the rules build it) and the steps that
build it. The chain rule reads "outer′(inner) × inner′" (d/dx sin(3x) = cos(3x)·3), the
product rule "u′v + uv′", the quotient rule "(u′v − uv′)/v²". Anything the rules do not
cover (|x|, max, piecewise) is SymPy's derivative, said.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.expr import Sym
from dlsolve.steps import Step
from dlsolve.symbolic import from_sympy

U = sp.Symbol("u", real=True)


class Explainer:
    """Collects the steps of one derivative with respect to ``x``."""

    def __init__(self, x: Any, partial: bool = False, forget_inner: bool = False):
        self.x, self.partial, self.steps = x, partial, []
        self.forget_inner = forget_inner  # the classic slip: outer′(inner) without × inner′

    def d(self, node: E.Expr) -> E.Expr:
        """d/dx(node) as printed (∂/∂x for a partial derivative)."""
        op = E.Deriv(Sym(""), Sym(str(self.x)), self.partial)
        return E.Mul((op, E.Bracket("paren", node)), True)

    def explain(self, f: Any) -> Any:
        """f′, with the steps that derive it appended to ``self.steps``."""
        x = self.x
        if not f.has(x):
            return sp.Integer(0)
        if f == x:
            return sp.Integer(1)
        if f.is_Add:
            return self._sum(f)
        if f.is_Mul:
            return self._product(f)
        if f.is_Pow:
            return self._power(f)
        if f.is_Function and len(f.args) == 1 and not isinstance(f, (sp.Abs,)):
            return self._chain(f)
        return self._sympy(f)

    def _step(self, title: str, f: Any, formula: E.Expr | None, value: Any,
              substituted: E.Expr | None = None) -> Any:
        self.steps.append(Step(title, self.d(from_sympy(f)), formula, substituted,
                               from_sympy(value), approx=False))
        return value

    def _sum(self, f: Any) -> Any:
        terms = f.as_ordered_terms()
        parts = [self.explain(t) for t in terms]
        value = sp.Add(*parts)
        symbols = E.Add(tuple(self.d(from_sympy(t)) for t in terms))
        return self._step("Sum rule: differentiate term by term", f, symbols, value,
                          _sum_of(parts))

    def _product(self, f: Any) -> Any:
        const, rest = f.as_independent(self.x, as_Add=False)
        if const != 1:
            inner = self.explain(rest)
            return self._step("Constant factor: it stays, the rest is differentiated", f,
                              E.Mul((from_sympy(const), self.d(from_sympy(rest)))),
                              const * inner, _times(const, inner))
        num, den = sp.fraction(f)
        if den.has(self.x) and num.has(self.x):
            return self._quotient(f, num, den)
        factors = f.as_ordered_factors()
        u, v = factors[0], sp.Mul(*factors[1:])
        self._parts("Product rule (uv)′ = u′v + uv′, with", u, v)
        du, dv = self.explain(u), self.explain(v)
        value = du * v + u * dv
        return self._step("Product rule: u′v + uv′", f, _uv(), value,
                          E.Add((_times(du, v), _times(u, dv))))

    def _quotient(self, f: Any, u: Any, v: Any) -> Any:
        self._parts("Quotient rule (u/v)′ = (u′v − uv′)/v², with", u, v)
        du, dv = self.explain(u), self.explain(v)
        value = (du * v - u * dv) / v**2
        subst = E.Div(E.Bracket("paren", E.Add((_times(du, v), E.Neg(_times(u, dv))))),
                      E.Pow(E.Bracket("paren", from_sympy(v)), E.Num(2)))
        return self._step("Quotient rule: (u′v − uv′)/v²", f, _quotient_symbols(), value, subst)

    def _power(self, f: Any) -> Any:
        base, ex = f.as_base_exp()
        if not ex.has(self.x):
            outer = ex * base ** (ex - 1)
            if base == self.x:
                return self._step("Power rule: (x^n)′ = n·x^(n−1)", f, None, outer,
                                  _times(ex, base ** (ex - 1)))
            return self._chain_of(f, ex * U ** (ex - 1), base, "power rule")
        if not base.has(self.x):
            outer = f * sp.log(base)
            if ex == self.x:
                return self._step("Exponential rule: (a^x)′ = a^x·ln a", f, None, outer)
            return self._chain_of(f, base ** U * sp.log(base), ex, "exponential")
        return self._sympy(f, "f^g = e^(g·ln f), differentiated by SymPy")

    def _chain(self, f: Any) -> Any:
        inner = f.args[0]
        outer = sp.diff(f.func(U), U)
        if inner == self.x:
            return self._step(f"Derivative of {f.func.__name__}", f, None, outer.subs(U, inner))
        return self._chain_of(f, outer, inner, f.func.__name__)

    def _chain_of(self, f: Any, outer: Any, inner: Any, name: str) -> Any:
        """outer′(inner) × inner′, with the inner derivative worked first."""
        self.steps.append(Step(f"Chain rule ({name} outside): f(u)′ = f′(u)·u′, with inner",
                               Sym("u"), from_sympy(inner), approx=False))
        d_inner = sp.Integer(1) if self.forget_inner else self.explain(inner)
        at = outer.subs(U, inner)
        symbols = E.Mul((from_sympy(outer), self.d(Sym("u"))))
        return self._step("Chain rule: outer′(inner) × inner′", f, symbols, at * d_inner,
                          _times(at, d_inner))

    def _parts(self, title: str, u: Any, v: Any) -> None:
        self.steps += [Step(title, Sym("u"), from_sympy(u), approx=False),
                       Step("", Sym("v"), from_sympy(v), approx=False)]

    def _sympy(self, f: Any, why: str = "no rule of the list applies") -> Any:
        value = sp.diff(f, self.x)
        return self._step(f"SymPy's derivative ({why})", f, None, value)


def _times(a: Any, b: Any) -> E.Expr:
    """a·b as written, unevaluated (every factor shown, 1 included)."""
    return E.Mul((_factor(a), _factor(b)))


def _factor(a: Any) -> E.Expr:
    node = from_sympy(a)
    return E.Bracket("paren", node) if isinstance(node, (E.Add, E.Neg)) else node


def _sum_of(parts: list[Any]) -> E.Expr:
    return E.Add(tuple(from_sympy(p) for p in parts))


def _uv() -> E.Expr:
    return E.Add((E.Mul((Sym("u'"), Sym("v"))), E.Mul((Sym("u"), Sym("v'")))))


def _quotient_symbols() -> E.Expr:
    top = E.Add((E.Mul((Sym("u'"), Sym("v"))), E.Neg(E.Mul((Sym("u"), Sym("v'"))))))
    return E.Div(E.Bracket("paren", top), E.Pow(Sym("v"), E.Num(2)))
