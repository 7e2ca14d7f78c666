"""The forward pass of a recurrent cell written step by step: every gate with its numbers.

Per step t: each gate k = act(W_k x_t + b_k + U_k h_{t-1} + bu_k) in symbols, with the numbers
of every unit substituted, the pre-activation, and the value; then the cell state and hidden
state (and y_t with an output layer). A table of h_t (and c_t, y_t) over time closes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Num
from dlsolve.kernels.recurrent import Cell, Forward, Readout, StepState
from dlsolve.kernels.vec import Vec
from dlsolve.solvers.rnn_forms import act_name, add, at, dot_terms, fn, nj, num, param, shown, units
from dlsolve.spec.rnn import GATE_NAMES, RnnProblem
from dlsolve.steps import Heading, Solution, Step, TableStep

SUMMARY_FROM = 6   # sequences this long are worked for step 1 only (the rest tabulated)


@dataclass
class Model:
    """The problem as numbers for the kernels, beside its spec."""

    spec: RnnProblem
    cell: Cell
    ro: Readout | None
    xs: list[Vec]
    h0: Vec
    c0: Vec | None
    targets: list[Vec | None] | None
    fw: Forward | None = None      # the forward pass, once run
    bp: Any = None                 # the backward walk (kernels.bptt.BPTT), once run

    @property
    def T(self) -> int:
        return len(self.xs)

    @property
    def H(self) -> int:
        return self.cell.hidden

    def summary(self) -> bool:
        return self.T >= SUMMARY_FROM and not self.spec.show_all

    def gate_act(self, k: str) -> str:
        if k == "rnn":
            return self.cell.activation
        return "tanh" if k in ("g", "n") else "sigmoid"


def forward_steps(sol: Solution, m: Model, fw: Forward) -> None:
    """Every step of the forward pass (steps after the first at detail full in a summary)."""
    sol.add(Heading("Forward pass", "brief"))
    for t, s in enumerate(fw.steps, 1):
        level = "full" if m.summary() and t > 1 else "exam"
        sol.add(Heading(f"Step t = {t}", level))
        if m.cell.kind == "gru":
            _gru_step(sol, m, s, t, level)
        else:
            for k in m.cell.gates:
                _gate(sol, m, s, k, t, level)
        if m.cell.kind == "lstm":
            _lstm_state(sol, m, s, t, level)
        if m.ro is not None:
            _output(sol, m, s, t, level)
    if m.summary():
        sol.add(Heading(f"Steps 2 to {m.T}"), _summary_note(m))
    sol.add(state_table(m, fw))


def _summary_note(m: Model) -> Any:
    from dlsolve.steps import Note

    return Note(f"Steps 2 to {m.T} repeat step 1's working with the previous hidden state; "
                f"they are written out at detail level full, and the table below has every "
                f"value (all of them in JSON too).")


def affine_sym(m: Model, k: str, t: int) -> E.Expr:
    """W_k x_t + b_k + U_k h_{t-1} + bu_k (the biases the spec gave)."""
    given = m.spec.gates[k].given
    terms = [E.Mul((param(k, "W"), at("x", t)))]
    if "b" in given:
        terms.append(param(k, "b"))
    terms.append(E.Mul((param(k, "U"), at("h", t - 1))))
    if "bu" in given:
        terms.append(param(k, "bu"))
    return E.Add(tuple(terms))


def affine_num(m: Model, k: str, x: Vec, h: Vec, j: int) -> E.Expr:
    g, given = m.cell.gates[k], m.spec.gates[k].given
    terms = dot_terms(g.W[j], x)
    if "b" in given:
        terms.append(nj(g.b, j))
    terms += dot_terms(g.U[j], h)
    if "bu" in given:
        terms.append(nj(g.bu, j))
    return add(terms)


def _gate(sol: Solution, m: Model, s: StepState, k: str, t: int, level: str) -> None:
    f = act_name(m.gate_act(k))
    lhs = at("h", t) if k == "rnn" else at(k, t)
    title = f"Hidden state h_{t}" if k == "rnn" else f"{GATE_NAMES[k].capitalize()} {k}_{t}"
    sol.add(Step(title, lhs, fn(f, affine_sym(m, k, t)),
                 fn(f, units(m.H, lambda j: affine_num(m, k, s.x, s.h_prev, j))),
                 value=shown(s.gate[k]), key="h" if k == "rnn" else k,
                 more=(fn(f, num(s.pre[k])),), detail=level))


def _gru_step(sol: Solution, m: Model, s: StepState, t: int, level: str) -> None:
    for k in ("r", "z"):
        _gate(sol, m, s, k, t, level)
    if not m.cell.reset_after:
        sol.add(Step("Reset applied to the previous state (reset_after: false)",
                     E.Mul((at("r", t), at("h", t - 1))),
                     substituted=units(m.H, lambda j: E.Mul((nj(s.gate["r"], j),
                                                             nj(s.h_prev, j)))),
                     value=shown(s.inner), detail=level))
    formula, unit = _gru_n_forms(m, s, t)
    sol.add(Step(f"New gate n_{t}", at("n", t), fn("tanh", formula), fn("tanh", units(m.H, unit)),
                 value=shown(s.gate["n"]), key="n", more=(fn("tanh", num(s.pre["n"])),),
                 detail=level))
    z, nv, hp = s.gate["z"], s.gate["n"], s.h_prev
    sol.add(Step(f"Hidden state h_{t}", at("h", t),
                 E.Add((E.Mul((E.Bracket("paren", Num(1) - at("z", t)), at("n", t))),
                        E.Mul((at("z", t), at("h", t - 1))))),
                 units(m.H, lambda j: E.Add((E.Mul((E.Bracket("paren", Num(1) - nj(z, j)),
                                                     nj(nv, j))),
                                             E.Mul((nj(z, j), nj(hp, j)))))),
                 value=shown(s.h), key="h", detail=level))


def _gru_n_forms(m: Model, s: StepState, t: int) -> tuple[E.Expr, Any]:
    """The new gate's pre-activation in symbols, and unit j's with numbers."""
    n, r, given = m.cell.gates["n"], s.gate["r"], m.spec.gates["n"].given
    xs = [E.Mul((param("n", "W"), at("x", t)))] + ([param("n", "b")] if "b" in given else [])
    bu = [param("n", "bu")] if "bu" in given else []

    def head(j: int) -> list[E.Expr]:
        return dot_terms(n.W[j], s.x) + ([nj(n.b, j)] if "b" in given else [])

    def bu_num(j: int) -> list[E.Expr]:
        return [nj(n.bu, j)] if "bu" in given else []

    if m.cell.reset_after:
        inner = E.Add(tuple([E.Mul((param("n", "U"), at("h", t - 1)))] + bu))
        formula = E.Add(tuple(xs) + (E.Mul((at("r", t), E.Bracket("paren", inner))),))
        return formula, lambda j: add(head(j) + [E.Mul((nj(r, j), E.Bracket(
            "paren", add(dot_terms(n.U[j], s.h_prev) + bu_num(j)))))])
    formula = E.Add(tuple(xs) + (E.Mul((param("n", "U"), E.Bracket(
        "paren", E.Mul((at("r", t), at("h", t - 1)))))),) + tuple(bu))
    return formula, lambda j: add(head(j) + dot_terms(n.U[j], s.inner) + bu_num(j))


def _lstm_state(sol: Solution, m: Model, s: StepState, t: int, level: str) -> None:
    v = s.gate
    sol.add(Step(f"Cell state c_{t}", at("c", t),
                 E.Add((E.Mul((at("f", t), at("c", t - 1))), E.Mul((at("i", t), at("g", t))))),
                 units(m.H, lambda j: E.Add((E.Mul((nj(v["f"], j), nj(s.c_prev, j))),
                                             E.Mul((nj(v["i"], j), nj(v["g"], j)))))),
                 value=shown(s.c), key="c", detail=level))
    sol.add(Step(f"Hidden state h_{t}", at("h", t), E.Mul((at("o", t), fn("tanh", at("c", t)))),
                 units(m.H, lambda j: E.Mul((nj(v["o"], j), fn("tanh", nj(s.c, j))))),
                 value=shown(s.h), key="h",
                 more=(units(m.H, lambda j: E.Mul((nj(v["o"], j),
                                                   nj(s.tanh_c, j)))),), detail=level))


def _output(sol: Solution, m: Model, s: StepState, t: int, level: str) -> None:
    ro = m.ro
    inner = E.Add((E.Mul((param("output", "W"), at("h", t))), param("output", "b")))
    subst = units(len(ro.b), lambda j: add(dot_terms(ro.W[j], s.h) + [nj(ro.b, j)]))
    if ro.activation == "linear":
        step = Step(f"Output y_{t}", at("y", t), inner, subst, value=shown(s.y), key="y",
                    detail=level)
    else:
        name = m.spec.output.act.fn.fname if ro.activation != "softmax" else "softmax"
        step = Step(f"Output y_{t}", at("y", t), fn(name, inner), fn(name, subst),
                    value=shown(s.y), key="y", more=(fn(name, num(s.y_pre)),), detail=level)
    sol.add(step)


def state_table(m: Model, fw: Forward) -> TableStep:
    cols = ["t", "x_t", "h_t"] + (["c_t"] if m.cell.kind == "lstm" else []) + \
        (["y_t"] if m.ro is not None else [])
    rows = [(0, "", shown(fw.h0)) + ((shown(fw.c0),) if m.cell.kind == "lstm" else ()) +
            (("",) if m.ro is not None else ())]
    for t, s in enumerate(fw.steps, 1):
        row = (t, shown(s.x), shown(s.h)) + ((shown(s.c),) if m.cell.kind == "lstm" else ())
        rows.append(row + ((shown(s.y),) if m.ro is not None else ()))
    return TableStep("States over time", tuple(cols), tuple(rows), key="h", detail="brief")
