"""Spec of a ``derivative`` problem: a function, optionally its variables and a point.

``at`` is a mapping {x: 1, y: 2}, a number (one variable), or a list (one number per
variable, in the order of ``variables``, else alphabetical). ``3x`` reads as ``3*x`` (said).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import BAD, Reader, Said, either, number, string, vector

# a number written before a name or a bracket: 3x, 2(x + 1), 0.5sin(x); not 1e-3
_IMPLICIT = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)(?![eE][-+]?\d)(?=[A-Za-z_(])")


@dataclass(frozen=True)
class DerivativeProblem:
    function: Any               # SymPy expression
    text: str                   # as the user wrote it
    variables: list[Any]        # SymPy symbols, in order
    at: list[float] | None      # the point, one number per variable
    implicit: bool              # 3x was read as 3*x


def implicit_products(text: str) -> str:
    """``3x`` -> ``3*x`` and ``2(x+1)`` -> ``2*(x+1)``, as a person writes a product.

    >>> implicit_products("x**2*sin(3x)"), implicit_products("1e-3*x + 2(x)")
    ('x**2*sin(3*x)', '1e-3*x + 2*(x)')
    """
    return _IMPLICIT.sub(r"\1*", text)


def parse(r: Reader) -> DerivativeProblem | None:
    from dlsolve.symbolic.parse import ParseError
    from dlsolve.symbolic.parse import parse as parse_formula

    r.allow(COMMON_FIELDS + ("function", "variables", "at"))
    text = r.get("function", string, what="a formula such as x**2*sin(3*x)")
    names = r.get("variables", vector(string, what="a list of variable names"), None)
    at = r.get("at", either(_point, number, vector(number), what="a point: x: 1 (a mapping "
                                                                  "of variables to numbers)"),
               None)
    if text is BAD or names is BAD or at is BAD:
        return None
    written = implicit_products(text)
    try:
        expr, variables = parse_formula(written, names)
    except ParseError as e:
        r.fail("function", f"{e} (got {text!r})")
        return None
    point = _place(r, at, [str(v) for v in variables])
    if not r.ok:
        return None
    return DerivativeProblem(expr, text, variables, point, written != text)


def _point(v: Any) -> dict[str, float]:
    from dlsolve.spec.convert import Bad

    if not isinstance(v, dict) or not all(isinstance(k, str) for k in v):
        raise Bad("a mapping of variables to numbers")
    out = {}
    for k, x in v.items():
        try:
            out[k] = number(x)
        except Bad as e:
            raise Bad(e.expected, (k,), x) from None
    return out


def _place(r: Reader, at: Any, names: list[str]) -> list[float] | None:
    """The point in the variables' order; an issue when it does not name each one once."""
    if at is None:
        return None
    if isinstance(at, dict):
        unknown = [k for k in at if k not in names]
        missing = [n for n in names if n not in at]
        if unknown or missing:
            r.expected("at", "a value for each variable (" + ", ".join(names) + ")",
                       Said(", ".join(map(str, at))))
            return None
        return [float(at[n]) for n in names]
    values = at if isinstance(at, list) else [at]
    if len(values) != len(names):
        r.expected("at", f"{len(names)} number(s), one per variable ({', '.join(names)})",
                   Said(f"{len(values)}"))
        return None
    return [float(v) for v in values]
