"""From assignments to gates: check the names, order them, break each expression into gates.

Every name is assigned once (O1): a name assigned twice, assigned and also given a value, a
cycle (``c = c + 1``) or a name with neither a value nor an assignment is a ``GraphError``
naming the statement. Assignments run in dependency order (the order given wherever it
already works). Each expression is lowered left to right, innermost first, the way an
answer writes it: ``f = (x + y) * z`` becomes ``q1 = x + y``, ``f = q1 * z``. The gates
dlsolve names itself get ``q1, q2, ...`` (skipping names in use). ``expand`` writes
``sigmoid(s)`` as CS231n's chain ``-s``, ``exp``, ``+1``, ``1/x`` instead of one gate.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from dlsolve.kernels.activations import NAMES, lookup
from dlsolve.kernels.graph.core import Gate, Graph, GraphError
from dlsolve.kernels.graph.parse import Assign, Name, Num, Op, Tree

OWN_FUNCTIONS = ("exp", "log", "ln", "sqrt", "abs", "max", "min", "sum", "mean", "transpose",
                 "softmax")
AXIS_FUNCTIONS = ("sum", "mean")  # sum(X, axis=0), as torch.sum(X, dim=0)
UNARY_ONLY = ("exp", "log", "sqrt", "abs", "sum", "mean", "transpose", "softmax")
CONSTANTS = {"e": 2.718281828459045, "pi": 3.141592653589793}
RESERVED = ("output",)
MAX_GATES = 5000


def function_names() -> list[str]:
    """Every function an expression may call."""
    return list(OWN_FUNCTIONS) + [n for n in NAMES if n not in OWN_FUNCTIONS]


def build(assigns: list[Assign], given: Iterable[str], output: str | None = None,
          expand: bool = False) -> Graph:
    """The Graph of ``assigns`` with the inputs ``given`` (names that have values)."""
    given = list(given)
    index = _check_names(assigns, given)
    order = _topological(assigns, index, set(given))
    lower = _Lowering(assigns, given, expand)
    for i in order:
        lower.assignment(i)
    named = [a.name for a in assigns if a.name]
    out = output or _default_output(assigns, order, lower)
    if output is not None and output not in named:
        raise GraphError(f"expected one of the assigned nodes ({', '.join(named)}), "
                         f"got {output!r}", None, field="output")
    inputs = list(dict.fromkeys(lower.used + given))
    return Graph(inputs, lower.gates, out)


def _default_output(assigns: list[Assign], order: list[int], lower: _Lowering) -> str:
    """The last assignment in the order of evaluation (the last one given, when in order)."""
    return lower.roots[order[-1]]


def _check_names(assigns: list[Assign], given: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, a in enumerate(assigns):
        if a.name is None:
            if i != len(assigns) - 1:
                raise GraphError("expected name = expression (only the last may be a bare "
                                 "expression)", i)
            continue
        if a.name in RESERVED or a.name.startswith("grad_"):
            raise GraphError(f"the name {a.name!r} is reserved for results; choose another", i)
        if a.name in index:
            raise GraphError(f"{a.name} is assigned twice (first in statement "
                             f"{index[a.name] + 1}); each node is assigned once", i)
        if a.name in given:
            raise GraphError(f"{a.name} is assigned here and also given in values:; "
                             "a node is either an input or assigned", i)
        index[a.name] = i
    return index


def names_in(tree: Tree) -> list[Name]:
    """The names a tree uses, left to right (iterative: no recursion on deep trees)."""
    out, stack = [], [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, Name):
            out.append(t)
        elif isinstance(t, Op):
            stack.extend(reversed(t.args))
    return out


def _topological(assigns: list[Assign], index: dict[str, int], given: set[str]) -> list[int]:
    deps: list[set[int]] = []
    for i, a in enumerate(assigns):
        need = set()
        for n in names_in(a.tree):
            if n.id in index:
                need.add(index[n.id])
            elif n.id not in given and n.id not in CONSTANTS:
                raise GraphError(f"{n.id} has no value: give it in values: or assign it "
                                 f"({n.id} = ...)", i, n.column)
        deps.append(need)
    done: list[int] = []
    left = list(range(len(assigns)))
    while left:
        ready = next((i for i in left if deps[i] <= set(done)), None)
        if ready is None:
            raise GraphError("a cycle: " + _cycle(assigns, deps, left) + "; the nodes must "
                             "form a graph without loops (each name assigned once)", left[0])
        done.append(ready)
        left.remove(ready)
    return done


def _cycle(assigns: list[Assign], deps: list[set[int]], left: list[int]) -> str:
    path, seen, i = [], set(), left[0]
    while i not in seen:
        seen.add(i)
        path.append(i)
        i = min(d for d in deps[i] if d in left)
    loop = path[path.index(i):] + [i]
    return " -> ".join(str(assigns[j].name) for j in loop)


class _Lowering:
    """Turns trees into gates, naming the inner ones q1, q2, ..."""

    def __init__(self, assigns: list[Assign], given: list[str], expand: bool):
        self.assigns, self.given, self.expand = assigns, set(given), expand
        self.taken = {a.name for a in assigns if a.name} | self.given
        self.gates: list[Gate] = []
        self.used: list[str] = []
        self.roots: dict[int, str] = {}
        self.counter = 0
        self.source = 0

    def fresh(self) -> str:
        while True:
            self.counter += 1
            name = f"q{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name

    def assignment(self, i: int) -> None:
        self.source = i
        a = self.assigns[i]
        name = a.name or ("f" if "f" not in self.taken else self.fresh())
        self.taken.add(name)
        root = self.lower(a.tree, name, a.name is None)
        if root != name:  # a copy (g = x) or a constant (c = 3)
            self.emit(name, "id", (root,), auto=a.name is None)
        self.roots[i] = name

    def emit(self, name: str, op: str, args: tuple[str | float, ...], fn: str = "",
             params: tuple[tuple[str, float], ...] = (), auto: bool = True,
             part_of: str = "") -> str:
        if len(self.gates) >= MAX_GATES:
            raise GraphError(f"expected at most {MAX_GATES} gates", self.source)
        self.gates.append(Gate(name, op, args, fn, params, auto, self.source, part_of))
        return name

    def lower(self, t: Tree, target: str | None = None, auto_root: bool = False) -> str | float:
        if isinstance(t, Num):
            return t.value
        if isinstance(t, Name):
            if t.id in CONSTANTS and t.id not in self.taken:
                return CONSTANTS[t.id]
            if t.id in self.given and t.id not in self.used:
                self.used.append(t.id)
            return t.id
        args = tuple(self.lower(a) for a in t.args)
        name = target if target is not None else self.fresh()
        auto = target is None or auto_root
        if t.op != "call":
            return self.emit(name, t.op, args, auto=auto)
        return self.call(t, args, name, auto)

    def call(self, t: Op, args: tuple[str | float, ...], name: str, auto: bool) -> str:
        fn = "log" if t.fn == "ln" else t.fn
        if fn in OWN_FUNCTIONS:
            self.check_args(t, fn, args)
            return self.emit(name, "call", args, fn, t.kwargs, auto=auto)
        act = lookup(fn)
        if act is None:
            close = difflib.get_close_matches(t.fn, function_names(), n=1)
            hint = f"did you mean {close[0]}?" if close else \
                "functions: " + ", ".join(function_names())
            raise GraphError(f"unknown function {t.fn!r}; {hint}", self.source, t.column)
        params = self.check_params(t, act.title, dict(act.params))
        if len(args) != 1:
            raise GraphError(f"{t.fn} takes one argument (parameters as keywords: "
                             f"{t.fn}(x, alpha=0.1)), got {len(args)}", self.source, t.column)
        if self.expand and act.name == "sigmoid":
            return self.sigmoid_chain(args[0], name, auto)
        return self.emit(name, "call", args, act.name, params, auto)

    def check_args(self, t: Op, fn: str, args: tuple[str | float, ...]) -> None:
        extra = [k for k, _ in t.kwargs if not (fn in AXIS_FUNCTIONS and k == "axis")]
        if extra:
            allowed = " (only axis=)" if fn in AXIS_FUNCTIONS else ""
            raise GraphError(f"{t.fn} takes no parameter {extra[0]}={allowed}", self.source,
                             t.column)
        for _, v in t.kwargs:
            if not float(v).is_integer() or abs(v) > 2:  # values are at most matrices
                raise GraphError(f"{t.fn}: axis= takes a whole number (0, 1 or -1), got {v:g}",
                                 self.source, t.column)
        if fn in UNARY_ONLY and len(args) != 1:
            raise GraphError(f"{t.fn} takes one argument, got {len(args)}", self.source,
                             t.column)
        if not args:
            raise GraphError(f"{t.fn} takes one or more arguments, got none", self.source,
                             t.column)

    def check_params(self, t: Op, title: str, params: dict[str, float]
                     ) -> tuple[tuple[str, float], ...]:
        for key, value in t.kwargs:
            if key not in params:
                known = ", ".join(sorted(params)) or "none"
                raise GraphError(f"{t.fn} has no parameter {key!r} (parameters of {title}: "
                                 f"{known})", self.source, t.column)
            params[key] = value
        return tuple(params.items())

    def sigmoid_chain(self, s: str | float, name: str, auto: bool) -> str:
        """σ(s) = 1/(1 + e^(-s)) as CS231n draws it: *-1, exp, +1, 1/x."""
        neg = self.emit(self.fresh(), "mul", (s, -1.0), part_of="sigmoid")
        ex = self.emit(self.fresh(), "call", (neg,), "exp", part_of="sigmoid")
        plus = self.emit(self.fresh(), "add", (ex, 1.0), part_of="sigmoid")
        return self.emit(name, "div", (1.0, plus), auto=auto, part_of="sigmoid")
