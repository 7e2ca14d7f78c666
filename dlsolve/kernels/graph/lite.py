"""The gates on plain-Python arrays: ``kernels.vec``'s Vec (a vector) and Mat (rows of a matrix).

For kinds that keep NumPy out of their start-up (the recurrent cells work on Vec and Mat):
a graph evaluated on Vec/Mat values runs here, not through NumPy. The rules are ``ops``'s:

- an elementwise gate applies ``ops``'s scalar rule entry by entry, with NumPy's
  broadcasting (a number against an array, a vector along the rows of a matrix);
- ``@`` and its gradients (dA = dY Bᵀ, dB = Aᵀ dY) are Mat's own products;
- ``sum``/``mean`` (whole array or ``axis=``), ``transpose``, ``softmax`` (each row),
  a one-argument ``max``/``min`` reduce as in ``ops``.

A number stays a float (where NumPy would keep a 0-d array). Each value is computed with
the operations, in the order, that ``kernels.vec``'s arithmetic uses (``W @ x + b`` is
Mat @ Vec, then Vec + Vec; tanh is ``math.tanh``; a softmax shifts by the maximum and
divides by ``math.fsum``), so a graph written the way a kernel computes reproduces its
numbers to the bit.

>>> from dlsolve.kernels.graph import Gate, Graph
>>> g = Graph(["W", "x"], [Gate("a", "matmul", ("W", "x")), Gate("h", "call", ("a",), "tanh"),
...                        Gate("f", "call", ("h",), "sum")], "f")
>>> ev = g.evaluate({"W": Mat([[1, 0], [0, 2]]), "x": Vec([0.0, 0.5])})
>>> type(ev.values["h"]).__name__, [round(v, 6) for v in ev.grads["x"]]
('Vec', [1.0, 0.839949])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from dlsolve.kernels.graph import ops
from dlsolve.kernels.vec import Mat, Vec, outer

if TYPE_CHECKING:
    from dlsolve.kernels.activations import Activation

Value = Any  # float, Vec or Mat


def asarray(v: Any) -> Value:
    """A value as a float, a Vec or a Mat (a list of lists is a matrix)."""
    if isinstance(v, (Vec, Mat)):
        return v
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if v and isinstance(v[0], (list, tuple)):
            return Mat(v)
        return Vec([float(x) for x in v])
    return float(v)


def shape(v: Value) -> tuple[int, ...]:
    return () if isinstance(v, float) else tuple(v.shape)


def _fill(s: tuple[int, ...], c: float) -> Value:
    if not s:
        return c
    if len(s) == 1:
        return Vec([c] * s[0])
    return Mat.of_rows([Vec([c] * s[1]) for _ in range(s[0])])


def zeros_like(v: Value) -> Value:
    return _fill(shape(v), 0.0)


def ones_like(v: Value) -> Value:
    return _fill(shape(v), 1.0)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's rule: shapes aligned on the right, each axis equal or 1 (ValueError if not)."""
    out = []
    for dims in zip_longest(*(reversed(s) for s in shapes), fillvalue=1):
        sizes = {d for d in dims if d != 1}
        if len(sizes) > 1:
            raise ValueError(f"shapes {shapes} do not broadcast")
        out.append(sizes.pop() if sizes else 1)
    return tuple(reversed(out))


def _flat(v: Value) -> list[float]:
    if isinstance(v, float):
        return [v]
    return list(v) if isinstance(v, Vec) else [x for r in v for x in r]


def total(v: Value) -> float:
    """The sum of an array's entries."""
    return float(sum(_flat(v), 0.0))


def finite(v: Value) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    rows = [v] if isinstance(v, Vec) else v
    return all(all(map(math.isfinite, r)) for r in rows)


def _entry(v: Value, idx: tuple[int, ...], s: tuple[int, ...]) -> float:
    """The entry of ``v`` that position ``idx`` of the broadcast shape ``s`` reads."""
    if isinstance(v, float):
        return v
    own = v.shape
    sub = [0 if d == 1 else i for d, i in zip(own, idx[len(s) - len(own):])]
    return v[sub[0]] if len(own) == 1 else v[sub[0]][sub[1]]


def _map(f: Callable[[list[float]], float], args: list[Value]) -> Value:
    """f on the entries of ``args``, position by position over their broadcast shape."""
    s = broadcast_shapes(*(shape(a) for a in args))
    if not s:
        return float(f(list(args)))
    if all(isinstance(a, float) or shape(a) == s for a in args):  # no broadcasting
        if len(s) == 1:
            return Vec([f([a if isinstance(a, float) else a[j] for a in args])
                        for j in range(s[0])])
        return Mat.of_rows([Vec([f([a if isinstance(a, float) else a[i][j] for a in args])
                                 for j in range(s[1])]) for i in range(s[0])])
    if len(s) == 1:
        return Vec([f([_entry(a, (j,), s) for a in args]) for j in range(s[0])])
    return Mat.of_rows([Vec([f([_entry(a, (i, j), s) for a in args]) for j in range(s[1])])
                        for i in range(s[0])])


def _each(f: Callable[[float], float], x: Value) -> Value:
    """f on every entry of one value; a math error is ``NonFinite``."""
    try:
        if isinstance(x, float):
            return float(f(x))
        if isinstance(x, Vec):
            return Vec([f(t) for t in x])
        return Mat.of_rows([Vec([f(t) for t in r]) for r in x])
    except (OverflowError, ZeroDivisionError, ValueError):
        raise ops.NonFinite("overflow") from None


PLAIN = {"add": lambda u, v: u + v, "sub": lambda u, v: u - v, "mul": lambda u, v: u * v}


def _pairwise(op: str, a: Value, b: Value) -> Value:
    """a + b, a − b or a ⊙ b; the common shapes without a call per entry."""
    f = PLAIN[op]
    if isinstance(a, Vec) and isinstance(b, Vec) and len(a) == len(b):
        return Vec([f(u, v) for u, v in zip(a, b)])
    if isinstance(a, float) and isinstance(b, Vec):
        return Vec([f(a, v) for v in b])
    if isinstance(a, Vec) and isinstance(b, float):
        return Vec([f(u, b) for u in a])
    if isinstance(a, Mat) and isinstance(b, Mat) and a.shape == b.shape:
        return Mat.of_rows([Vec([f(u, v) for u, v in zip(r, q)]) for r, q in zip(a, b)])
    if isinstance(a, float) and isinstance(b, float):
        return f(a, b)
    return _map(lambda v: f(v[0], v[1]), [a, b])


def mul(a: Value, b: Value) -> Value:
    return _pairwise("mul", a, b)


def add(a: Value, b: Value) -> Value:
    return _pairwise("add", a, b)


def _matmul(a: Value, b: Value) -> Value:
    if isinstance(a, Vec) and isinstance(b, Vec):
        return float(a @ b)
    if isinstance(a, Vec):  # vector @ matrix: (bᵀ a)
        return b.T @ a
    return a @ b


# -- forward ---------------------------------------------------------------------------

def forward(op: str, args: list[Value], fn: str = "", act: Activation | None = None,
            params: dict[str, float] | None = None) -> Value:
    """The gate's output, as ``ops.forward`` gives it."""
    if op == "matmul":
        return _matmul(args[0], args[1])
    if op in PLAIN:
        return _pairwise(op, args[0], args[1])
    if op == "call" and act is not None:
        p = params or {}
        return _each(lambda t: act.f(t, p), args[0])
    if ops.is_elementwise(op, fn, len(args)):
        return _map(lambda v: ops.forward(op, v, fn, act, params), args)
    x, params = args[0], params or {}
    if isinstance(x, float):
        return ops.forward(op, args, fn, act, params)
    if fn in ("sum", "mean"):
        return _reduce(fn, x, int(params["axis"]) if "axis" in params else None)
    if fn == "transpose":
        return Vec(x) if isinstance(x, Vec) else x.T
    if fn == "softmax":
        return _softmax(x) if isinstance(x, Vec) else Mat([_softmax(r) for r in x])
    if fn in ("max", "min"):
        return (max if fn == "max" else min)(_flat(x))
    raise KeyError(fn)


def _reduce(fn: str, x: Value, axis: int | None) -> Value:
    if axis is None:
        total = sum(_flat(x), 0.0)
        return total if fn == "sum" else total / len(_flat(x))
    if isinstance(x, Vec):
        return _reduce(fn, x, None)
    lines = x.T if axis % 2 == 0 else x     # axis 0: down the columns
    out = Vec([sum(r, 0.0) for r in lines])
    return out if fn == "sum" else out / float(len(lines[0]))


def _softmax(a: Vec) -> Vec:
    """Shifted by the maximum, divided by the fsum of the exponentials."""
    top = max(a)
    e = Vec([math.exp(v - top) for v in a])
    return e / math.fsum(e)


# -- backward --------------------------------------------------------------------------

def local(op: str, i: int, args: list[Value], out: Value, fn: str = "",
          act: Activation | None = None, params: dict[str, float] | None = None) -> Value:
    """∂out/∂args[i] of an elementwise gate, entry by entry."""
    if op in ("add", "sub", "id", "neg", "mul"):  # a constant or the other argument
        return ops.local(op, i, args, out, fn, act, params)
    if op == "call" and act is not None:
        p = params or {}
        return _each(lambda t: act.df(t, p), args[0])
    return _map(lambda v: ops.local(op, i, v[:-1], v[-1], fn, act, params), [*args, out])


def vjp(op: str, i: int, args: list[Value], out: Value, g: Value, fn: str = "",
        params: dict[str, float] | None = None) -> Value:
    """The gradient reaching args[i] from upstream ``g`` (the non-elementwise gates)."""
    x = args[0]
    if op == "matmul":
        return _matmul_vjp(i, args[0], args[1], g)
    if isinstance(x, float):
        return ops.vjp(op, i, args, out, g, fn, params)
    params = params or {}
    if fn in ("sum", "mean"):
        return _spread(fn, x, g, int(params["axis"]) if "axis" in params else None)
    if fn == "transpose":
        return Vec(g) if isinstance(g, Vec) else g.T
    if fn == "softmax":  # dx = y ⊙ (g − Σ_j g_j y_j), row by row
        if isinstance(x, Vec):
            return out * (g - g @ out)
        return Mat([y * (r - r @ y) for y, r in zip(out, g)])
    if fn in ("max", "min"):
        hits = _map(lambda v: 1.0 if v[0] == out else 0.0, [x])
        return mul(hits, g / sum(_flat(hits), 0.0))
    raise KeyError(op + fn)


def _spread(fn: str, x: Value, g: Value, axis: int | None) -> Value:
    """The upstream gradient copied back over what was summed (divided by the count)."""
    if axis is None or isinstance(x, Vec):
        count = len(_flat(x))
        return _fill(shape(x), g if fn == "sum" else g / count)
    rows, cols = x.shape
    if fn == "mean":
        g = g / float(cols if axis % 2 else rows)
    if axis % 2 == 0:                         # g per column
        return Mat([list(g) for _ in range(rows)])
    return Mat([[v] * cols for v in g])       # g per row


def _matmul_vjp(i: int, a: Value, b: Value, g: Value) -> Value:
    if isinstance(a, Mat) and isinstance(b, Mat):
        return g @ b.T if i == 0 else a.T @ g
    if isinstance(a, Mat):  # matrix @ vector
        return outer(g, b) if i == 0 else a.T @ g
    if isinstance(b, Mat):  # vector @ matrix
        return b @ g if i == 0 else outer(a, g)
    return b * g if i == 0 else a * g


def unbroadcast(grad: Value, target: tuple[int, ...]) -> Value:
    """Sum a gradient over the axes broadcasting added, back to the input's shape."""
    s = shape(grad)
    if s == target:
        return grad
    if not target:
        return sum(_flat(grad), 0.0)
    if len(s) == 2 and len(target) == 1:
        grad, s = _reduce("sum", grad, 0), (s[1],)
    if s == target:
        return grad
    if target == (1, 1):
        return Mat([[sum(_flat(grad), 0.0)]])
    if len(target) == 2 and target[0] == 1:
        return Mat([_reduce("sum", grad, 0)])
    if len(target) == 2 and target[1] == 1:
        return Mat([[v] for v in _reduce("sum", grad, 1)])
    return Vec([sum(grad, 0.0)])   # a vector onto a one-entry vector
