"""Why RNNs forget, with the problem's own numbers; and the BPTT self-check.

∂h_T/∂h_t = J_T J_{T-1} ⋯ J_{t+1} with J_s = ∂h_s/∂h_{s-1}; its norm per step back in a
table, and a conclusion when it falls or grows geometrically. The Jacobians are the closed
forms of ``kernels.gradflow``; with a backward pass, J_sᵀ applied to the gradient at step s
must give what the graph engine sent back to step s − 1 (else a SolverBug). The self-check
compares BPTT's gradients with central finite differences of the loss (detail full).
"""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.errors import SolverBug
from dlsolve.expr import Num, Sym
from dlsolve.kernels import gradflow as G
from dlsolve.kernels.recurrent import Forward
from dlsolve.kernels.vec import Mat, Vec
from dlsolve.solvers.rnn_forms import at, param, shown
from dlsolve.solvers.rnn_forward import Model
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

JACOBIAN = {
    "rnn": "J_s = diag(f'(a_s)) U: each step back multiplies by U and by the activation's slope",
    "lstm": "the LSTM's state is (h, c): J_s = ∂(h_s, c_s)/∂(h_{s-1}, c_{s-1}); its c→c block "
            "is diag(f_s), the forget gate, so ∂c_T/∂c_t keeps the path f_T·…·f_(t+1) (the "
            "product of forget gates)",
    "gru": "J_s = diag(z_s) + (terms through the gates): the z_s h_{s-1} path passes the "
           "gradient on scaled by the update gate alone",
}


def flow_steps(sol: Solution, m: Model, fw: Forward) -> None:
    sol.add(Heading("Gradient flow back through time (why RNNs forget)", "brief"))
    dots = E.Mul((at("J", "T"), at("J", "T-1"), E.Text("..."), at("J", "t+1")))
    sol.add(Step("The chain rule through the steps", E.Deriv(at("h", "T"), at("h", "t")), dots,
                 detail="brief", note=JACOBIAN[m.cell.kind]))
    level = "exam" if m.H <= 2 and m.T <= 4 else "full"
    js = [G.jacobian(m.cell, s) for s in fw.steps]
    if m.bp is not None and m.bp.engine:
        jacobians_agree(m, js)
    for s_, (st, j) in enumerate(zip(fw.steps, js), 1):
        sol.add(Step(f"Step Jacobian J_{s_}", at("J", s_), *_jacobian_forms(m, st, s_),
                     value=_value(G.h_block(m.cell, j)), detail=level))
    prods = G.products(m.cell, fw)
    hn = G.norms([G.h_block(m.cell, p) for p in prods])
    cn = G.norms([G.c_block(m.cell, p) for p in prods]) if m.cell.kind == "lstm" else None
    sol.add(_table(m, hn, cn))
    sol.set("dhT_dht_norm", hn)
    sol.set("step_jacobian_norm", G.norms([G.h_block(m.cell, j) for j in js]))
    if cn is not None:
        sol.set("dcT_dct_norm", cn)
    for text, kind in _conclusions(m, hn, cn):
        sol.add(Note(text, kind, "brief" if kind == "conclusion" else "exam"))


SAME = 1e-9  # Jᵀ·gradient against the engine, in units of the size of |J|ᵀ·|gradient|


def jacobians_agree(m: Model, js: list[Mat]) -> None:
    """J_sᵀ (dL/dh_s, and dL/dc_s through step s + 1 for the LSTM's state) is what the engine
    carried back into h_{s-1} (and c_{s-1}) through step s."""
    lstm = m.cell.kind == "lstm"
    for s, (j, g) in enumerate(zip(js, m.bp.steps), 1):
        v = Vec(list(g.dh) + (list(g.dc_from_next) if lstm else []))
        want = list(g.dh_prev) + (list(g.dc_prev) if lstm else [])
        got = j.T @ v
        size = max(Mat([[abs(x) for x in r] for r in j]).T @ Vec([abs(x) for x in v]),
                   default=0.0)
        gap = max(abs(a - b) for a, b in zip(got, want)) / max(size, 1e-300)
        if gap > SAME:
            raise SolverBug(f"step Jacobian J_{s} disagrees with the graph engine's backward "
                            f"pass ({gap:.3g} times the size of its numbers)")


def _value(j: Mat) -> Any:
    return shown(j)


def _jacobian_forms(m: Model, st, s: int) -> tuple[E.Expr | None, E.Expr | None]:
    if m.cell.kind != "rnn":
        return None, None
    U = param("rnn", "U")
    if m.cell.activation == "tanh":
        formula = E.Mul((E.Call("diag", (Num(1) - at("h", s) ** Num(2),)), U))
    else:
        formula = E.Mul((E.Call("diag", (E.Call("relu'", (at("a", s),)),)), U))
    if m.H != 1:
        return formula, None
    u = float(m.cell.gates["rnn"].U[0][0])
    slope = (E.Bracket("paren", Num(1) - Num(float(st.h[0])) ** Num(2))
             if m.cell.activation == "tanh" else Num(float(st.pre["rnn"][0] > 0)))
    return formula, E.Mul((slope, Num(u)))


def _table(m: Model, hn: list[float], cn: list[float] | None) -> TableStep:
    cols = ("t", "steps back", "norm of ∂h_T/∂h_t", "× per step") + \
        (("norm of ∂c_T/∂c_t",) if cn is not None else ())
    rows = []
    for t in range(m.T - 1, -1, -1):
        ratio = hn[t] / hn[t + 1] if t + 1 < m.T and hn[t + 1] else ""
        rows.append((t, m.T - t, hn[t], ratio) + ((cn[t],) if cn is not None else ()))
    return TableStep("Size of the gradient reaching h_t from h_T (spectral norm)", cols,
                     tuple(rows), key="dhT_dht_norm", detail="brief")


def _conclusions(m: Model, hn: list[float], cn: list[float] | None) -> list[tuple[str, str]]:
    out = []
    if m.cell.kind == "rnn":
        u = G.norm(m.cell.gates["rnn"].U)
        slope = "tanh'(a) = 1 - h² ≤ 1" if m.cell.activation == "tanh" else "relu' ≤ 1"
        out.append((f"{slope}, so the norm of J_s is at most the norm of U, {u:.4g}: " + (
            f"each step back multiplies the gradient's size by at most {u:.4g} < 1, so it "
            f"vanishes geometrically (at most {u:.4g}^k of it is left after k steps)" if u < 1 else
            "a gradient can grow step after step (explode) where the slopes stay near 1"
            if u > 1 else "the bound neither shrinks nor grows"), "info"))
    tr = G.trend(list(reversed(hn)))
    if tr is not None:
        word, q = tr
        k = m.T - 1
        text = (f"The norm of ∂h_T/∂h_t {word} geometrically, about ×{q:.4g} per step back: from "
                f"{hn[-1]:.4g} at t = {m.T - 1} to {hn[0]:.4g} at t = 0 ({k} more steps). ")
        text += ("The early inputs barely move the loss: the network forgets them (vanishing "
                 "gradient)." if word == "falls" else
                 "The early steps dominate the update: the gradient explodes (clipping it is "
                 "the usual remedy).")
        out.append((text, "conclusion"))
    if cn is not None:
        out.append((f"Along the cell state, the norm of ∂c_T/∂c_0 is {cn[0]:.4g}, against "
                    f"{hn[0]:.4g} for ∂h_T/∂h_0: the forget gates set how much survives.",
                    "info"))
    return out


def self_check(sol: Solution, m: Model, bp) -> None:
    """Central finite differences of the loss along a ±1 pattern, one per parameter array."""
    rows = G.directional_checks(m.cell, m.xs, m.h0, m.c0, m.ro, m.targets, m.spec.loss,
                                bp.grads)
    worst = max(abs(a - b) / max(1.0, abs(a)) for _, a, b in rows)
    sol.add(Heading("Self-check: finite differences", "full"),
            TableStep("BPTT against (L(θ + εv) - L(θ - εv))/2ε, ε = 1e-6, v = ±1 pattern",
                      ("parameter", "Σ grad·v (BPTT)", "finite difference", "difference"),
                      tuple((Sym(f"grad_{k}") if k != "all" else "every parameter at once",
                             a, b, abs(a - b)) for k, a, b in rows),
                      detail="full"),
            Note(f"Largest relative difference {worst:.2g}: " +
                 ("BPTT agrees with the finite differences." if worst < 1e-5 else
                  "a kink (relu at 0) or a clipped probability lies within ε."),
                 "conclusion" if worst < 1e-5 else "warning", "full"))
