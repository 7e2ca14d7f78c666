"""Parse a user's function safely: Python's ``ast`` checked against a whitelist, then built
into SymPy directly. Nothing is ever ``eval``-ed: no attribute access, no subscripts, no
names outside the variables and known constants, only the listed functions.
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp

from dlsolve.spec import limits


class ParseError(ValueError):
    """The text is not an allowed formula; the message says why."""


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + sp.exp(-z))


FUNCTIONS: dict[str, Any] = {
    "exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "atan": sp.atan, "asin": sp.asin,
    "acos": sp.acos, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "erf": sp.erf,
    "sigmoid": _sigmoid, "sigma": _sigmoid, "logistic": _sigmoid,
    "softplus": lambda z: sp.log(1 + sp.exp(z)), "relu": lambda z: sp.Max(0, z),
    "logit": lambda p: sp.log(p / (1 - p)), "max": sp.Max, "min": sp.Min,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E, "E": sp.E}
BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
          ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
          ast.Pow: lambda a, b: _power(a, b)}
ALLOWED = "arithmetic (+ - * / ** or ^), numbers, the variables and " + ", ".join(
    sorted(FUNCTIONS)) + ", pi, e"


def parse(text: str, variables: list[str] | None = None,
          extra: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    """(SymPy expression, its variables in order). ``variables`` fixes the allowed names."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("expected a formula such as x**2 - y**2")
    source = text.strip().replace("^", "**")
    if len(source) > limits.FORMULA_CHARS:
        raise ParseError(f"a formula of at most {limits.FORMULA_CHARS:,} characters, got "
                         f"{len(source):,}")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise ParseError(f"not a formula ({e.msg} at column {e.offset})") from None
    except (RecursionError, MemoryError):
        raise ParseError("a formula nested too deeply") from None
    _check_size(tree)
    names: dict[str, Any] = {}
    expr = _build(tree.body, variables, names, extra or {})
    order = variables if variables is not None else sorted(names)
    return expr, [names.get(v, sp.Symbol(v, real=True)) for v in order]


def _check_size(tree: ast.AST) -> None:
    """Refuse a formula too large or too deep to work with, before SymPy sees any of it."""
    if sum(1 for _ in ast.walk(tree)) > limits.FORMULA_NODES:
        raise ParseError(f"a formula of at most {limits.FORMULA_NODES} operations and "
                         "operands (an exam function is far shorter)")
    todo = [(tree, 0, 0)]
    while todo:
        node, depth, calls = todo.pop()
        if depth > limits.FORMULA_DEPTH:
            raise ParseError(f"a formula nested at most {limits.FORMULA_DEPTH} levels deep")
        calls += isinstance(node, ast.Call)
        if calls > limits.CALL_DEPTH:
            raise ParseError(f"functions nested at most {limits.CALL_DEPTH} deep, as in "
                             "sin(cos(x)) (2)")
        todo += [(child, depth + 1, calls) for child in ast.iter_child_nodes(node)]


def _power(base: Any, exponent: Any) -> Any:
    """``base ** exponent``, refusing exponents SymPy would spend minutes or gigabytes on."""
    if getattr(exponent, "is_Number", False) and abs(exponent) > limits.EXPONENT:
        raise ParseError(f"an exponent of at most {limits.EXPONENT} in size, got "
                         f"{_short(exponent)}")
    if getattr(base, "is_Number", False) and getattr(exponent, "is_Number", False) and \
            base != 0 and abs(float(sp.log(abs(base), 10))) * abs(float(exponent)) > \
            limits.EXPONENT:
        raise ParseError(f"a power of at most 10^{limits.EXPONENT}, got {_short(base)}^"
                         f"{_short(exponent)}")
    return base ** exponent


def _short(number: Any) -> str:
    text = str(number)
    return text if len(text) <= 20 else f"a number of {len(text)} digits"


def _build(node: ast.AST, variables: list[str] | None, names: dict[str, Any],
           extra: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
            not isinstance(node.value, bool):
        return sp.Rational(repr(node.value)) if isinstance(node.value, float) else \
            sp.Integer(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in BINOPS:
        return BINOPS[type(node.op)](_build(node.left, variables, names, extra),
                                     _build(node.right, variables, names, extra))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _build(node.operand, variables, names, extra)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Name):
        return _name(node.id, variables, names)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        fn = extra.get(node.func.id) or FUNCTIONS.get(node.func.id)
        if fn is None:
            raise ParseError(f"unknown function {node.func.id!r}; allowed: {ALLOWED}")
        args = [_build(a, variables, names, extra) for a in node.args]
        try:
            return fn(*args)
        except TypeError:
            raise ParseError(f"{node.func.id}() takes a different number of arguments") from None
    if isinstance(node, ast.Attribute):
        raise ParseError("attribute access (a.b) is not allowed; allowed: " + ALLOWED)
    what = type(node).__name__.lower()
    raise ParseError(f"{what} is not allowed in a formula; allowed: {ALLOWED}")


def _name(name: str, variables: list[str] | None, names: dict[str, Any]) -> Any:
    if name.startswith("__"):
        raise ParseError(f"the name {name!r} is not allowed")
    if variables is not None and name in variables or variables is None and \
            name not in CONSTANTS:
        if name in FUNCTIONS:
            raise ParseError(f"{name!r} is a function; call it as {name}(...)")
        return names.setdefault(name, sp.Symbol(name, real=True))
    if name in CONSTANTS:
        return CONSTANTS[name]
    raise ParseError(f"unknown name {name!r}: the variables are {', '.join(variables or [])}")
