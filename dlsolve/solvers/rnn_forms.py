"""How the recurrent derivations write their quantities: symbols, vectors, per-unit sums.

A vector of one unit is written as a number; larger ones as [a, b, ...] (elided beyond a few
units). Products of vectors are elementwise (⊙), said once in the derivation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.vec import Mat, Vec

MAX_UNITS = 4    # units written out in a per-unit vector
MAX_TERMS = 8    # terms of one weighted sum


def param(k: str, part: str) -> Sym:
    """W_i, U_i, b_i, bu_i for a gate (W, U, b, bu for the plain cell; W_y, b_y output)."""
    if k == "output":
        return Sym(f"{part}_y")
    return Sym(part if k == "rnn" else f"{part}_{k}")


def at(name: str, t: int | str) -> Sym:
    return Sym(f"{name}_{t}")


def scalar(v: Vec | Mat) -> float | None:
    """The one number of a 1-vector or 1×1 matrix (None for larger ones)."""
    if isinstance(v, Mat):
        return float(v[0][0]) if len(v) == 1 and len(v[0]) == 1 else None
    return float(v[0]) if len(v) == 1 else None


def shown(v: Vec | Mat) -> Any:
    """A vector as a value: a number for one unit, else a list (a matrix stays a matrix)."""
    one = scalar(v)
    return one if one is not None else v.tolist()


def num(v: Vec | Mat) -> E.Expr:
    """A vector (or matrix) written with its numbers."""
    one = scalar(v)
    if one is not None:
        return Num(one)
    if isinstance(v, Mat):
        return E.Matrix(tuple(tuple(Num(float(c)) for c in row) for row in v))
    return E.Seq(tuple(E.elide([Num(float(x)) for x in v], MAX_UNITS, "units")), "[]")


def units(H: int, fn: Callable[[int], E.Expr]) -> E.Expr:
    """fn(j) for every unit j: the expression itself for one unit, else [fn(0), fn(1), ...]."""
    if H == 1:
        return fn(0)
    js = list(range(H)) if H <= MAX_UNITS else list(range(MAX_UNITS - 1)) + [H - 1]
    items = [fn(j) for j in js]
    if H > MAX_UNITS:
        items.insert(MAX_UNITS - 1, E.Elided(H - MAX_UNITS, "units"))
    return E.Seq(tuple(items), "[]")


def nj(v: Vec, j: int) -> Num:
    """Unit j of a vector, as a number."""
    return Num(float(v[j]))


def dot_terms(row: Vec, v: Vec) -> list[E.Expr]:
    """w1·v1 + w2·v2 + ... as terms (numbers)."""
    return [E.Mul((Num(float(w)), Num(float(x)))) for w, x in zip(row, v)]


def add(terms: list[E.Expr]) -> E.Expr:
    terms = E.elide(terms, MAX_TERMS)
    return terms[0] if len(terms) == 1 else E.Add(tuple(terms))


def fn(name: str, arg: E.Expr) -> E.Expr:
    return E.Call(name, (arg,))


def act_name(kind: str) -> str:
    return {"sigmoid": "sigma", "tanh": "tanh", "relu": "relu"}[kind]


def dL(x: E.Expr, of: str = "L") -> E.Deriv:
    return E.Deriv(Sym(of), x)


def delta(k: str, t: int | str) -> Sym:
    return Sym(f"delta_{t}" if k == "rnn" else f"delta_{k},{t}")


def T_(x: E.Expr) -> E.Expr:
    return E.Pow(x, Sym("T"))
