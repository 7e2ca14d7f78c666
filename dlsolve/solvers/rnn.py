"""A recurrent network worked step by step: RNN, LSTM or GRU over a sequence, then BPTT.

Givens first; the equations in symbols with each convention named (PyTorch's gate order and
two biases, Keras's/PyTorch's GRU reset_after); the forward pass per step (rnn_forward); the
loss over the steps with targets; backprop through time (rnn_bptt); how the gradient shrinks
or grows back through time (rnn_flow); finite-difference self-checks at detail full.
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Sym
from dlsolve.kernels import bptt as B
from dlsolve.kernels import bptt_engine as BE
from dlsolve.kernels import losses as L
from dlsolve.kernels.recurrent import GATES, Cell, Gate, Readout, forward, step_losses
from dlsolve.kernels.vec import Mat, Vec
from dlsolve.solvers.loss import term_forms
from dlsolve.solvers.rnn_bptt import bptt_steps
from dlsolve.solvers.rnn_flow import flow_steps, self_check
from dlsolve.solvers.rnn_forms import add, at, param, shown
from dlsolve.solvers.rnn_forward import Model, forward_steps
from dlsolve.spec.rnn import GATE_NAMES, RnnProblem
from dlsolve.steps import Heading, Note, Solution, Step

CELL_TITLES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}


def model(spec: RnnProblem) -> Model:
    """The spec as arrays for the kernels."""
    gates = {k: Gate(Mat(g.W), Mat(g.U), Vec(g.b), Vec(g.bu)) for k, g in spec.gates.items()}
    cell = Cell(spec.cell, gates, spec.activation, spec.reset_after)
    ro = None
    if spec.output is not None:
        o = spec.output
        act = "softmax" if o.act.softmax else o.act.fn.name
        ro = Readout(Mat(o.W), Vec(o.b), act, dict(o.act.params))
    targets = None if spec.targets is None else [None if t is None else Vec(t)
                                                 for t in spec.targets]
    return Model(spec, cell, ro, [Vec(x) for x in spec.inputs], Vec(spec.h0),
                 None if spec.c0 is None else Vec(spec.c0), targets)


def solve(spec: RnnProblem) -> Solution:
    m = model(spec)
    title = (f"{CELL_TITLES[spec.cell]} over {m.T} step{'s' * (m.T > 1)} "
             f"(hidden size {m.H}, input size {len(m.xs[0])})")
    gates = GATES[spec.cell] if spec.cell != "rnn" else ()
    sol = Solution("rnn", title, answer=gates + ("c", "h") if spec.cell == "lstm" else
                   gates + ("h",))
    givens(sol, m)
    equations(sol, m)
    fw = m.fw = forward(m.cell, m.xs, m.h0, m.c0, m.ro)
    forward_steps(sol, m, fw)
    record_forward(sol, m, fw)
    if m.targets is not None:
        loss_section(sol, m, fw)
        bp = m.bp = BE.backward(m.cell, fw, m.targets, spec.loss, m.ro)
        bptt_steps(sol, m, fw, bp)
        record_backward(sol, m, bp)
        sol.answer = ("loss", "grad_h") + tuple(f"grad_{k}" for k in bp.grads)
    if m.T >= 2 and spec.gradient_flow is not False and (spec.gradient_flow or m.targets):
        flow_steps(sol, m, fw)
    if m.targets is not None:
        self_check(sol, m, bp)
    return sol


def givens(sol: Solution, m: Model) -> None:
    for t, x in enumerate(m.xs, 1):
        sol.given(at("x", t), shown(x), f"input at step {t}")
    sol.given(at("h", 0), shown(m.h0), "initial hidden state" +
              ("" if m.spec.given_h0 else " (zeros: not given)"))
    if m.c0 is not None:
        sol.given(at("c", 0), shown(m.c0), "initial cell state")
    for k, g in m.spec.gates.items():
        for part in g.given:
            sol.given(param(k, part), shown(getattr(m.cell.gates[k], part)),
                      f"{part} of the {GATE_NAMES[k]}" + (f" ({k})" if k != "rnn" else ""))
    if m.ro is not None:
        sol.given(param("output", "W"), shown(m.ro.W), "output weights")
        sol.given(param("output", "b"), shown(m.ro.b), "output bias")
    for t, target in enumerate(m.targets or [], 1):
        if target is not None:
            sol.given(at("t", t), shown(target), f"target at step {t}")


def equations(sol: Solution, m: Model) -> None:
    """The cell's equations in symbols, with the conventions they follow."""
    sol.add(Heading("Equations", "brief"))
    for lhs, rhs in _equation_rows(m):
        sol.add(Step("", lhs, rhs, detail="brief"))
    for text in conventions(m):
        sol.add(Note(text))


def _equation_rows(m: Model) -> list[tuple[E.Expr, E.Expr]]:
    cell, t = m.cell, "t"
    rows: list[tuple[E.Expr, E.Expr]] = []

    def aff(k: str) -> E.Expr:
        return E.Add((E.Mul((param(k, "W"), at("x", t))), param(k, "b"),
                      E.Mul((param(k, "U"), at("h", "t-1"))), param(k, "bu")))

    if cell.kind == "rnn":
        rows.append((at("h", t), E.Call(cell.activation, (aff("rnn"),))))
    elif cell.kind == "lstm":
        for k in GATES["lstm"]:
            rows.append((at(k, t), E.Call("tanh" if k == "g" else "sigma", (aff(k),))))
        rows.append((at("c", t), E.Add((E.Mul((at("f", t), at("c", "t-1"))),
                                        E.Mul((at("i", t), at("g", t)))))))
        rows.append((at("h", t), E.Mul((at("o", t), E.Call("tanh", (at("c", t),))))))
    else:
        rows += [(at(k, t), E.Call("sigma", (aff(k),))) for k in ("r", "z")]
        rows.append((at("n", t), E.Call("tanh", (_gru_n(cell.reset_after),))))
        rows.append((at("h", t), E.Add((E.Mul((E.Bracket("paren", E.Num(1) - at("z", t)),
                                                at("n", t))),
                                        E.Mul((at("z", t), at("h", "t-1")))))))
    if m.ro is not None:
        inner = E.Add((E.Mul((param("output", "W"), at("h", t))), param("output", "b")))
        act = m.ro.activation
        rows.append((at("y", t), inner if act == "linear" else E.Call(
            "softmax" if act == "softmax" else m.spec.output.act.fn.fname, (inner,))))
    return rows


def _gru_n(reset_after: bool) -> E.Expr:
    x = E.Add((E.Mul((param("n", "W"), at("x", "t"))), param("n", "b")))
    if reset_after:
        inner = E.Add((E.Mul((param("n", "U"), at("h", "t-1"))), param("n", "bu")))
        return E.Add((x, E.Mul((at("r", "t"), E.Bracket("paren", inner)))))
    return E.Add((x, E.Mul((param("n", "U"), E.Bracket("paren", E.Mul((
        at("r", "t"), at("h", "t-1")))))), param("n", "bu")))


def conventions(m: Model) -> list[str]:
    out = ["Products of two vectors are elementwise (Hadamard); W x and U h are matrix-vector "
           "products. W is H×D (on the input x_t), U is H×H (on the previous state h_{t-1})."]
    kind = m.cell.kind
    if kind != "rnn":
        order = ", ".join(GATES[kind])
        out.append(f"PyTorch's {kind.upper()} conventions: gates in the order {order} "
                   f"(the row blocks of weight_ih/weight_hh), and two biases per gate: b "
                   f"(bias_ih, with W) and bu (bias_hh, with U); Keras has one bias, b + bu.")
    else:
        out.append("PyTorch's nn.RNN: b is bias_ih and bu is bias_hh (Keras's SimpleRNN has "
                   "one bias, b + bu).")
    if kind == "gru":
        out.append("GRU with reset_after (PyTorch's nn.GRU and Keras's default since 2.x): the "
                   "reset gate multiplies U_n h_{t-1} + bu_n, after the matrix product."
                   if m.cell.reset_after else
                   "GRU with reset_after: false (the original Cho et al. form, Keras's "
                   "reset_after=False): the reset gate multiplies h_{t-1} before U_n, and bu_n "
                   "stays outside.")
        out.append("h_t = (1 - z_t) n_t + z_t h_{t-1}: z keeps the old state (PyTorch, Keras).")
    missing = [f"{p}_{k}" if k != "rnn" else p for k, g in m.spec.gates.items()
               for p in ("b", "bu") if p not in g.given]
    if missing:
        out.append("Not given, so zero: " + ", ".join(missing) + ".")
    return out


def record_forward(sol: Solution, m: Model, fw) -> None:
    steps = fw.steps
    bad = [t for t, s in enumerate(steps, 1) if not all(math.isfinite(v) for v in s.h)]
    if bad:
        sol.note(f"From step {bad[0]} on the hidden state overflows double precision (beyond "
                 f"±1.8e308): those values, and the gradients through them, are inf or nan.")
    sol.set("h", [s.h.tolist() for s in steps])
    if m.cell.kind == "lstm":
        sol.set("c", [s.c.tolist() for s in steps])
    if m.cell.kind != "rnn":
        for k in GATES[m.cell.kind]:
            sol.set(k, [s.gate[k].tolist() for s in steps])
    if m.ro is not None:
        sol.set("y", [s.y.tolist() for s in steps])
        sol.answer = sol.answer + ("y",)


def loss_section(sol: Solution, m: Model, fw) -> None:
    loss = m.spec.loss
    sol.add(Heading("Loss", "brief"), Note(L.convention(loss) + " L = Σ_t L_t over the steps "
                                           "with a target" + ("" if m.ro else
                                                              " (compared with h_t: no output "
                                                              "layer)") + "."))
    if m.spec.loss_defaulted:
        sol.note(f"No loss: was given; {loss.name} was used ({loss.title}).")
    per = step_losses(fw, m.targets, loss)
    out = "y" if m.ro is not None else "h"
    for t, (v, s, target) in enumerate(zip(per, fw.steps, m.targets), 1):
        if v is None:
            continue
        o = s.y if m.ro is not None else s.h
        sol.add(Step(f"Loss at step {t}", at("L", t), *_loss_forms(loss, target, o, t, out),
                     value=v, key="step_losses"))
    terms = [at("L", t) for t, v in enumerate(per, 1) if v is not None]
    total = float(sum(v for v in per if v is not None))
    sol.add(Step("Total loss", Sym("L"), add(terms),
                 add([E.Num(v) for v in per if v is not None]), value=total, key="loss",
                 detail="brief"))
    sol.set("loss", total)
    sol.set("step_losses", per)


def _loss_forms(loss: L.LossSpec, target: Vec, o: Vec, t: int,
                out: str) -> tuple[E.Expr, E.Expr]:
    n = len(o)
    if loss.name in L.ELEMENTWISE:
        sym = [term_forms(loss, Sym(f"t_{t},{j + 1}" if n > 1 else f"t_{t}"),
                          Sym(f"{out}_{t},{j + 1}" if n > 1 else f"{out}_{t}")) for j in range(n)]
        nums = [term_forms(loss, E.Num(float(a)), E.Num(float(b))) for a, b in zip(target, o)]
        if loss.name in L.MEAN and n > 1:
            return add(sym) / E.Num(n), E.Bracket("paren", add(nums)) / E.Num(n)
        return add(sym), add(nums)
    if loss.name == "sparse_cce":
        c = int(target[0])
        return (-E.call("ln", Sym(f"{out}_{t},{c + 1}")), -E.call("ln", E.Num(float(o[c]))))
    return (-E.Bracket("paren", add([E.Mul((Sym(f"t_{t},{j + 1}"),
                                           E.call("ln", Sym(f"{out}_{t},{j + 1}"))))
                                    for j in range(n)])),
            -E.Bracket("paren", add([E.Mul((E.Num(float(a)), E.call("ln", E.Num(float(b)))))
                                    for a, b in zip(target, o) if a != 0])))


def record_backward(sol: Solution, m: Model, bp: B.BPTT) -> None:
    sol.set("grad_h", [g.dh.tolist() for g in bp.steps])
    sol.set("grad_h0", bp.dh0.tolist())
    if m.cell.kind == "lstm":
        sol.set("grad_c", [g.dc.tolist() for g in bp.steps])
        sol.set("grad_c0", bp.dc0.tolist())
    for k in GATES[m.cell.kind]:
        sol.set(f"delta_{k}", [g.delta[k].tolist() for g in bp.steps])
    for key, v in bp.grads.items():
        sol.set(f"grad_{key}", v.tolist())

