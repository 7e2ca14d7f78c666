"""Backprop through time written out: the two paths into h_t, each gate's gradient, the sums.

Walking t = T..1: dL/dh_t = (path 1, from y_t) + (path 2, from h_{t+1}); then the cell's own
chain rule down to each gate's pre-activation gradient δ; at the end each parameter's
gradient as the sum over the steps of its per-step terms. The numbers are the graph
engine's (``kernels.bptt_engine.backward``: the cell unrolled as its gates); the formulas are the
chain rule per step, and walked on their own (``kernels.bptt.closed_form``) they must give
the engine's numbers, else a SolverBug.
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.errors import SolverBug
from dlsolve.expr import Num, Sym
from dlsolve.kernels import bptt as B
from dlsolve.kernels import bptt_engine as BE
from dlsolve.kernels.recurrent import GATES, Forward, StepState
from dlsolve.kernels.vec import Vec
from dlsolve.solvers.rnn_forms import T_, add, at, delta, dL, nj, num, param, shown, units
from dlsolve.solvers.rnn_forward import Model
from dlsolve.solvers.rnn_gates import CELL_BACK
from dlsolve.solvers.rnn_sums import param_sums
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

LOSS_GRAD = {"half_sse": (1, False), "sse": (2, False), "half_mse": (1, True), "mse": (2, True)}
SAME = 1e-9  # engine against closed form, in units of the size of each step's numbers


def same_as_closed_form(m: Model, fw: Forward, bp: B.BPTT) -> None:
    """The chain rule the steps write, walked on its own, gives the engine's numbers."""
    if not bp.engine:   # the forward pass overflowed: the closed form's numbers are shown
        return
    closed = B.closed_form(m.cell, fw, m.targets, m.spec.loss, m.ro)
    gap = BE.disagreement(m.cell, fw, bp, closed)
    if gap > SAME:
        raise SolverBug(f"BPTT: the closed form and the graph engine differ ({gap:.3g} times "
                        "the size of a step's numbers)")


def bptt_steps(sol: Solution, m: Model, fw: Forward, bp: B.BPTT) -> None:
    same_as_closed_form(m, fw, bp)
    sol.add(Heading("Backprop through time", "brief"), Note(
        "Walking back from t = T: two paths lead into h_t, from the output y_t (the loss at "
        "step t) and from h_{t+1} (every later loss, through the next step's gates); "
        "δ_k,t = ∂L/∂(pre-activation of gate k at step t)."))
    for t in range(m.T, 0, -1):
        level = "full" if m.summary() and t < m.T - 1 else "exam"
        s, g = fw.steps[t - 1], bp.steps[t - 1]
        sol.add(Heading(f"Step t = {t} (backward)", level))
        _into_h(sol, m, bp, t, level)
        CELL_BACK[m.cell.kind](sol, m, s, g, t, level)
    if m.summary():
        sol.add(Note(f"Steps {m.T - 2} down to 1 repeat this working (at detail level full); "
                     f"the table below has every value."))
    _into_h0(sol, m, fw, bp)
    sol.add(grad_table(m, bp))
    param_sums(sol, m, fw, bp)


def _loss_grad(m: Model, t: int, o: Vec, target: Vec, out: str):
    rule = LOSS_GRAD.get(m.spec.loss.name)
    if rule is None:
        return None, None
    k, mean = rule
    n = len(o)
    scale = Num(k) / Num(n) if mean and n > 1 else (Num(k) if k != 1 else None)

    def wrap(e: E.Expr) -> E.Expr:
        return e if scale is None else E.Mul((scale, E.Bracket("paren", e)))

    formula = wrap(at(out, t) - at("t", t))
    subst = units(n, lambda j: wrap(Num(float(o[j])) - Num(float(target[j]))))
    return formula, subst


def _into_h(sol: Solution, m: Model, bp: B.BPTT, t: int, level: str) -> None:
    s, g = m_step(m, bp, t)
    paths: list[tuple[E.Expr, Vec]] = []
    if g.dy is not None:
        out = "y" if m.ro is not None else "h"
        o = s.y if m.ro is not None else s.h
        formula, subst = _loss_grad(m, t, o, m.targets[t - 1], out)
        sol.add(Step(f"Loss gradient at {out}_{t}", dL(at(out, t), f"L_{t}"), formula, subst,
                     value=shown(g.dy), detail=level))
        if m.ro is not None:
            _output_delta(sol, m, s, g, t, level)
            p1 = E.Mul((T_(param("output", "W")), Sym(f"delta_y,{t}")))
            sol.add(Step(f"Path 1 into h_{t}: from y_{t}", p1, None, None,
                         value=shown(g.from_output), detail=level))
            paths.append((p1, g.from_output))
        else:
            paths.append((dL(at("h", t), f"L_{t}"), g.from_output))
    if t < m.T:
        p2 = from_next_formula(m, t + 1)
        sol.add(Step(f"Path 2 into h_{t}: from h_{t + 1}", p2, None, to_prev_numbers(m, t + 1),
                     value=shown(g.from_next), detail=level))
        paths.append((p2, g.from_next))
    formula = add([p for p, _ in paths]) if paths else Num(0)
    subst = add([num(v) for _, v in paths]) if len(paths) > 1 else None
    sol.add(Step(f"Total gradient into h_{t}", dL(at("h", t)), formula, subst,
                 value=shown(g.dh), key="grad_h", detail=level,
                 note=None if paths else "no target at this step or after it"))


def m_step(m: Model, bp: B.BPTT, t: int) -> tuple[StepState, B.StepGrad]:
    return m.fw.steps[t - 1], bp.steps[t - 1]


def _output_delta(sol: Solution, m: Model, s: StepState, g: B.StepGrad, t: int,
                  level: str) -> None:
    act, lhs = m.ro.activation, Sym(f"delta_y,{t}")
    if act == "linear":
        sol.add(Step("Output layer is linear: δy = ∂L/∂y", lhs, dL(at("y", t), f"L_{t}"),
                     value=shown(g.dzy), detail=level))
        return
    if act == "softmax":
        formula = None
        note = "the softmax Jacobian: δ_j = y_j (g_j - Σ_k y_k g_k) for g = ∂L/∂y"
        if m.spec.loss.name == "cce":
            note += "; with cross-entropy this is y_t - t_t"
        sol.add(Step("Back through the softmax", lhs, formula, value=shown(g.dzy),
                     note=note, detail=level))
        return
    name = m.spec.output.act.fn.fname
    sol.add(Step("Back through the output activation", lhs,
                 E.Mul((E.Call(name + "'", (Sym(f"z_y,{t}"),)), dL(at("y", t), f"L_{t}"))),
                 value=shown(g.dzy), detail=level))


def from_next_formula(m: Model, t: int) -> E.Expr:
    """What step t sends back to h_{t-1}, in symbols."""
    kind = m.cell.kind
    terms: list[E.Expr] = []
    if kind == "gru":
        terms.append(E.Mul((at("z", t), dL(at("h", t)))))
    for k in GATES[kind]:
        if kind == "gru" and k == "n":
            inner = E.Mul((delta("n", t), at("r", t)))
            terms.append(E.Mul((T_(param("n", "U")), E.Bracket("paren", inner)))
                         if m.cell.reset_after else
                         E.Mul((E.Bracket("paren", E.Mul((T_(param("n", "U")), delta("n", t)))),
                                at("r", t))))
        else:
            terms.append(E.Mul((T_(param(k, "U")), delta(k, t))))
    return add(terms)


def to_prev_numbers(m: Model, t: int) -> E.Expr:
    """What step t sends back to h_{t-1}, with numbers: products for one unit, else vectors."""
    s, g = m.fw.steps[t - 1], m.bp.steps[t - 1]
    if m.H > 1:
        return add([num(v) for v in g.to_prev.values()])
    terms: list[E.Expr] = []
    for k in g.to_prev:
        if k == "direct":
            terms.append(E.Mul((nj(s.gate["z"], 0), nj(g.dh, 0))))
            continue
        U = Num(m.cell.gates[k].U[0][0])
        if m.cell.kind == "gru" and k == "n":
            inner = E.Mul((nj(g.delta["n"], 0), nj(s.gate["r"], 0)))
            terms.append(E.Mul((U, E.Bracket("paren", inner))) if m.cell.reset_after else
                         E.Mul((E.Bracket("paren", E.Mul((U, nj(g.delta["n"], 0)))),
                                nj(s.gate["r"], 0))))
        else:
            terms.append(E.Mul((U, nj(g.delta[k], 0))))
    return add(terms)


def _into_h0(sol: Solution, m: Model, fw: Forward, bp: B.BPTT) -> None:
    first = bp.steps[0]
    sol.add(Heading("Into the initial state"),
            Step("Gradient into h_0", dL(at("h", 0)), from_next_formula(m, 1),
                 to_prev_numbers(m, 1), value=shown(bp.dh0), key="grad_h0"))
    if m.cell.kind == "lstm":
        sol.add(Step("Gradient into c_0", dL(at("c", 0)), E.Mul((dL(at("c", 1)), at("f", 1))),
                     units(m.H, lambda j: E.Mul((nj(first.dc, j), nj(fw.steps[0].gate["f"], j)))),
                     value=shown(bp.dc0), key="grad_c0"))


def grad_table(m: Model, bp: B.BPTT) -> TableStep:
    lstm = m.cell.kind == "lstm"
    cols = ("t", "from y_t" if m.ro is not None else "from L_t", "from h_{t+1}", "∂L/∂h_t") + \
        (("∂L/∂c_t",) if lstm else ())
    rows = tuple((t, shown(g.from_output), shown(g.from_next), shown(g.dh)) +
                 ((shown(g.dc),) if lstm else ()) for t, g in enumerate(bp.steps, 1))
    return TableStep("Gradients into the hidden states over time", cols, rows, key="grad_h",
                     detail="brief")
