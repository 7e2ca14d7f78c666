"""Backprop through time written out: the two paths into h_t, each gate's gradient, the sums.

Walking t = T..1: dL/dh_t = (path 1, from y_t) + (path 2, from h_{t+1}); then the cell's own
chain rule down to each gate's pre-activation gradient δ; at the end each parameter's
gradient as the sum over the steps of its per-step terms (the same terms the kernel adds).
"""

from __future__ import annotations

from collections.abc import Callable

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import bptt as B
from dlsolve.kernels.recurrent import GATES, PARTS, Forward, StepState
from dlsolve.kernels.vec import Vec
from dlsolve.solvers.rnn_forms import add, at, nj, num, param, scalar, shown, units
from dlsolve.solvers.rnn_forward import Model
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

LOSS_GRAD = {"half_sse": (1, False), "sse": (2, False), "half_mse": (1, True), "mse": (2, True)}


def dL(x: E.Expr, of: str = "L") -> E.Deriv:
    return E.Deriv(Sym(of), x)


def delta(k: str, t: int | str) -> Sym:
    return Sym(f"delta_{t}" if k == "rnn" else f"delta_{k},{t}")


def T_(x: E.Expr) -> E.Expr:
    return E.Pow(x, Sym("T"))


def bptt_steps(sol: Solution, m: Model, fw: Forward, bp: B.BPTT) -> None:
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
    _ew(sol, f"δ of gate {k}", delta(k, t), E.Mul((dL(at(k, t)), _sig(k, t))), m.H,
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
        _ew(sol, f"Gradient of gate {k}", dL(at(k, t)), E.Mul((a, b)), m.H,
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
    cols = ("t", "from y_t" if m.ro is not None else "from L_t", "from h_t+1", "∂L/∂h_t") + \
        (("∂L/∂c_t",) if lstm else ())
    rows = tuple((t, shown(g.from_output), shown(g.from_next), shown(g.dh)) +
                 ((shown(g.dc),) if lstm else ()) for t, g in enumerate(bp.steps, 1))
    return TableStep("Gradients into the hidden states over time", cols, rows, key="grad_h",
                     detail="brief")


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
        subst = add([num(term) for _, term in found])
    upper = Sym("T") if k != "output" else None
    sol.add(Step(f"{part} of {'the output layer' if k == 'output' else 'gate ' + k}",
                 dL(param(k, part)), E.Sum("t", _term_formula(m, k, part), Num(1) if upper
                                           else None, upper), subst, value=shown(grad),
                 key=f"grad_{k}_{part}", detail="brief"))


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
