"""SymPy's corner of dlsolve: everything here imports SymPy, so import it only when needed.

``from_sympy`` turns a SymPy expression into our formula tree, so renderers never touch
SymPy objects and ``--digits`` applies to symbolic output too.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from dlsolve import expr as E

_FUNC_NAMES = {"log": "ln", "Heaviside": "H", "exp": "exp"}
_REL = {"==": "=", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "!=": "!="}


def from_sympy(e: Any) -> E.Expr:
    """Convert a SymPy expression to a formula tree (unevaluated, as SymPy holds it)."""
    if isinstance(e, bool) or e is sp.true or e is sp.false:
        return E.Text(str(bool(e)).lower())
    if e.is_Integer:
        return E.Num(int(e))
    if e.is_Rational:
        frac = E.Div(E.Num(abs(int(e.p))), E.Num(int(e.q)))
        return E.Neg(frac) if e < 0 else frac
    if e.is_Float:
        return E.Num(float(e))
    if e is sp.E:
        return E.Sym("e")
    if e is sp.pi:
        return E.Sym("pi")
    if e in (sp.oo, -sp.oo):
        return E.Sym("inf") if e == sp.oo else E.Neg(E.Sym("inf"))
    if e.is_Symbol:
        return E.Sym(e.name)
    if e.is_Relational:
        return E.Relation(from_sympy(e.lhs), _REL.get(e.rel_op, e.rel_op), from_sympy(e.rhs))
    if e.is_Add:
        return _add(e)
    if e.is_Mul:
        return _mul(e)
    if e.is_Pow:
        return _pow(e)
    return _function(e)


def _add(e: Any) -> E.Expr:
    terms = []
    for t in e.as_ordered_terms():
        terms.append(E.Neg(from_sympy(-t)) if t.could_extract_minus_sign() else from_sympy(t))
    return E.Add(tuple(terms))


def _mul(e: Any) -> E.Expr:
    if e.could_extract_minus_sign():
        return E.Neg(from_sympy(-e))
    num, den = sp.fraction(e, exact=True)
    if den != 1:
        return E.Div(from_sympy(num), from_sympy(den))
    factors = e.as_ordered_factors()
    return E.Mul(tuple(from_sympy(f) for f in factors))


def _pow(e: Any) -> E.Expr:
    base, ex = e.as_base_exp()
    if ex == sp.Rational(1, 2):
        return E.Bracket("sqrt", from_sympy(base))
    if ex.is_Rational and ex < 0:
        return E.Div(E.Num(1), from_sympy(base ** (-ex)))
    if base is sp.E:
        return E.Pow(E.Sym("e"), from_sympy(ex))
    return E.Pow(from_sympy(base), from_sympy(ex))


def _function(e: Any) -> E.Expr:
    if isinstance(e, sp.exp):
        return E.Pow(E.Sym("e"), from_sympy(e.args[0]))
    if isinstance(e, sp.Abs):
        return E.Bracket("abs", from_sympy(e.args[0]))
    if isinstance(e, sp.floor):
        return E.Bracket("floor", from_sympy(e.args[0]))
    if isinstance(e, sp.ceiling):
        return E.Bracket("ceil", from_sympy(e.args[0]))
    if isinstance(e, sp.Piecewise):
        cases = tuple((from_sympy(v), None if c is sp.true else from_sympy(c)) for v, c in e.args)
        return E.Cases(cases)
    if isinstance(e, sp.Derivative):
        inner = from_sympy(e.expr)
        return E.Mul((E.Deriv(E.Sym(""), from_sympy(e.variables[0]), False), inner), True)
    if e.is_Function:
        name = type(e).__name__
        return E.Call(_FUNC_NAMES.get(name, name), tuple(from_sympy(a) for a in e.args))
    if isinstance(e, (sp.And, sp.Or)):
        return E.Text(str(e))
    return E.Text(str(e))


def rational(x: float) -> Any:
    """A SymPy Rational from the decimal a user wrote (0.1 -> 1/10, never binary noise)."""
    return sp.Rational(repr(float(x))) if not float(x).is_integer() else sp.Integer(int(x))
