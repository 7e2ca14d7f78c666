"""A computational-graph engine: values forward, gradients backward, gate by gate.

The reusable kernel behind ``dlsolve graph`` (and the backward passes of later kinds):
pure maths on numbers and numpy arrays, no steps, no specs, no SymPy.

Build a graph from assignments (text, parsed safely: see ``parse``)::

    >>> g = from_text("q = x + y; f = q * z", given=["x", "y", "z"])
    >>> ev = g.evaluate({"x": -2, "y": 5, "z": -4})
    >>> ev.values["q"], ev.values["f"], ev.grads["x"], ev.grads["z"]
    (3.0, -12.0, -4.0, 3.0)

or programmatically, gate by gate (an argument is a node name or a constant)::

    >>> g = Graph(["w", "x"], [Gate("s", "mul", ("w", "x")),
    ...                        Gate("f", "call", ("s",), "sigmoid")], "f")
    >>> round(g.evaluate({"w": 2.0, "x": 0.0}).grads["x"], 6)
    0.5

Values may be numbers, vectors or matrices (nested lists or arrays): ``@`` is the matrix
product, ``+ - * / **`` and the functions are elementwise with NumPy broadcasting (the
gradient summed back to the input's shape), ``sum``/``mean``/``max``/``min`` of one array
reduce it (``sum(X, axis=0)``, ``mean(X, axis=1)`` along one axis, as torch's ``dim=``),
``transpose(X)`` transposes. Shapes are checked (``GraphError`` says which). Arrays are
NumPy's, or, when the values are ``kernels.vec``'s Vec and Mat, plain Python (``lite``: the
same rules, no NumPy import; what the recurrent kinds use).

``Graph.evaluate(values, upstream=1, wrt=None)`` returns an ``Evaluation`` (``wrt``: the
inputs whose gradients are wanted, the others constants; None: all of them):

- ``values[name]``, ``grads[name]`` for every input and gate (grads are of
  L = Σ upstream ⊙ output; a value used twice sums its paths);
- ``edges``: every wire ``Edge(src, dst, index, value, local, grad)``: the value it carries
  forward, the local gradient ∂dst/∂src (elementwise gates) and the gradient it carries
  back; ``into(name)`` gives the uses of one node.

``patterns.pattern(gate)`` names what a gate does to the gradient (``add``, ``multiply``,
``max``, ``fused sigmoid``...) and ``patterns.SAYS`` gives the sentence for it;
``central_difference`` checks a gradient numerically. Conventions are PyTorch's autograd
(see ``ops``): abs'(0) = relu'(0) = 0, max/min ties split evenly, ∂(x^y)/∂y = x^y ln x.
Every activation of the registry is a function (``leaky_relu(x, alpha=0.1)``); the
others are exp, log (ln), sqrt, abs, max, min, sum, mean, transpose, softmax (each row).
A value or gradient that is not finite at the point (log 0, 1/0, sqrt'(0)) raises
``GraphError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from dlsolve.kernels.graph.core import Edge, Evaluation, Gate, Graph, GraphError, dims
from dlsolve.kernels.graph.numeric import central_difference, dot

if TYPE_CHECKING:
    from dlsolve.kernels.graph.parse import Assign

PARSE = ("Assign", "ParseError", "parse_assignment", "parse_program")  # read on first use

__all__ = ["Assign", "Edge", "Evaluation", "Gate", "Graph", "GraphError", "ParseError",
           "central_difference", "dims", "dot", "from_assignments", "from_text",
           "parse_assignment", "parse_program"]


def from_assignments(assigns: list[Assign], given: Iterable[str], output: str | None = None,
                     expand: bool = False) -> Graph:
    """The Graph of parsed assignments; ``given`` names the inputs (those with values)."""
    from dlsolve.kernels.graph.build import build

    return build(assigns, given, output, expand)


def from_text(text: str, given: Iterable[str], output: str | None = None,
              expand: bool = False) -> Graph:
    """The Graph of ``name = expression`` statements separated by ';' or new lines."""
    from dlsolve.kernels.graph.parse import parse_program

    return from_assignments(parse_program(text), given, output, expand)


def __getattr__(name: str) -> Any:
    """The parser's names, imported when first asked for (a kind that builds its graphs
    gate by gate never loads the parser)."""
    if name in PARSE:
        from dlsolve.kernels.graph import parse

        return getattr(parse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
