"""Spec of a ``graph`` problem: assignments (``nodes:`` or ``expression:``), values, upstream.

The graph is built and evaluated here once, so that every problem of the spec (a name
assigned twice, a cycle, a symbol without a value, a shape mismatch, log 0 or 1/0 at the
point) is reported with the line of the node at fault, before the solver runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dlsolve.kernels.graph import (
    Assign,
    Graph,
    GraphError,
    ParseError,
    from_assignments,
    parse_assignment,
    parse_program,
)
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    boolean,
    either,
    expects,
    matrix,
    number,
    string,
    vector,
)

FIELDS = COMMON_FIELDS + ("nodes", "expression", "values", "output", "upstream", "expand")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")
VALUE = either(number, vector(), matrix(), what="a number, a list of numbers or a matrix")


@dataclass(frozen=True)
class GraphProblem:
    graph: Graph
    values: dict[str, Any]            # input name -> number, list or matrix (as given)
    upstream: Any                     # dL/d(output): a number, or an array of its shape
    statements: list[Assign]          # as written
    expand: bool = False
    bare: bool = False                # a bare expression: only output and inputs are results


def parse(r: Reader) -> GraphProblem | None:
    r.allow(FIELDS)
    field, assigns = _assignments(r)
    values = _values(r)
    output = r.get("output", string, None)
    upstream = r.get("upstream", VALUE, 1.0)
    expand = r.get("expand", boolean, False)
    if not r.ok or assigns is None or values is BAD:
        return None
    try:
        graph = from_assignments(assigns, list(values), output, expand)
        graph.evaluate(values, upstream)
    except GraphError as e:
        _report(r, field, e, assigns)
        return None
    _check_params(r, field, graph, assigns)
    if not r.ok:
        return None
    return GraphProblem(graph, values, upstream, assigns, expand, assigns[-1].name is None)


def _assignments(r: Reader) -> tuple[str, list[Assign] | None]:
    if r.has("nodes") == r.has("expression"):
        which = "both" if r.has("nodes") else "neither"
        r.expected("nodes", "nodes: (a list of assignments) or expression: (one line), "
                   "one of them", Said(which))
        return "nodes", None
    if r.has("expression"):
        text = r.get("expression", string)
        if text is BAD:
            return "expression", None
        try:
            return "expression", parse_program(text)
        except ParseError as e:
            r.fail("expression", _where(e, statement=bool(re.search(r"[;\n]", text.strip()))))
            return "expression", None
    items = r.get("nodes", vector(string, what="a list of assignments (q = x + y)"))
    if items is BAD:
        return "nodes", None
    out = []
    for i, text in enumerate(items):
        try:
            out.append(parse_assignment(text))
        except ParseError as e:
            r.fail(("nodes", i), _where(e))
    return "nodes", out if len(out) == len(items) else None


def _where(e: ParseError | GraphError, statement: bool = False) -> str:
    at = f" (at column {e.column})" if getattr(e, "column", None) else ""
    stmt = getattr(e, "statement", None)
    head = f"statement {stmt + 1}: " if statement and stmt is not None else ""
    return f"{head}{e.message}{at}"


@expects("a mapping of names to numbers, vectors or matrices")
def _mapping(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise Bad("a mapping of names to numbers, vectors or matrices ({x: -2, y: 5})")
    return v


def _values(r: Reader) -> Any:
    raw = r.get("values", _mapping, {})
    if raw is BAD:
        return BAD
    out = {}
    for name, value in raw.items():
        if not isinstance(name, str) or not NAME.match(name):
            r.fail(("values", name), f"expected a name (letters, digits, _), got {name!r}",
                   at_key=True)
            continue
        if name == "output" or name.startswith("grad_"):
            r.fail(("values", name), f"the name {name!r} is reserved for results",
                   at_key=True)
            continue
        conv = r.convert(("values", name), value, VALUE)
        if conv is not BAD:
            out[name] = float(conv) if isinstance(conv, (int, float)) else conv
    return out if r.ok else BAD


def _report(r: Reader, field: str, e: GraphError, assigns: list[Assign]) -> None:
    if e.field is not None:
        r.fail(e.field, e.message)
    elif e.statement is None:
        r.fail(field, e.message)
    elif field == "nodes":
        r.fail(("nodes", e.statement), _where(e))
    else:
        multi = len(assigns) > 1
        r.fail("expression", (f"statement {e.statement + 1} ({assigns[e.statement].text}): "
                              if multi else "") + _where(e))


def _check_params(r: Reader, field: str, graph: Graph, assigns: list[Assign]) -> None:
    """An activation's parameters pass the same checks as a layer's (hardtanh min < max...)."""
    from dlsolve.spec.common import make_activation

    for g in graph.gates:
        if g.activation is not None and g.params:
            try:
                make_activation(g.fn, dict(g.params))
            except Bad as e:
                key = e.sub[0] if e.sub else "parameter"
                _report(r, field, GraphError(f"{g.fn}: {key}: expected {e.expected}, got "
                                             f"{e.got}", g.source), assigns)
