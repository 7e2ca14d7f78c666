"""The steps of a graph derivation: each gate forward, each wire backward, paths summed."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Deriv, Expr, Num, Sym
from dlsolve.kernels.graph import Edge, Evaluation, Gate, dims
from dlsolve.kernels.graph.patterns import REUSED, SAYS, pattern
from dlsolve.solvers import graph_forms as F
from dlsolve.steps import Note, Solution, Step


class Writer:
    """Writes the forward and backward steps of one evaluation into a Solution."""

    def __init__(self, sol: Solution, ev: Evaluation, spec: Any):
        self.sol, self.ev, self.graph = sol, ev, ev.graph
        self.out = self.graph.output
        out = ev.values[self.out]
        scalar_one = dims(out) == "a number" and float(ev.upstream) == 1.0
        self.reported = set(_reported(spec))
        self.live = self.graph.ancestors()
        self.loss = self.out if scalar_one and not self.output_reuses() else "L"

    def output_reuses(self) -> bool:
        """Does the output gate take a value that is also used elsewhere? Then ∂f/∂x would
        name both its local gradient and x's total gradient, so the total is written ∂L/∂x."""
        g = self.graph.by_name.get(self.out)
        return g is not None and any(len(self.uses(a)) > 1 for a in g.nodes())

    # -- naming ------------------------------------------------------------------------

    def sym(self, a: Any) -> Expr:
        return Sym(a) if isinstance(a, str) else Num(a)

    def num(self, a: Any) -> Expr | None:
        return F.value_expr(self.ev.values[a]) if isinstance(a, str) else Num(a)

    def say_num(self, a: Any) -> Expr:
        e = self.num(a)
        return e if e is not None else Sym(a)

    def small(self, *names: Any) -> bool:
        return all(self.num(a) is not None for a in names)

    def d(self, name: str) -> Deriv:
        return Deriv(Sym(self.loss), Sym(name))

    def key(self, kind: str, name: str) -> str | None:
        return (name if kind == "value" else f"grad_{name}") if name in self.reported else None

    # -- forward -----------------------------------------------------------------------

    def forward(self, g: Gate) -> None:
        value = self.ev.values[g.name]
        subst = F.formula(g, self.say_num) if self.small(*g.args) else None
        note = self.shapes(g) if self.ev.arrays else None
        if g.params and g.activation is not None:  # sum's axis= is in its formula
            note = ", ".join(f"{k} = {v:g}" for k, v in g.params) + ("; " + note if note else "")
        self.sol.add(Step(self.title(g, forward=True), Sym(g.name), F.formula(g, self.sym),
                          subst, value=F.shown(value), note=note,
                          key=self.key("value", g.name)))

    def title(self, g: Gate, forward: bool) -> str:
        p = pattern(g)
        fn = F.fname(g)
        name = {"fused sigmoid": "sigmoid gate (fused)", "activation": f"{fn} gate"
                }.get(p, p + " gate")
        if self.ev.arrays and g.op in ("mul", "div") and any(
                F.value_expr(self.ev.values[a]) is None or dims(self.ev.values[a]) != "a number"
                for a in g.nodes()):
            name += " (elementwise)"
        if g.part_of:
            name += f" (part of the expanded {g.part_of})"
        says = SAYS[p] if p != "activation" else f"{fn} gate: local gradient {fn}'(x)"
        text = name if forward else says
        return text[:1].upper() + text[1:]

    def shapes(self, g: Gate) -> str:
        parts = [f"{a}: {dims(self.ev.values[a])}" for a in g.nodes()]
        return "shapes " + ", ".join(parts) + f" → {g.name}: {dims(self.ev.values[g.name])}"

    # -- backward ----------------------------------------------------------------------

    def backward(self) -> None:
        up = self.ev.upstream
        self.sol.add(Step("The upstream gradient, fed in at the output", self.d(self.out),
                          value=F.shown(up), key=self.key("grad", self.out),
                          detail="brief"))
        for g in reversed(self.graph.gates):
            if g.name != self.out:
                self.collect(g.name)
            if g.name not in self.live:
                self.sol.add(Note(f"{g.name} does not feed {self.out}: its gradient is 0 and "
                                  "nothing flows back through it."))
                continue
            for i, a in enumerate(g.args):
                if isinstance(a, str):
                    self.wire(g, i, self.edge(g.name, i))
        for name in self.graph.inputs:
            self.collect(name)

    def edge(self, dst: str, i: int) -> Edge:
        return next(e for e in self.ev.edges if e.dst == dst and e.index == i)

    def uses(self, name: str) -> list[Edge]:
        return [e for e in self.ev.into(name) if e.dst in self.live]

    def wire(self, g: Gate, i: int, e: Edge) -> None:
        shared = len(self.uses(e.src)) > 1
        first = i == next(j for j, a in enumerate(g.args) if isinstance(a, str))
        title = self.title(g, forward=False) if first else ""
        if e.local is None:
            self.rule_step(g, i, e, shared, title)
            return
        local = Deriv(Sym(g.name), Sym(e.src))
        merged = g.name == self.out and self.loss == self.out and not shared
        subst, tie = self.local_numbers(g, i, e)
        self.sol.add(Step(title, local, F.local(g, i, self.sym, Sym(g.name)), subst,
                          value=F.shown(e.local), key=self.key("grad", e.src) if merged else None,
                          note=tie, detail="brief" if merged else "exam"))
        if merged:
            return
        up = Deriv(Sym(self.loss), Sym(g.name))
        nums = E.Mul((self.say_local(e), self.say_grad(g.name))) if self.small(g.name) else None
        note = self.broadcast_note(e)
        self.sol.add(Step(f"path {e.src} → {g.name}" if shared else "",
                          None if shared else self.d(e.src), E.Mul((local, up)), nums,
                          value=F.shown(e.grad), note=note,
                          key=None if shared else self.key("grad", e.src),
                          detail="exam" if shared else "brief"))

    def local_numbers(self, g: Gate, i: int, e: Edge) -> tuple[Expr | None, str | None]:
        """The local gradient with numbers put in, and a note on a tie of max/min."""
        if self.ev.arrays:
            return None, None
        if pattern(g) in ("max", "min"):
            share = float(e.local)
            if 0 < share < 1:
                k = round(1 / share)
                return None, (f"a tie: {k} arguments equal the {g.fn}, each gets 1/{k} of the "
                              "gradient (as torch.maximum / torch.amax)")
        y = self.ev.values[g.name]
        return F.local_numbers(g, i, self.say_num, self.say_num(g.name), e.value, y), \
            _kink(g, e.value)

    def say_local(self, e: Edge) -> Expr:
        v = F.value_expr(e.local)
        return v if v is not None else Sym("local")

    def say_grad(self, name: str) -> Expr:
        v = F.value_expr(self.ev.grads[name])
        return v if v is not None else self.d(name)

    def broadcast_note(self, e: Edge) -> str | None:
        if not self.ev.arrays:
            return None
        a, b = dims(e.value), dims(self.ev.values[e.dst])
        if a == b:
            return "elementwise product"
        return f"elementwise product, summed over the broadcast axes back to {e.src}'s shape {a}"

    def rule_step(self, g: Gate, i: int, e: Edge, shared: bool, title: str) -> None:
        up = Deriv(Sym(self.loss), Sym(g.name))
        formula = F.backward_rule(g, i, up, self.sym)
        nums = None
        if self.small(g.name, *g.nodes()) and F.value_expr(self.ev.grads[g.name]) is not None:
            nums = F.backward_rule(g, i, F.value_expr(self.ev.grads[g.name]) or up,
                                   self.say_num)
        note = f"shape {dims(e.grad)} (as {e.src})"
        path = f"path {e.src} → {g.name}" if shared else ""
        self.sol.add(Step("; ".join(t for t in (title, path) if t),
                          None if shared else self.d(e.src), formula, nums,
                          value=F.shown(e.grad), note=note,
                          key=None if shared else self.key("grad", e.src), detail="brief"))

    def collect(self, name: str) -> None:
        """The total gradient of a node used by several gates: its paths summed."""
        uses = self.uses(name)
        if len(uses) < 2:
            return
        terms = tuple(E.Mul((Deriv(Sym(e.dst), Sym(name)), Deriv(Sym(self.loss), Sym(e.dst))))
                      if e.local is not None else
                      F.backward_rule(self.graph.by_name[e.dst], e.index,
                                      Deriv(Sym(self.loss), Sym(e.dst)), self.sym) for e in uses)
        nums = E.Add(tuple(F.value_expr(e.grad) for e in uses)) \
            if all(F.value_expr(e.grad) is not None for e in uses) else None
        total = self.ev.grads[name]
        self.sol.add(Step(f"{name} is used {len(uses)} times: {REUSED}", self.d(name),
                          E.Add(terms), nums, value=F.shown(total),
                          key=self.key("grad", name), detail="brief"))


def _kink(g: Gate, x: float) -> str | None:
    """The sentence for a local gradient taken at a kink (PyTorch autograd's value)."""
    act = g.activation
    if act is not None:
        return act.derivative(x, dict(g.params))[1]
    if g.fn == "abs" and x == 0:
        return "|x| is not differentiable at 0 (left derivative -1, right 1); 0 is used, " \
               "as PyTorch's autograd does (sign(0) = 0)"
    return None


def _reported(spec: Any) -> list[str]:
    from dlsolve.solvers.graph import result_nodes

    return result_nodes(spec)
