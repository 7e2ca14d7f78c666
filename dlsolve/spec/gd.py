"""Spec of a ``gd`` problem: a function of some variables, a start point, a step size."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import (
    BAD,
    Reader,
    Said,
    at_most,
    either,
    nonneg_int,
    number,
    positive,
    string,
    vector,
)


@dataclass(frozen=True)
class GDProblem:
    function: Any          # SymPy expression
    text: str
    variables: list[Any]   # SymPy symbols, in order
    start: list[float]
    learning_rate: float
    steps: int
    round: int | None = None   # carried values rounded to this many decimals


def read_function(r: Reader, key: str = "function") -> tuple[Any, list[Any]] | None:
    """Parse ``function`` (and ``variables``) safely; an issue on any disallowed construct."""
    from dlsolve.symbolic.parse import ParseError, parse

    text = r.get(key, string, what="a formula such as x**2 - y**2")
    names = r.get("variables", vector(string, what="a list of variable names"), None)
    if text is BAD or names is BAD:
        return None
    try:
        return parse(text, names)
    except ParseError as e:
        r.fail(key, f"{e} (got {text!r})")
        return None


def parse(r: Reader) -> GDProblem | None:
    r.allow(COMMON_FIELDS + ("function", "variables", "start", "learning_rate", "steps", "round"))
    fn = read_function(r)
    start = r.get("start", either(vector(number), number, what="a point: one number per "
                                                               "variable"))
    lr = r.get("learning_rate", positive)
    steps = r.get("steps", at_most(100_000), 10)
    places = r.get("round", at_most(15, nonneg_int), None)
    if fn is None or not r.ok:
        return None
    expr, variables = fn
    start = start if isinstance(start, list) else [start]
    if len(start) != len(variables):
        names = ", ".join(str(v) for v in variables)
        r.expected("start", f"{len(variables)} coordinate(s), one per variable ({names})",
                   Said(f"{len(start)}"))
        return None
    return GDProblem(expr, r.raw("function"), variables, [float(v) for v in start], float(lr),
                     steps, places)
