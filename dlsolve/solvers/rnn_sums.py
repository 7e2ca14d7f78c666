"""Each parameter's BPTT gradient as the sum over the steps of its per-step terms.

∂L/∂W_k = Σ_t δ_k,t x_tᵀ, ∂L/∂U_k = Σ_t δ_k,t h_{t-1}ᵀ, ∂L/∂b_k = ∂L/∂bu_k = Σ_t δ_k,t (the
GRU's n gate puts r_t beside δ or beside h_{t-1}); the output layer's over the steps with a
target. The terms are the kernel's (kernels.bptt.terms), written with their numbers.
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import bptt as B
from dlsolve.kernels.recurrent import GATES, PARTS, Forward, StepState
from dlsolve.kernels.vec import Vec
from dlsolve.solvers.rnn_forms import (
    T_,
    add,
    at,
    delta,
    dL,
    nj,
    num,
    param,
    scalar,
    shown,
)
from dlsolve.solvers.rnn_forward import Model
from dlsolve.spec.rnn import GATE_NAMES
from dlsolve.steps import Heading, Note, Solution, Step


def _term_formula(m: Model, k: str, part: str) -> E.Expr:
    d = Sym("delta_y,t") if k == "output" else delta(k, "t")
    reset_n = m.cell.kind == "gru" and k == "n"
    if reset_n and m.cell.reset_after and part in ("U", "bu"):
        d = E.Mul((d, at("r", "t")))
    if part in ("b", "bu"):
        return d
    if part == "W":
        right = at("h", "t") if k == "output" else at("x", "t")
    elif reset_n and not m.cell.reset_after:
        right = E.Bracket("paren", E.Mul((at("r", "t"), at("h", "t-1"))))
    else:
        right = at("h", "t-1")
    return E.Mul((d, T_(right)))


def _param_step(sol: Solution, m: Model, k: str, part: str, found: list, pairs: list,
                grad: Vec) -> None:
    if all(scalar(term) is not None for _, term in found) and pairs:
        subst = add([E.Mul((a, b)) if b is not None else a for a, b in pairs])
    else:
        subst = E.Add(tuple(E.elide([num(term) for _, term in found], 3, "steps")))
        subst = subst.terms[0] if len(subst.terms) == 1 else subst
    upper = Sym("T") if k != "output" else None
    sol.add(Step(f"{part} of {_owner(k)}",
                 dL(param(k, part)), E.Sum("t", _term_formula(m, k, part), Num(1) if upper
                                           else None, upper), subst, value=shown(grad),
                 key=f"grad_{k}_{part}", detail="brief"))


def _owner(k: str) -> str:
    """Whose parameter: the output layer, the plain cell, or a gate (the forget gate (f))."""
    if k == "output":
        return "the output layer"
    return "the cell" if k == "rnn" else f"the {GATE_NAMES[k]} ({k})"


def _scalar_forms(m: Model, s: StepState, g: B.StepGrad, k: str,
                  part: str) -> tuple[E.Expr, E.Expr | None]:
    """Step t's term of a one-unit parameter as numbers: δ·x, δ·h, (δ·r)·h, δ·(r·h), δ."""
    left, right = B.factors(m.cell, s, g, k, part)
    if scalar(left) is None or (right is not None and scalar(right) is None):
        return Num(0), None    # not used: larger terms are written as vectors
    gru_n = m.cell.kind == "gru" and k == "n" and part in ("U", "bu")
    a: E.Expr = Num(scalar(left))
    if gru_n and m.cell.reset_after:
        a = E.Mul((nj(g.delta["n"], 0), nj(s.gate["r"], 0)))
    if right is None:
        return a, None
    a = E.Bracket("paren", a) if isinstance(a, E.Mul) else a
    b: E.Expr = Num(scalar(right))
    if gru_n and not m.cell.reset_after:
        b = E.Bracket("paren", E.Mul((nj(s.gate["r"], 0), nj(s.h_prev, 0))))
    return a, b


def param_sums(sol: Solution, m: Model, fw: Forward, bp: B.BPTT) -> None:
    sol.add(Heading("Parameter gradients: sums over the steps", "brief"))
    for k in GATES[m.cell.kind]:
        for part in PARTS:
            found = B.terms(m.cell, fw, bp.steps, k, part)
            pairs = [_scalar_forms(m, s, g, k, part) for s, g in zip(fw.steps, bp.steps)]
            _param_step(sol, m, k, part, found, pairs, bp.grads[f"{k}_{part}"])
    if m.ro is not None:
        for part in ("W", "b"):
            found = B.output_terms(fw, bp.steps, part)
            pairs = [(nj(g.dzy, 0), nj(s.h, 0) if part == "W" else None)
                     for s, g in zip(fw.steps, bp.steps) if g.dzy is not None]
            _param_step(sol, m, "output", part, found, pairs, bp.grads[f"output_{part}"])
        sol.add(Note("The output layer's sums run over the steps with a target."))
