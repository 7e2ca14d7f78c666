"""∂L/∂(prediction) of every loss, written out per prediction: the step backprop starts from.

``derivative_form(loss, ts, os, k, n)`` is the derivative of one sample's loss with respect to
its k-th prediction, in the loss's own terms (``ts``/``os``: the row's targets and predictions as
symbols or as numbers; ``n`` the outputs of the sample); network solvers can write their output
gradient with it too.
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels import losses_more as M
from dlsolve.solvers.loss_more import option
from dlsolve.steps import Heading, Note, Solution, Step, TableStep


def _paren(x: E.Expr) -> E.Expr:
    return E.Bracket("paren", x)


def _indicator(x: E.Expr) -> E.Expr:
    return E.Cases(((Num(1), E.Relation(x, ">", Num(0))), (Num(0), None)))


def _elementwise(loss: L.LossSpec, t: E.Expr, o: E.Expr, d: float) -> E.Expr:
    name, diff = loss.name, _paren(t - o)
    if name in ("half_sse", "half_mse"):
        return -diff
    if name in ("sse", "mse"):
        return -(Num(2) * diff)
    if name == "mae":
        return E.call("sign", o - t)
    if name == "hinge":
        return E.Cases(((-t, E.Relation(t * o, "<", Num(1))), (Num(0), None)))
    if name == "squared_hinge":
        return -(Num(2) * t * E.call("max", 0, Num(1) - t * o))
    if name == "bce":
        if loss.from_logits:
            return E.call("sigma", o) - t
        return -(t / o) + _paren(Num(1) - t) / _paren(Num(1) - o)
    if name == "huber":
        return _paren(o - t) if abs(d) <= loss.delta else \
            option(loss, "delta", o) * E.call("sign", o - t)
    if loss.beta and abs(d) < loss.beta:  # smooth_l1
        return _paren(o - t) / option(loss, "beta", o)
    return E.call("sign", o - t)


def _focal(loss: L.LossSpec, t: float, o: float, symbolic: bool) -> E.Expr:
    f = M.focal_parts(loss, t, o)
    if symbolic:
        at, pt, p, ce, tt = Sym("alpha_t"), Sym("p_t"), Sym("p"), Sym("CE"), Sym("t")
        g = Sym("gamma")
        gm1 = g - Num(1)
    else:
        at, pt, p, ce, tt = Num(f["at"]), Num(f["pt"]), Num(f["p"]), Num(f["ce"]), Num(t)
        g, gm1 = Num(loss.gamma), Num(loss.gamma - 1)
    q = _paren(Num(1) - pt)
    dce = _paren(p - tt) if loss.from_logits else \
        _paren(p - tt) / _paren(p * _paren(Num(1) - p))
    first = g * q ** gm1 * _paren(Num(2) * tt - Num(1))
    if loss.from_logits:
        first = first * p * _paren(Num(1) - p)
    inner = -(first * ce) + q ** g * dce
    return at * E.Bracket("paren", inner) if loss.alpha is not None else inner


def _categorical_hinge(loss: L.LossSpec, ts: list, os: list, k: int, tv: list[float],
                       ov: list[float], symbolic: bool) -> E.Expr:
    """-t_k + [o_k is the max other prediction] (shared among ties), where the loss is > 0."""
    top = M.hinge_negative(tv, ov)
    if symbolic:
        share = E.Call("1", (E.Relation(os[k], "=", Sym("neg")),))
        active = E.Relation(Sym("E"), ">", Num(0))
    else:
        share = Num(1 / len(top) if k in top else 0)
        active = E.Relation(Num(M.terms(loss, tv, ov)[1]), ">", Num(0))
    return E.Cases(((-ts[k] + share, active), (Num(0), None)))


def derivative_form(loss: L.LossSpec, ts: list, os: list, k: int, n: int,
                    values: tuple[list[float], list[float]] | None = None) -> E.Expr:
    """∂E/∂o_k of one sample; ``values`` (t, o) pick the branch and fill the focal numbers."""
    tv, ov = values if values is not None else ([0.0] * len(ts), [0.0] * n)
    name, symbolic = loss.name, not isinstance(os[k], Num)
    if name in L.PER_OUTPUT:
        ti = ts[k] if name != "squared_hinge" or symbolic else Num(M.pm1(tv[k]))
        if name == "focal":
            form = _focal(loss, tv[k], ov[k], symbolic)
        else:
            form = _elementwise(loss, ti, os[k], ov[k] - tv[k])
        return form / Num(n) if name in L.MEAN and n > 1 else form
    if name == "multiclass_svm":
        y = M.class_of(tv, n)
        margin = Sym("Delta") if symbolic else Num(loss.margin)
        if k != y:
            return _indicator(os[k] - os[y] + margin)
        return -_paren(E.Add(tuple(E.elide([_indicator(os[j] - os[y] + margin)
                                            for j in range(n) if j != y]))))
    if name == "categorical_hinge":
        return _categorical_hinge(loss, ts, os, k, tv, ov, symbolic)
    onehot = ts if name != "sparse_cce" else [Num(float(j == int(tv[0]))) for j in range(n)]
    if loss.from_logits:  # cce, sparse_cce on logits: softmax(z)_k - t_k
        if symbolic:
            return E.call("softmax_" + str(k + 1), Sym("z")) - (
                Sym(f"t{k + 1}") if name == "sparse_cce" else onehot[k])
        return Num(math.exp(L.log_softmax(ov)[k])) - onehot[k]
    return -(onehot[k] / os[k])


def gradient_steps(sol: Solution, loss: L.LossSpec, t: list[float], o: list[float],
                   names: list[str], tnames: list[str], grad: list[float], batch: int,
                   title: str = "", detail: str = "exam") -> None:
    """One step per prediction: ∂L/∂o_k in symbols, with numbers, and its value."""
    n = len(o)
    tsyms = [Sym(s) for s in tnames]
    tnums = [Num(v) for v in (t if len(t) == n else [0.0] * n)]
    scale = (lambda e: e / Num(batch)) if batch > 1 else (lambda e: e)
    for k in range(n):
        sym = derivative_form(loss, tsyms, [Sym(s) for s in names], k, n, (t, o))
        num = derivative_form(loss, tnums, [Num(v) for v in o], k, n, (t, o))
        sol.add(Step(f"∂L/∂{names[k]}" + title, E.Deriv(Sym("L"), Sym(names[k])),
                     scale(_paren(sym) if batch > 1 else sym),
                     scale(_paren(num) if batch > 1 else num), value=grad[k], detail=detail))


def _check(loss: L.LossSpec, targets: list[list[float]], rows: list[list[float]],
           grad: list[list[float]]) -> Note:
    """Self-check: central differences of the batch loss against every derivative."""
    def total(rs: list[list[float]]) -> float:
        vals = [L.sample(loss, t, o).loss for t, o in zip(targets, rs)]
        return sum(vals) / (len(vals) if loss.reduction == "mean" else 1)

    h, worst = 1e-6, 0.0
    for i, row in enumerate(rows[:8]):
        for j in range(len(row)):
            up, dn = [r[:] for r in rows], [r[:] for r in rows]
            up[i][j] += h
            dn[i][j] -= h
            worst = max(worst, abs((total(up) - total(dn)) / (2 * h) - grad[i][j]))
    ok = worst < 1e-5
    return Note(f"Check: central differences of L (h = {h:g}) agree with ∂L/∂ŷ to {worst:.1e}"
                + (" ✓" if ok else " (a kink or a clipped value lies within h)"), detail="full")


def section(sol: Solution, loss: L.LossSpec, targets: list[list[float]],
            rows: list[list[float]], names: list[str], tnames: list[str],
            worked: int) -> list[list[float]]:
    """The gradient of the (batch) loss with respect to every prediction; returns it."""
    grad = L.batch_gradient(loss, targets, rows)
    batch = len(rows) if loss.reduction == "mean" else 1
    sol.add(Heading("Gradient with respect to the predictions"))
    if batch > 1:
        sol.add(Note(f"The batch loss is the mean over its {batch} samples: each sample's "
                     f"derivative is divided by N = {batch}."))
    for i, (t, o, g) in enumerate(zip(targets, rows, grad)):
        if i >= worked:
            break
        gradient_steps(sol, loss, t, o, names, tnames, g, batch,
                       f" (sample {i + 1})" if len(rows) > 1 else "", "exam" if i == 0 else "full")
    sol.add(_check(loss, targets, rows, grad))
    if len(rows) > 1:
        sol.add(Note("The other samples are worked the same way (detail full); the table has "
                     "every row."),
                TableStep("∂L/∂ŷ, one row per sample", ("sample",) + tuple(names),
                          tuple((i + 1, *g) for i, g in enumerate(grad)), detail="brief"))
    return grad
