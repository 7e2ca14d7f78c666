"""The graph and its evaluation: forward in order, backward in reverse, paths summed.

A ``Graph`` holds its inputs (names with values), its gates in an order where every gate
comes after its arguments, and the output. ``evaluate(values, upstream)`` runs the forward
pass, then reverse-mode accumulation from dL/d(output) = upstream: each gate hands each
argument its share (local gradient × upstream for elementwise gates, the vector-Jacobian
product for the others), and a value used by several gates sums what each path brings.
Every hand-over is kept as an ``Edge`` (the wire of the circuit: the value it carries
forward and the gradient it carries back).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dlsolve.kernels.graph import ops
from dlsolve.kernels.graph.ops import NonFinite, Value, is_array, shape

if TYPE_CHECKING:
    from dlsolve.kernels.activations import Activation


class GraphError(ValueError):
    """A graph that cannot be built or evaluated.

    ``statement`` is the index of the assignment at fault (None: the graph as a whole),
    ``column`` a 1-based column inside it, ``field`` the spec field when it is not a node
    (``values.x``, ``output``, ``upstream``).
    """

    def __init__(self, message: str, statement: int | None = None, column: int | None = None,
                 field: str | None = None):
        super().__init__(message)
        self.message, self.statement, self.column, self.field = message, statement, column, field


@dataclass(frozen=True)
class Gate:
    """One gate: ``name = op(args)``; an argument is a node name or a constant number."""

    name: str
    op: str                                   # add sub mul div pow neg matmul id call
    args: tuple[str | float, ...]
    fn: str = ""                              # the function of a call (exp, max, sigmoid, ...)
    params: tuple[tuple[str, float], ...] = ()  # an activation's parameters
    auto: bool = False                        # named by dlsolve (q1, q2, ...), not the user
    source: int = 0                           # the assignment it comes from
    part_of: str = ""                         # "sigmoid": a gate of an expanded sigmoid

    @property
    def activation(self) -> Activation | None:
        if self.op != "call" or self.fn in ops.OWN_FNS:
            return None
        from dlsolve.kernels.activations import REGISTRY  # not imported for graphs without one

        return REGISTRY.get(self.fn)

    @property
    def elementwise(self) -> bool:
        return ops.is_elementwise(self.op, self.fn, len(self.args))

    def nodes(self) -> list[str]:
        return [a for a in self.args if isinstance(a, str)]


@dataclass(frozen=True)
class Edge:
    """A wire: ``src`` feeding argument ``index`` of gate ``dst``.

    ``value`` is what it carries forward, ``local`` the local gradient ∂dst/∂src (None for a
    gate that is not elementwise, or off the output's path), ``grad`` what it carries back.
    """

    src: str
    dst: str
    index: int
    value: Value
    local: Value | None
    grad: Value


@dataclass
class Evaluation:
    """Values and gradients of every node at one point."""

    graph: Graph
    values: dict[str, Value]
    grads: dict[str, Value]
    edges: list[Edge]
    upstream: Value
    arrays: bool = False

    def into(self, name: str) -> list[Edge]:
        """The wires leaving node ``name`` (its uses), in gate order."""
        return [e for e in self.edges if e.src == name]


@dataclass
class Graph:
    inputs: list[str]
    gates: list[Gate]
    output: str
    by_name: dict[str, Gate] = field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {g.name: g for g in self.gates}

    def gate(self, name: str) -> Gate | None:
        return self.by_name.get(name)

    def names(self) -> list[str]:
        return self.inputs + [g.name for g in self.gates]

    def uses(self, name: str) -> list[tuple[Gate, int]]:
        return [(g, i) for g in self.gates for i, a in enumerate(g.args) if a == name]

    def ancestors(self) -> set[str]:
        """The output and every node it depends on."""
        out, stack = set(), [self.output]
        while stack:
            n = stack.pop()
            if n in out:
                continue
            out.add(n)
            g = self.by_name.get(n)
            if g:
                stack.extend(g.nodes())
        return out

    def dependents(self, names: Iterable[str]) -> set[str]:
        """``names`` and every gate that depends on one of them."""
        out = set(names)
        for g in self.gates:
            if any(a in out for a in g.nodes()):
                out.add(g.name)
        return out

    def evaluate(self, values: dict[str, Any], upstream: Any = 1.0,
                 wrt: Iterable[str] | None = None) -> Evaluation:
        """Forward and backward at ``values`` (numbers, nested lists or arrays).

        ``wrt`` names the inputs whose gradients are wanted (None: every input); the others
        are constants, as tensors without requires_grad in PyTorch: no gradient is carried
        back into them, or into what depends on them alone (those nodes have no entry in
        ``grads``, their wires none in ``edges``).
        """
        need = None
        if wrt is not None:
            wrt = list(wrt)
            unknown = [w for w in wrt if w not in self.inputs]
            if unknown:
                raise GraphError(f"wrt: {unknown[0]} is not an input "
                                 f"({', '.join(self.inputs)})", field="wrt")
            need = self.dependents(wrt)
        kit = _kit([*values.values(), upstream])
        if kit is None:
            return self._run({k: float(values[k]) for k in self.inputs}, float(upstream), None,
                             need)
        with _quiet(kit):
            vals = {k: kit.asarray(values[k]) for k in self.inputs}
            return self._run(vals, kit.asarray(upstream), kit, need)

    def forward(self, values: dict[str, Value], kit: Any = None) -> dict[str, Value]:
        """Every node's value; ``kit`` is the module for the arrays (``ops`` for NumPy's,
        ``lite`` for plain-Python ones), None for numbers."""
        vals, k = dict(values), kit or ops
        for g in self.gates:
            args = [vals[a] if isinstance(a, str) else a for a in g.args]
            _check_shapes(g, args, kit)
            try:
                out = k.forward(g.op, args, g.fn, g.activation, dict(g.params))
            except NonFinite as e:
                raise GraphError(f"{g.name} is not finite at this point: {e}", g.source) from None
            if not k.finite(out):  # a sum, mean or product of large finite numbers
                raise GraphError(f"{g.name} is not finite at this point: overflow", g.source)
            vals[g.name] = kit.asarray(out) if kit else float(out)
        return vals

    def _run(self, values: dict[str, Value], upstream: Value, kit: Any,
             need: set[str] | None = None) -> Evaluation:
        vals = self.forward(values, kit)
        out = vals[self.output]
        if kit and is_array(upstream) and upstream.ndim and upstream.shape != shape(out):
            want = "a number (the output is a number)" if not shape(out) else \
                f"a number or an array of the output's shape {_dims(shape(out))}"
            raise GraphError(f"expected {want}, got a {_dims(upstream.shape)} array",
                             field="upstream")
        zero = kit.zeros_like if kit else (lambda v: 0.0)
        grads = {k: zero(v) for k, v in vals.items() if need is None or k in need}
        grads[self.output] = kit.asarray(kit.mul(upstream, kit.ones_like(out))) if kit \
            else upstream
        live = self.ancestors()
        groups: list[list[Edge]] = []
        for g in reversed(self.gates):
            if need is not None and g.name not in need:
                continue
            args = [vals[a] if isinstance(a, str) else a for a in g.args]
            groups.append([])
            for i, a in enumerate(g.args):
                if isinstance(a, str) and (need is None or a in need):
                    edge = self._edge(g, i, args, vals[g.name], grads[g.name], g.name in live,
                                      kit)
                    grads[a] = kit.asarray(kit.add(grads[a], edge.grad)) if kit \
                        else grads[a] + edge.grad
                    groups[-1].append(edge)
        edges = [e for group in reversed(groups) for e in group]
        return Evaluation(self, vals, grads, edges, upstream, kit is not None)

    def _edge(self, g: Gate, i: int, args: list[Value], out: Value, up: Value,
              live: bool, kit: Any = None) -> Edge:
        src, k = g.args[i], kit or ops
        assert isinstance(src, str)
        if not live:
            return Edge(src, g.name, i, args[i], None, up * 0.0 if not is_array(args[i])
                        else k.zeros_like(args[i]))
        try:
            if g.elementwise:
                loc = k.local(g.op, i, args, out, g.fn, g.activation, dict(g.params))
                grad = k.unbroadcast(k.mul(loc, up), shape(args[i]))
            else:
                loc, grad = None, k.vjp(g.op, i, args, out, up, g.fn, dict(g.params))
        except NonFinite as e:
            raise GraphError(f"the gradient of {g.name} with respect to {src} is not finite "
                             f"at this point: {e}", g.source) from None
        if not k.finite(grad):
            raise GraphError(f"the gradient reaching {src} from {g.name} is not finite at "
                             "this point (an infinite local gradient)", g.source)
        return Edge(src, g.name, i, args[i], loc, grad)

    def loss(self, values: dict[str, Any], upstream: Any = 1.0) -> float:
        """L = Σ upstream ⊙ output: the scalar whose gradients ``evaluate`` returns."""
        ev = self.forward_only(values)
        out = ev[self.output]
        if isinstance(out, float):
            return float(upstream) * out
        kit = _kit([*values.values(), upstream])
        return kit.total(kit.mul(kit.asarray(upstream), out))

    def forward_only(self, values: dict[str, Any]) -> dict[str, Value]:
        kit = _kit(list(values.values()))
        if kit is None:
            return self.forward({k: float(values[k]) for k in self.inputs})
        with _quiet(kit):
            return self.forward({k: kit.asarray(values[k]) for k in self.inputs}, kit)


def _kit(values: list[Any]) -> Any:
    """The module that computes on these values: ``lite`` when one is a Vec or Mat, ``ops``
    (NumPy) when one is another list or array, None when all are numbers."""
    arrays = [v for v in values if isinstance(v, (list, tuple)) or hasattr(v, "shape")]
    if not arrays:
        return None
    vec = sys.modules.get("dlsolve.kernels.vec")  # no Vec or Mat exists before it is loaded
    if vec is not None and any(isinstance(v, (vec.Vec, vec.Mat)) for v in arrays):
        from dlsolve.kernels.graph import lite

        return lite
    return ops


def _quiet(kit: Any) -> Any:
    """NumPy's warnings off (the evaluator reports what is not finite itself)."""
    return ops.np().errstate(all="ignore") if kit is ops else contextlib.nullcontext()


def _dims(s: tuple[int, ...]) -> str:
    return "a number" if not s else "×".join(str(d) for d in s)


def dims(v: Value) -> str:
    """A value's shape in words: ``a number``, ``3``, ``2×3``."""
    return _dims(shape(v))


def _check_shapes(g: Gate, args: list[Value], kit: Any) -> None:
    if not kit:
        return
    shapes = [shape(a) if is_array(a) else () for a in args]
    if g.op == "matmul":
        _matmul_shapes(g, shapes)
    elif g.op in ops.BINARY or (g.op == "call" and g.fn in ("max", "min") and len(args) > 1):
        try:
            kit.broadcast_shapes(*shapes)
        except ValueError:
            raise GraphError(f"{g.name}: shapes " + " and ".join(_dims(s) for s in shapes) +
                             " do not match (nor broadcast)", g.source) from None
    elif g.fn == "transpose" and len(shapes[0]) > 2:
        raise GraphError(f"{g.name}: transpose takes a vector or a matrix", g.source)
    elif g.params and g.fn in ("sum", "mean") and shapes[0]:
        axis, rank = int(dict(g.params)["axis"]), len(shapes[0])
        if not -rank <= axis < rank:
            raise GraphError(f"{g.name}: {g.fn}(..., axis={axis}) needs an array with axis "
                             f"{axis}, got {_dims(shapes[0])}", g.source)


def _matmul_shapes(g: Gate, shapes: list[tuple[int, ...]]) -> None:
    a, b = shapes
    if not a or not b:
        raise GraphError(f"{g.name}: @ multiplies vectors and matrices, got "
                         f"{_dims(a)} @ {_dims(b)} (use * for numbers)", g.source)
    if len(a) > 2 or len(b) > 2 or a[-1] != b[0]:
        raise GraphError(f"{g.name}: shapes {_dims(a)} @ {_dims(b)} do not match (the inner "
                         f"sizes {a[-1]} and {b[0]} differ)", g.source)
