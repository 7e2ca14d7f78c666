"""The gates: each one's forward value and its backward rule, on numbers or numpy arrays.

Scalars are plain floats computed with ``math`` (no NumPy import on the scalar path);
as soon as one value is an array every value is a float64 array and NumPy does the work.
Elementwise gates give a *local gradient* ∂out/∂input (a number, or an array of the
input's broadcast shape) that multiplies the upstream gradient; the others (``matmul``,
``sum``, ``mean``, ``transpose``, ``softmax`` over the last axis, a one-argument
``max``/``min`` over an array) give the upstream gradient's image directly (a
vector-Jacobian product). Conventions are
PyTorch's autograd: abs'(0) = 0 (sign), ties of ``max``/``min`` share the gradient evenly
among the tied arguments (torch.maximum for two, torch.amax for more), the gradient of
``x ** y`` with respect to y is x^y ln x (and 0 where x = 0, y >= 0), with respect to x it
is y x^(y-1) (0 where y = 0).

A value that is not finite (log 0, 1/0, sqrt'(0), (-8) ** (1/3)) raises ``NonFinite``
with a sentence saying why.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dlsolve.kernels.activations import Activation

Value = Any  # float, or a numpy float64 array


class NonFinite(ArithmeticError):
    """A value or gradient is infinite or undefined at the point."""


def np() -> Any:
    import numpy

    return numpy


def is_array(v: Value) -> bool:
    return not isinstance(v, float)


def finite(v: Value) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    return bool(np().isfinite(v).all())


def shape(v: Value) -> tuple[int, ...]:
    return () if isinstance(v, float) else tuple(v.shape)


# What the evaluator needs of a kind of array (``lite`` has the same for plain-Python ones).

def asarray(v: Any) -> Value:
    return np().asarray(v, dtype=float)


def zeros_like(v: Value) -> Value:
    return np().zeros_like(v)


def ones_like(v: Value) -> Value:
    return np().ones_like(v)


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return np().broadcast_shapes(*shapes)


def mul(a: Value, b: Value) -> Value:
    return a * b


def add(a: Value, b: Value) -> Value:
    return a + b


def total(v: Value) -> float:
    """The sum of an array's entries."""
    return float(v.sum())


def _safe(fn: Callable[[], Value], why: str) -> Value:
    """Run ``fn``; a math error or a non-finite result -> NonFinite(why).

    (On arrays the evaluator silences NumPy's warnings: the check here reports instead.)
    """
    try:
        out = fn()
    except (ZeroDivisionError, OverflowError, ValueError):
        raise NonFinite(why) from None
    if isinstance(out, complex) or not finite(out):
        raise NonFinite(why)
    return out


# -- forward ---------------------------------------------------------------------------

def _pow(a: Value, b: Value) -> Value:
    if isinstance(a, float) and isinstance(b, float):
        if a < 0 and not b.is_integer():
            raise ValueError
        return a ** b
    return np().power(a, b)


BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": _pow,
}
UNARY_MATH = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": abs}
UNARY_NP = {"exp": "exp", "log": "log", "sqrt": "sqrt", "abs": "abs"}


def forward(op: str, args: list[Value], fn: str = "", act: Activation | None = None,
            params: dict[str, float] | None = None) -> Value:
    """The gate's output; raises NonFinite (with the reason) where it is undefined."""
    if op in BINARY:
        a, b = args
        why = {"div": "division by zero", "pow": POW_WHY}.get(op, "overflow")
        return _safe(lambda: BINARY[op](a, b), why)
    if op == "neg":
        return -args[0]
    if op == "id":
        return args[0]
    if op == "call":
        return _call(fn, args, act, params or {})
    if op == "matmul":
        return args[0] @ args[1]
    raise KeyError(op)


POW_WHY = ("a power of 0 with a negative exponent, a negative base with a non-integer "
           "exponent, or an overflow")


def _call(fn: str, args: list[Value], act: Activation | None, params: dict[str, float]) -> Value:
    x = args[0]
    if act is not None:
        if is_array(x) and act.name in FAST:
            return _safe(lambda: FAST[act.name][0](np(), x, params), "overflow")
        return _safe(lambda: _elementwise(lambda t: act.f(t, params), x), "overflow")
    if fn in UNARY_MATH:
        why = {"log": "log of a number <= 0", "sqrt": "square root of a negative number",
               "exp": "overflow"}.get(fn, "overflow")
        if isinstance(x, float):
            return _safe(lambda: float(UNARY_MATH[fn](x)), why)
        return _safe(lambda: getattr(np(), UNARY_NP[fn])(x), why)
    if fn in ("max", "min"):
        return _extreme(fn, args)
    if fn in ("sum", "mean"):
        if isinstance(x, float) or x.ndim == 0:
            return x
        axis = int(params["axis"]) if "axis" in params else None
        return np().asarray(x.sum(axis=axis) if fn == "sum" else x.mean(axis=axis))
    if fn == "transpose":
        return x if isinstance(x, float) else x.T.copy()
    if fn == "softmax":
        return 1.0 if isinstance(x, float) else _softmax(x)
    raise KeyError(fn)


def _softmax(x: Value) -> Value:
    """Softmax over the last axis, shifted by the row maximum (stable)."""
    e = np().exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _sigmoid(n: Any, x: Value) -> Value:
    e = n.exp(-n.abs(x))
    return n.where(x >= 0, 1 / (1 + e), e / (1 + e))


# NumPy forms of the commonest activations (value, derivative), the registry's conventions
# (relu'(0) = 0, leaky_relu'(0) = alpha); the others go element by element through it.
FAST: dict[str, tuple[Callable[..., Value], Callable[..., Value]]] = {
    "relu": (lambda n, x, p: n.maximum(x, 0.0), lambda n, x, p: (x > 0).astype(float)),
    "leaky_relu": (lambda n, x, p: n.where(x > 0, x, p["alpha"] * x),
                   lambda n, x, p: n.where(x > 0, 1.0, p["alpha"])),
    "tanh": (lambda n, x, p: n.tanh(x), lambda n, x, p: 1 - n.tanh(x) ** 2),
    "sigmoid": (lambda n, x, p: _sigmoid(n, x),
                lambda n, x, p: _sigmoid(n, x) * (1 - _sigmoid(n, x))),
    "linear": (lambda n, x, p: x.copy(), lambda n, x, p: n.ones_like(x)),
}


def _elementwise(f: Callable[[float], float], x: Value) -> Value:
    if isinstance(x, float):
        return float(f(x))
    flat = [float(f(float(t))) for t in x.ravel()]
    return np().asarray(flat, dtype=float).reshape(x.shape)


def _extreme(fn: str, args: list[Value]) -> Value:
    if len(args) == 1:
        x = args[0]
        return x if isinstance(x, float) else np().asarray(x.max() if fn == "max" else x.min())
    if all(isinstance(a, float) for a in args):
        return max(args) if fn == "max" else min(args)
    ufunc = np().maximum if fn == "max" else np().minimum
    out = args[0]
    for a in args[1:]:
        out = ufunc(out, a)
    return out


# -- backward --------------------------------------------------------------------------

def local(op: str, i: int, args: list[Value], out: Value, fn: str = "",
          act: Activation | None = None, params: dict[str, float] | None = None) -> Value:
    """∂out/∂args[i] of an elementwise gate (a number, or an array), at the point."""
    a = args[0]
    b = args[1] if len(args) > 1 else None
    if op in ("add", "id"):
        return 1.0
    if op == "sub":
        return 1.0 if i == 0 else -1.0
    if op == "mul":
        return b if i == 0 else a
    if op == "div":
        return _safe(lambda: 1.0 / b if i == 0 else -a / (b * b), "division by zero")
    if op == "pow":
        return _pow_local(i, a, b, out)
    if op == "neg":
        return -1.0
    if op == "call":
        return _call_local(fn, i, args, out, act, params or {})
    raise KeyError(op)


def _pow_local(i: int, a: Value, b: Value, out: Value) -> Value:
    if i == 0:
        def base() -> Value:
            if isinstance(a, float) and isinstance(b, float):
                return 0.0 if b == 0 else b * _pow(a, b - 1)
            return np().where(b == 0, 0.0, b * np().power(a, b - 1.0))
        return _safe(base, "the power's derivative y·x^(y−1) is infinite here "
                           "(x = 0 with an exponent below 1)")

    def expo() -> Value:
        if isinstance(a, float) and isinstance(b, float):
            return 0.0 if a == 0 and b >= 0 else out * math.log(a)
        zero = (a == 0) & (b >= 0)
        return np().where(zero, 0.0, out * np().log(np().where(zero, 1.0, a)))
    return _safe(expo, "the exponent's derivative x^y·ln x needs x > 0")


def _call_local(fn: str, i: int, args: list[Value], out: Value, act: Activation | None,
                params: dict[str, float]) -> Value:
    x = args[0]
    if act is not None:
        if is_array(x) and act.name in FAST:
            return _safe(lambda: FAST[act.name][1](np(), x, params), "overflow")
        return _safe(lambda: _elementwise(lambda t: act.df(t, params), x), "overflow")
    if fn == "exp":
        return out
    if fn == "log":
        return _safe(lambda: 1.0 / x, "log of 0")
    if fn == "sqrt":
        return _safe(lambda: 0.5 / out, "the square root's derivative 1/(2√x) is infinite "
                                         "at x = 0")
    if fn == "abs":
        return math.copysign(1.0, x) * (x != 0) if isinstance(x, float) else np().sign(x)
    if fn in ("max", "min"):
        return _tie_share(i, args, out)
    raise KeyError(fn)


def _tie_share(i: int, args: list[Value], out: Value) -> Value:
    """1/k where args[i] is one of k arguments equal to the max (min), else 0."""
    if all(isinstance(a, float) for a in args):
        ties = sum(1 for a in args if a == out)
        return 1.0 / ties if args[i] == out else 0.0
    n = np()
    hits = [n.asarray(a == out, dtype=float) for a in args]
    count = sum(n.broadcast_to(h, n.shape(out)) for h in hits)
    return hits[i] / count


ELEMENTWISE_FNS = ("exp", "log", "sqrt", "abs")
OWN_FNS = ("exp", "log", "sqrt", "abs", "max", "min", "sum", "mean", "transpose", "softmax")


def is_elementwise(op: str, fn: str, nargs: int) -> bool:
    """Gates whose backward is local gradient × upstream (elementwise)."""
    if op in BINARY or op in ("neg", "id"):
        return True
    if op == "call":
        return fn not in ("sum", "mean", "transpose", "softmax") and not (fn in ("max", "min")
                                                               and nargs == 1)
    return False


def vjp(op: str, i: int, args: list[Value], out: Value, g: Value, fn: str = "",
        params: dict[str, float] | None = None) -> Value:
    """The gradient reaching args[i] from upstream ``g`` for the non-elementwise gates."""
    x = args[0]
    if op == "matmul":
        return _matmul_vjp(i, args[0], args[1], g)
    if fn in ("sum", "mean"):
        if not is_array(x) or x.ndim == 0:
            return g
        axis = int(params["axis"]) if params and "axis" in params else None
        spread = g if axis is None else np().expand_dims(g, axis)  # copied along the axis
        count = x.size if axis is None else x.shape[axis]
        return spread * np().ones_like(x) / (count if fn == "mean" else 1)
    if fn == "transpose":
        return g.T.copy() if is_array(x) else g
    if fn == "softmax":  # dx = y ⊙ (g - Σ_j g_j y_j), row by row
        if not is_array(x):
            return 0.0 * g
        return out * (g - (g * out).sum(axis=-1, keepdims=True))
    if fn in ("max", "min"):
        if not is_array(x):
            return g
        hits = np().asarray(x == out, dtype=float)
        return g * hits / hits.sum()
    raise KeyError(op + fn)


def _matmul_vjp(i: int, a: Value, b: Value, g: Value) -> Value:
    n = np()
    if a.ndim == 2 and b.ndim == 2:
        return g @ b.T if i == 0 else a.T @ g
    if a.ndim == 2:  # matrix @ vector
        return n.outer(g, b) if i == 0 else a.T @ g
    if b.ndim == 2:  # vector @ matrix
        return b @ g if i == 0 else n.outer(a, g)
    return g * b if i == 0 else g * a


def unbroadcast(grad: Value, target: tuple[int, ...]) -> Value:
    """Sum a gradient over the axes broadcasting added, back to the input's shape."""
    if not is_array(grad) or grad.shape == target:
        return grad
    while grad.ndim > len(target):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(target):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad
