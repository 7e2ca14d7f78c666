"""Backprop through one step of a cell, written out: each gate's gradient and its δ.

rnn: δ = dL/dh ⊙ f'(a). lstm: dL/dc_t from h_t and from c_{t+1}, then o, i, f, g and their
δ. gru: z and n from dL/dh_t, δ_n, then r through U_n h_{t-1} + bu_n (or through h_{t-1} with
reset_after: false), and their δ. Gate derivatives are written from the gate values:
σ' = σ(1 - σ), tanh' = 1 - tanh².
"""

from __future__ import annotations

from collections.abc import Callable

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import bptt as B
from dlsolve.kernels.recurrent import StepState
from dlsolve.kernels.vec import Vec
from dlsolve.solvers.rnn_forms import (
    T_,
    at,
    delta,
    dL,
    nj,
    param,
    shown,
    units,
)
from dlsolve.solvers.rnn_forward import Model
from dlsolve.spec.rnn import GATE_NAMES
from dlsolve.steps import Solution, Step


def _ew(sol: Solution, title: str, lhs: E.Expr, formula: E.Expr, H: int,
        unit: Callable[[int], E.Expr], value: Vec, level: str, key: str | None = None,
        ) -> None:
    sol.add(Step(title, lhs, formula, units(H, unit), value=shown(value), key=key,
                 detail=level))


def _rnn_back(sol: Solution, m: Model, s: StepState, g: B.StepGrad, t: int, level: str) -> None:
    dh = dL(at("h", t))
    if m.cell.activation == "tanh":
        formula = E.Mul((dh, E.Bracket("paren", Num(1) - at("h", t) ** Num(2))))
        unit = lambda j: E.Mul((nj(g.dh, j), E.Bracket("paren", Num(1) - nj(s.h, j) ** Num(2))))  # noqa: E731
    else:
        formula = E.Mul((dh, E.Call("relu'", (Sym(f"a_{t}"),))))
        unit = lambda j: E.Mul((nj(g.dh, j), Num(float(s.pre["rnn"][j] > 0))))  # noqa: E731
        if any(a == 0 for a in s.pre["rnn"]):
            sol.note("A relu pre-activation is exactly 0: relu'(0) = 0 is used, as PyTorch's "
                     "autograd does.")
    _ew(sol, f"Through the activation at step {t}", delta("rnn", t), formula, m.H, unit,
        g.delta["rnn"], level, "delta_rnn")


def _sig(k: str, t: int) -> E.Expr:
    """k'(a) written from the gate's value: k(1 - k), or 1 - k² for the tanh gates."""
    if k in ("g", "n"):
        return E.Bracket("paren", Num(1) - at(k, t) ** Num(2))
    return E.Mul((at(k, t), E.Bracket("paren", Num(1) - at(k, t))))


def _sig_num(k: str, v: float) -> E.Expr:
    if k in ("g", "n"):
        return E.Bracket("paren", Num(1) - Num(v) ** Num(2))
    return E.Mul((Num(v), E.Bracket("paren", Num(1) - Num(v))))


def _gate_delta(sol: Solution, m: Model, s: StepState, g: B.StepGrad, k: str, t: int,
                level: str) -> None:
    _ew(sol, f"δ of the {GATE_NAMES[k]} ({k})", delta(k, t), E.Mul((dL(at(k, t)), _sig(k, t))),
        m.H,
        lambda j: E.Mul((nj(g.dgate[k], j), _sig_num(k, float(s.gate[k][j])))),
        g.delta[k], level, f"delta_{k}")


def _lstm_back(sol: Solution, m: Model, s: StepState, g: B.StepGrad, t: int, level: str) -> None:
    v, dh = s.gate, dL(at("h", t))
    formula = E.Mul((dh, at("o", t), E.Bracket("paren", Num(1) - E.Call(
        "tanh", (at("c", t),)) ** Num(2))))
    if t < m.T:
        formula = E.Add((formula, E.Mul((dL(at("c", t + 1)), at("f", t + 1)))))
    nxt = m.fw.steps[t].gate["f"] if t < m.T else None

    def unit(j: int) -> E.Expr:
        head = E.Mul((nj(g.dh, j), nj(v["o"], j), E.Bracket("paren", Num(1) - nj(s.tanh_c, j)
                                                          ** Num(2))))
        if nxt is None:
            return head
        return E.Add((head, E.Mul((nj(m.bp.steps[t].dc, j), nj(nxt, j)))))

    _ew(sol, f"Into the cell state c_{t}", dL(at("c", t)), formula, m.H, unit, g.dc, level,
        "grad_c")
    dc = dL(at("c", t))
    sources = {"o": (dh, E.Call("tanh", (at("c", t),)), g.dh, s.tanh_c),
               "i": (dc, at("g", t), g.dc, v["g"]), "f": (dc, at("c", t - 1), g.dc, s.c_prev),
               "g": (dc, at("i", t), g.dc, v["i"])}
    for k in ("o", "i", "f", "g"):
        a, b, av, bv = sources[k]
        _ew(sol, f"Gradient of the {GATE_NAMES[k]} ({k})", dL(at(k, t)), E.Mul((a, b)), m.H,
            lambda j, av=av, bv=bv: E.Mul((nj(av, j), nj(bv, j))), g.dgate[k], level)
        _gate_delta(sol, m, s, g, k, t, level)


def _gru_back(sol: Solution, m: Model, s: StepState, g: B.StepGrad, t: int, level: str) -> None:
    v, dh = s.gate, dL(at("h", t))
    _ew(sol, "Gradient of the update gate z", dL(at("z", t)),
        E.Mul((dh, E.Bracket("paren", at("h", t - 1) - at("n", t)))), m.H,
        lambda j: E.Mul((nj(g.dh, j), E.Bracket("paren", nj(s.h_prev, j) - nj(v["n"], j)))),
        g.dgate["z"], level)
    _ew(sol, "Gradient of the new gate n", dL(at("n", t)),
        E.Mul((dh, E.Bracket("paren", Num(1) - at("z", t)))), m.H,
        lambda j: E.Mul((nj(g.dh, j), E.Bracket("paren", Num(1) - nj(v["z"], j)))),
        g.dgate["n"], level)
    _gate_delta(sol, m, s, g, "n", t, level)
    if m.cell.reset_after:
        formula = E.Mul((delta("n", t), E.Bracket("paren", E.Add((E.Mul((
            param("n", "U"), at("h", t - 1))), param("n", "bu"))))))
        unit = lambda j: E.Mul((nj(g.delta["n"], j), nj(s.inner, j)))  # noqa: E731
    else:
        formula = E.Mul((E.Bracket("paren", E.Mul((T_(param("n", "U")), delta("n", t)))),
                         at("h", t - 1)))
        unit = lambda j: E.Mul((nj(g.d_inner, j), nj(s.h_prev, j)))  # noqa: E731
    _ew(sol, "Gradient of the reset gate r", dL(at("r", t)), formula, m.H, unit,
        g.dgate["r"], level)
    for k in ("r", "z"):
        _gate_delta(sol, m, s, g, k, t, level)


CELL_BACK = {"rnn": _rnn_back, "lstm": _lstm_back, "gru": _gru_back}
