"""How each gate is written: its formula, its local gradients, its backward rule.

Every function takes a ``say`` that turns an argument (a node name or a constant) into a
formula node, so the same code writes the symbols (``q·z``) and the numbers put in
(``(3)(-4)``). ``out`` is the gate's own output in the same form (σ(1 - σ) uses it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Expr, Num, Sym
from dlsolve.kernels.graph import Gate

Say = Callable[[Any], Expr]
SMALL = 16  # arrays up to this many entries are written out in full


def value_expr(v: Any) -> Expr | None:
    """A number or small array as a formula node; None for an array too big to write."""
    if isinstance(v, float):
        return Num(v)
    if v.ndim == 0:
        return Num(float(v))
    if v.size > SMALL:
        return None
    if v.ndim == 1:
        return E.Seq(tuple(Num(float(x)) for x in v), "[]")
    return E.Matrix(tuple(tuple(Num(float(x)) for x in row) for row in v))


def shown(v: Any) -> Any:
    """A value for a step: a number, a (small) list or matrix, or None when too big."""
    if isinstance(v, float):
        return v
    return None if v.size > SMALL else v.tolist()


def tree_expr(t: Any) -> Expr:
    """A parsed expression as a formula (``q * z`` -> q·z, ``sigmoid(s)`` -> σ(s)), for the
    givens; written the way the gates write it."""
    from dlsolve.kernels.activations import lookup
    from dlsolve.kernels.graph.parse import Name
    from dlsolve.kernels.graph.parse import Num as PNum

    if isinstance(t, PNum):
        return Num(t.value)
    if isinstance(t, Name):
        return Sym(t.id)
    a = [tree_expr(x) for x in t.args]
    ops: dict[str, Callable[[], Expr]] = {
        "add": lambda: E.Add((a[0], a[1])), "sub": lambda: E.Add((a[0], E.Neg(a[1]))),
        "mul": lambda: E.Mul((a[0], a[1])), "div": lambda: E.Div(a[0], a[1]),
        "pow": lambda: E.Pow(a[0], a[1]), "neg": lambda: E.Neg(a[0]),
        "matmul": lambda: E.Mul((a[0], a[1]))}
    if t.op in ops:
        return ops[t.op]()
    if t.fn == "exp" and len(a) == 1:
        return E.exp(a[0])
    if t.fn in ("abs", "sqrt") and len(a) == 1:
        return E.Bracket(t.fn, a[0])
    act = lookup(t.fn)
    name = act.fname if act is not None else {"log": "ln"}.get(t.fn, t.fn)
    return E.Call(name, tuple(a) + tuple(E.Relation(Sym(k), "=", Num(v)) for k, v in t.kwargs))


def transpose(e: Expr) -> Expr:
    """eᵀ; a derivative is bracketed first, (∂L/∂q)ᵀ, so the T does not read as q's."""
    return E.Pow(E.Bracket("paren", e) if isinstance(e, E.Deriv) else e, Sym("T"))


def fname(g: Gate) -> str:
    act = g.activation
    return act.fname if act is not None else {"log": "ln"}.get(g.fn, g.fn)


def formula(g: Gate, say: Say) -> Expr:
    """The gate's definition: ``x + y``, ``q·z``, ``σ(s)``, ``W·x``, ``max(x, y)``."""
    a = [say(x) for x in g.args]
    simple: dict[str, Callable[[], Expr]] = {
        "add": lambda: E.Add((a[0], a[1])), "sub": lambda: E.Add((a[0], E.Neg(a[1]))),
        "mul": lambda: E.Mul((a[0], a[1])), "div": lambda: E.Div(a[0], a[1]),
        "pow": lambda: E.Pow(a[0], a[1]), "neg": lambda: E.Neg(a[0]), "id": lambda: a[0],
        "matmul": lambda: E.Mul((a[0], a[1])),
    }
    if g.op in simple:
        return simple[g.op]()
    if g.fn == "exp":
        return E.exp(a[0])
    if g.fn in ("abs", "sqrt"):
        return E.Bracket(g.fn, a[0])
    if g.fn == "transpose":
        return transpose(a[0])
    if g.activation is None and g.params:  # sum(X, axis = 0)
        return E.Call(fname(g), tuple(a) + tuple(E.Relation(Sym(k), "=", Num(int(v)))
                                                 for k, v in g.params))
    return E.Call(fname(g), tuple(a))


def local(g: Gate, i: int, say: Say, out: Expr) -> Expr:
    """∂gate/∂(argument i) of an elementwise gate, written out."""
    a = [say(x) for x in g.args]
    other = a[1 - i] if len(a) == 2 else None
    if g.op in ("add", "id"):
        return Num(1)
    if g.op == "sub":
        return Num(1 if i == 0 else -1)
    if g.op == "mul":
        assert other is not None
        return other
    if g.op == "neg":
        return Num(-1)
    if g.op == "div":
        return Num(1) / a[1] if i == 0 else E.Neg(a[0] / a[1] ** Num(2))
    if g.op == "pow":
        if i == 0:
            lower = _minus_one(a[1])
            return E.Mul((a[1], a[0] if lower == Num(1.0) else E.Pow(a[0], lower)))
        return E.Mul((E.Pow(a[0], a[1]), E.call("ln", a[0])))
    return _call_local(g, i, a, out)


def _minus_one(b: Expr) -> Expr:
    return Num(b.value - 1) if isinstance(b, Num) else E.Add((b, E.Neg(Num(1))))


def _call_local(g: Gate, i: int, a: list[Expr], out: Expr) -> Expr:
    x = a[0]
    act = g.activation
    if act is not None:
        return act.dexpr(x, out, dict(g.params))
    if g.fn == "exp":
        return E.exp(x)
    if g.fn == "log":
        return Num(1) / x
    if g.fn == "sqrt":
        return Num(1) / E.Mul((Num(2), E.Bracket("sqrt", x)), True)
    if g.fn == "abs":
        return E.call("sign", x)
    if g.fn in ("max", "min"):
        rel = ">" if g.fn == "max" else "<"
        others = [y for j, y in enumerate(a) if j != i]
        if len(others) == 1:
            return E.Cases(((Num(1), E.Relation(a[i], rel, others[0])),
                            (Num(1) / Num(2), E.Relation(a[i], "=", others[0])), (Num(0), None)))
        tied = E.Relation(a[i], "=", E.Call(g.fn, tuple(a)))
        return E.Cases(((Num(1) / Sym("k"), tied), (Num(0), None)))
    raise KeyError(g.fn)


def local_numbers(g: Gate, i: int, say: Say, out: Expr, x: float, y: float) -> Expr:
    """The local gradient with the numbers put in (an activation's branch taken)."""
    act = g.activation
    if act is not None:
        return act.dsubstituted(x, y, dict(g.params))
    return local(g, i, say, out)


def backward_rule(g: Gate, i: int, up: Expr, say: Say) -> Expr:
    """The gradient reaching argument i of a gate that is not elementwise."""
    a = [say(x) for x in g.args]
    if g.op == "matmul":
        return E.Mul((up, transpose(a[1]))) if i == 0 else E.Mul((transpose(a[0]), up))
    if g.fn == "sum":
        return E.Mul((up, Sym("1")))
    if g.fn == "mean":
        return E.Div(E.Mul((up, Sym("1"))), Sym("n"))
    if g.fn == "transpose":
        return transpose(up)
    if g.fn == "softmax":
        y = Sym(g.name)
        return E.Mul((y, E.Add((up, E.Neg(E.Call("sum", (E.Mul((up, y)),)))))))
    if g.fn in ("max", "min"):
        return E.Mul((up, E.Call("1", (E.Relation(a[0], "=", E.Call(g.fn, (a[0],))),))))
    raise KeyError(g.op + g.fn)
