"""Numerical checks of the engine's gradients: central differences of a graph's output, and
the dot product that turns a matrix gradient into the number a difference along a direction
measures."""

from __future__ import annotations

from typing import Any

from dlsolve.kernels.graph import ops
from dlsolve.kernels.graph.core import Graph, GraphError
from dlsolve.kernels.graph.ops import Value


def central_difference(graph: Graph, values: dict[str, Any], name: str, upstream: Any = 1.0,
                       direction: Any = None, h: float = 1e-6) -> float:
    """(L(x + h·d) − L(x − h·d)) / 2h for input ``name`` along ``d`` (1 for a number).

    The step is h·max(1, |x|); where x ± step leaves a function's domain (log or sqrt of a
    number smaller than the step) it becomes h·|x| (h times the smallest |entry|), then
    a thousandth of that; if that too fails, the GraphError of the last try is raised.
    """
    v = values[name]
    if not isinstance(v, (list, tuple)) and not hasattr(v, "shape"):
        x: Value = float(v)
        d: Value = 1.0
        size, steps = abs(x), [h * max(1.0, abs(x))]
    else:
        n = ops.np()
        x = n.asarray(v, dtype=float)
        d = n.asarray(direction, dtype=float) if direction is not None else n.ones_like(x)
        size, steps = float(n.abs(x)[x != 0].min(initial=1.0)), [h]
    if 0 < size < 1:
        steps += [t for t in (h * size, h * size / 1e3) if t > 0]
    for step in steps[:-1]:
        try:
            return _difference(graph, values, name, upstream, x, d, step)
        except GraphError:
            pass
    return _difference(graph, values, name, upstream, x, d, steps[-1])


def _difference(graph: Graph, values: dict[str, Any], name: str, upstream: Any, x: Value,
                d: Value, step: float) -> float:
    plus, minus = dict(values), dict(values)
    plus[name], minus[name] = x + step * d, x - step * d
    return (graph.loss(plus, upstream) - graph.loss(minus, upstream)) / (2 * step)


def dot(a: Value, b: Value) -> float:
    """Σ a ⊙ b (a number times a number for scalars)."""
    if isinstance(a, float) and isinstance(b, float):
        return a * b
    return float((ops.np().asarray(a) * ops.np().asarray(b)).sum())


