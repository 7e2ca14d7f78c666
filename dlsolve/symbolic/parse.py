"""Parse a user's function safely: Python's ``ast`` checked against a whitelist, then built
into SymPy directly. Nothing is ever ``eval``-ed: no attribute access, no subscripts, no
names outside the variables and known constants, only the listed functions.
"""

from __future__ import annotations

import ast
from typing import Any

import sympy as sp


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
          ast.Pow: lambda a, b: a ** b}
ALLOWED = "arithmetic (+ - * / ** or ^), numbers, the variables and " + ", ".join(
    sorted(FUNCTIONS)) + ", pi, e"


def parse(text: str, variables: list[str] | None = None,
          extra: dict[str, Any] | None = None) -> tuple[Any, list[Any]]:
    """(SymPy expression, its variables in order). ``variables`` fixes the allowed names."""
    if not isinstance(text, str) or not text.strip():
        raise ParseError("expected a formula such as x**2 - y**2")
    source = text.strip().replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise ParseError(f"not a formula ({e.msg} at column {e.offset})") from None
    names: dict[str, Any] = {}
    expr = _build(tree.body, variables, names, extra or {})
    order = variables if variables is not None else sorted(names)
    return expr, [names.get(v, sp.Symbol(v, real=True)) for v in order]


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
