"""Backprop through an expression, gate by gate, as CS231n's circuits are worked.

Forward: each gate in order, its formula, the numbers put in, its value. Backward from
dL/d(output) = upstream, in reverse order: each gate's local gradient written out
(∂q/∂x = 1, ∂f/∂q = z, ∂σ/∂s = σ(1 - σ)) times the upstream gradient, with the pattern the
gate follows (add distributes, multiply swaps, max routes); a reused value sums its paths.
Then the circuit: every wire with its value forward and its gradient back.
"""

from __future__ import annotations

from dlsolve.expr import Deriv, Sym
from dlsolve.kernels.graph import Evaluation, dims
from dlsolve.solvers.graph_circuit import circuit, self_check
from dlsolve.solvers.graph_forms import tree_expr
from dlsolve.solvers.graph_steps import Writer
from dlsolve.spec.graph import GraphProblem
from dlsolve.steps import Heading, Note, Solution

GIVEN_LIMIT = 100  # arrays with more entries are described, not printed, among the givens


def solve(spec: GraphProblem) -> Solution:
    graph = spec.graph
    ev = graph.evaluate(spec.values, spec.upstream)
    shown = "; ".join(a.text for a in spec.statements)
    sol = Solution("graph", f"Backprop through {shown}")
    w = Writer(sol, ev, spec)
    _givens(sol, spec, ev, w)
    _conventions(sol, spec, ev, w)
    sol.add(Heading("Forward pass"))
    for g in graph.gates:
        w.forward(g)
    sol.add(Heading("Backward pass"))
    w.backward()
    circuit(sol, ev, w)
    self_check(sol, spec, ev, w)
    _results(sol, spec, ev)
    return sol


def _givens(sol: Solution, spec: GraphProblem, ev: Evaluation, w: Writer) -> None:
    for a in spec.statements:
        sol.given(Sym(a.name or w.out), tree_expr(a.tree), "node" if a.name else "expression")
    for name in spec.graph.inputs:
        v = ev.values[name]
        big = not isinstance(v, float) and v.size > GIVEN_LIMIT
        sol.given(name, f"a {dims(v)} array (given in the spec)" if big else spec.values[name],
                  "input")
    sol.given(Deriv(Sym("L"), Sym(w.out)) if w.loss != w.out else
              Deriv(Sym(w.out), Sym(w.out)), spec.upstream, "upstream gradient")


def _conventions(sol: Solution, spec: GraphProblem, ev: Evaluation, w: Writer) -> None:
    graph = spec.graph
    fns = {g.fn for g in graph.gates if g.op == "call"}
    if w.loss != w.out and w.output_reuses():
        sol.note(f"L = {w.out}: ∂{w.out}/∂x is a gate's local gradient, ∂L/∂x the total "
                 "gradient of x over all of its paths.")
    elif w.loss != w.out:
        sol.note("The gradients are those of L = Σ upstream·output (elementwise, summed): "
                 "∂output/∂x times the upstream gradient fed in at the output.")
    if fns & {"max", "min"}:
        sol.note("max/min route the gradient to the extreme argument; tied arguments share it "
                 "evenly (torch.maximum for two arguments, torch.amax for more).")
    if fns & {"abs", "relu", "relu6", "hardtanh", "leaky_relu", "step", "hardsigmoid"}:
        sol.note("At a kink the derivative is PyTorch autograd's: abs'(0) = 0, relu'(0) = 0.")
    if any(g.op == "pow" and isinstance(g.args[1], str) for g in graph.gates):
        sol.note("A power whose exponent depends on the inputs is differentiated in its "
                 "exponent too: ∂(x^y)/∂y = x^y·ln x.")
    if spec.expand:
        sol.note("sigmoid is expanded into CS231n's gates: *-1, exp, +1, 1/x.")
    elif "sigmoid" in fns:
        sol.note("sigmoid is one fused gate with local gradient σ(1 - σ) (--expand shows "
                 "the *-1, exp, +1, 1/x chain).")
    if any(g.auto for g in graph.gates):
        sol.note("Gates dlsolve names itself (q1, q2, ...) are intermediate results of the "
                 "expression, numbered in the order they are computed.")
    unused = [n for n in graph.inputs if not graph.uses(n)]
    if unused:
        sol.add(Note(", ".join(unused) + " is given but used by no node: its gradient is 0.",
                     "warning"))


def result_nodes(spec: GraphProblem) -> list[str]:
    """The nodes reported by name: the inputs and the nodes the user named."""
    graph = spec.graph
    named = [g.name for g in graph.gates if not g.auto]
    return graph.inputs + named


def _results(sol: Solution, spec: GraphProblem, ev: Evaluation) -> None:
    names = result_nodes(spec)
    for n in names:
        sol.set(n, ev.values[n])
        sol.set(f"grad_{n}", ev.grads[n])
    sol.set("output", ev.values[spec.graph.output])
    grads = [f"grad_{n}" for n in spec.graph.inputs]
    named = [n for n in names if n not in spec.graph.inputs]
    sol.answer = ("output", *grads, *[k for n in named for k in (n, f"grad_{n}")])

