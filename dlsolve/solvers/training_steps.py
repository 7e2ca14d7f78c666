"""The training parts of a backprop derivation: batch tables, the weight penalty, optimizer
updates, the per-layer gradient sizes, identical units, epochs, rounding notes."""

from __future__ import annotations

import math
from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels import regularization as R
from dlsolve.kernels import training as K
from dlsolve.kernels.network import Network, Pass, fsum
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

ROWS = 12          # samples tabulated before eliding
MAX_STEPS = 24     # parameters worked one by one


def announce_rest(sol: Solution, todo: list[str], limit: int, what: str) -> None:
    """Say which items were left out of a worked list (never silently)."""
    rest = todo[limit:]
    if rest:
        names = " and ".join([", ".join(rest[:-1]), rest[-1]] if len(rest) > 1 else rest) \
            if len(rest) <= 6 else f"{', '.join(rest[:3])}, … {rest[-1]} ({len(rest)} in all)"
        sol.add(Note(f"{names} {'is' if len(rest) == 1 else 'are'} {what}; every value is in "
                     "the table of updates below (and in JSON)."))


def _sample_rows(n: int) -> list[int]:
    return list(range(n)) if n <= ROWS else list(range(ROWS - 2)) + [n - 1]


def batch_forward_table(sol: Solution, net: Network, ep: K.Epoch) -> None:
    """Every sample's outputs and loss, then the batch loss as their mean (or sum)."""
    rows = [(s + 1, *ep.passes[s].outputs(net), ep.data_losses[s])
            for s in _sample_rows(len(ep.passes))]
    sol.add(TableStep("Every sample (worked the same way as sample 1)",
                      ("sample", *net.outputs, "loss"), tuple(rows)))
    _mean_step(sol, ep.data_losses, ep.data_loss, "E" if not ep.penalty_grads else "E_data",
               "data_loss" if ep.penalty_grads else "loss", len(ep.passes) > 1 and
               ep.data_loss != math.fsum(ep.data_losses))


def _mean_step(sol: Solution, losses: list[float], value: float, lhs: str, key: str,
               mean: bool) -> None:
    n = len(losses)
    terms = E.Add(tuple(E.elide([Sym(f"E_{s + 1}") for s in range(n)], 6)))
    nums = E.Add(tuple(E.elide([Num(v) for v in losses], 6)))
    if mean:
        terms, nums = E.Bracket("paren", terms) / Num(n), E.Bracket("paren", nums) / Num(n)
    sol.add(Step(f"Batch loss ({'mean' if mean else 'sum'} over samples)", Sym(lhs), terms,
                 nums, value=value, key=key, detail="brief"))


def forward_batch_loss(sol: Solution, net: Network, loss: L.LossSpec, batch: K.Batch,
                       passes: list[Pass]) -> None:
    losses = [L.sample(loss, list(t), p.outputs(net)).loss for p, t in zip(passes, batch.ts)]
    value = batch.weight * math.fsum(losses)
    rows = [(s + 1, *passes[s].outputs(net), losses[s]) for s in _sample_rows(len(passes))]
    sol.add(TableStep("Every sample", ("sample", *net.outputs, "loss"), tuple(rows)))
    _mean_step(sol, losses, value, "E", "loss", batch.reduction == "mean")
    sol.set("loss", value)
    sol.set("per_sample", losses)


def batch_gradients(sol: Solution, ep: K.Epoch, order: list[str]) -> None:
    """Each gradient as the sum of the samples' shares (each carrying its 1/N)."""
    sol.add(Heading("Batch gradients"),
            Note("The batch gradient is the sum over samples of each sample's gradient of its "
                 "share of the loss (with the 1/N of the mean): the mean of the per-sample "
                 "gradients."))
    n = len(ep.backs)
    for k in order[:MAX_STEPS]:
        terms = E.Add(tuple(E.elide([Num(b.grads[k]) for b in ep.backs], 6)))
        sym = E.Add(tuple(E.elide([E.Deriv(Sym(f"E_{s + 1}"), Sym(k)) for s in range(n)], 6)))
        sol.add(Step(f"Batch gradient of {k}", E.Deriv(Sym("E_data" if ep.penalty_grads else
                                                          "E"), Sym(k)),
                     sym, terms, value=ep.data_grads[k],
                     key=None if ep.penalty_grads else f"grad_{k}"))
    announce_rest(sol, order, MAX_STEPS, "summed the same way")


def penalty_steps(sol: Solution, net: Network, reg: R.Regularization,
                  params: dict[str, float], ep: K.Epoch) -> None:
    """The penalty term with each weight, and loss = data loss + penalty."""
    ws = K.weight_names(net)
    sol.add(Heading("Weight penalty"))
    parts = []
    if reg.l2:
        form = "λ·Σ w² (Keras)" if reg.l2_form == "keras" else "λ/2·Σ w²"
        parts.append(f"L2 {form} with λ = {reg.l2:g}")
    if reg.l1:
        parts.append(f"L1 λ·Σ |w| with λ = {reg.l1:g} (subgradient 0 at w = 0)")
    sol.add(Note("Penalty on the weights, not the biases: " + " plus ".join(parts) + "."))
    sym: list[E.Expr] = []
    num: list[E.Expr] = []
    if reg.l2:
        c = Num(reg.l2) if reg.l2_form == "keras" else Num(reg.l2) / Num(2)
        sym.append(E.Mul((c, _sum(ws, lambda w: Sym(w) ** Num(2)))))
        num.append(E.Mul((c, _sum(ws, lambda w: E.Bracket("paren", Num(params[w])) ** Num(2)))))
    if reg.l1:
        sym.append(E.Mul((Num(reg.l1), _sum(ws, lambda w: E.Bracket("abs", Sym(w))))))
        num.append(E.Mul((Num(reg.l1), _sum(ws, lambda w: E.Bracket("abs", Num(params[w]))))))
    sol.add(Step("Penalty", Sym("P"), E.Add(tuple(sym)), E.Add(tuple(num)), value=ep.penalty,
                 key="penalty"),
            Step("Loss with the penalty", Sym("E"), Sym("E_data") + Sym("P"),
                 Num(ep.data_loss) + Num(ep.penalty), value=ep.loss, key="loss",
                 detail="brief"))


def _sum(ws: list[str], term: Any) -> E.Expr:
    return E.Bracket("paren", E.Add(tuple(E.elide([term(w) for w in ws], 8))))


def _penalty_term(reg: R.Regularization, w: E.Expr) -> E.Expr:
    """∂P/∂w in symbols or numbers: λw (2λw in the Keras form), + λ·sign(w) for L1."""
    terms: list[E.Expr] = []
    if reg.l2:
        lam = Num(reg.l2) if reg.l2_form == "half" else E.Mul((Num(2), Num(reg.l2)))
        terms.append(E.Mul((lam, w)))
    if reg.l1:
        terms.append(E.Mul((Num(reg.l1), E.call("sign", w))))
    return terms[0] if len(terms) == 1 else E.Add(tuple(terms))


def penalty_gradients(sol: Solution, ep: K.Epoch, order: list[str], reg: R.Regularization,
                      params: dict[str, float]) -> None:
    """Each weight's gradient = data gradient + the penalty's (the bias's is the data's)."""
    sol.add(Heading("Gradients with the penalty"))
    ws = [k for k in order if k in ep.penalty_grads]
    for k in ws[:MAX_STEPS]:
        num = Num(params[k]) if params[k] >= 0 else E.Bracket("paren", Num(params[k]))
        sol.add(Step(f"Gradient of {k}", E.Deriv(Sym("E"), Sym(k)),
                     E.Deriv(Sym("E_data"), Sym(k)) + _penalty_term(reg, Sym(k)),
                     Num(ep.data_grads[k]) + _penalty_term(reg, num),
                     value=ep.grads[k], key=f"grad_{k}"))
    announce_rest(sol, ws, MAX_STEPS, "the data gradient plus the penalty's the same way")
    sol.add(Note("The biases are not penalised: their gradients are the data gradients."))


def gradient_health(sol: Solution, net: Network, grads: dict[str, float]) -> None:
    """The gradient's size per layer, and a note when it shrinks or grows tenfold or more
    from one layer to the next (vanishing / exploding gradients)."""
    if len(net.layers) < 2 or net.form != "matrix":
        return
    norms = []
    for li, wl in enumerate(net.weight_names):
        ws = [grads[w] for row in wl for w in row]
        norms.append((li + 1, math.sqrt(fsum([g * g for g in ws])),
                      fsum([abs(g) for g in ws]) / len(ws)))
    notes = []
    for (la, a, _), (lb, b, _) in zip(norms, norms[1:]):
        if a and b and (a / b >= 10 or b / a >= 10):
            kind = "vanishing" if a < b else "exploding"
            notes.append(Note(f"The gradient of layer {la} is {max(a, b) / min(a, b):.3g}× "
                         f"{'smaller' if a < b else 'larger'} than that of layer {lb}: it "
                         f"{'shrinks' if a < b else 'grows'} going back through the network "
                         f"({kind} gradients).", "warning"))
    sol.add(TableStep("Gradient size per layer (weights)", ("layer", "‖∂E/∂W‖", "mean |∂E/∂w|"),
                      tuple(norms), detail="exam" if notes else "full"), *notes)


def identical_units(sol: Solution, net: Network, params: dict[str, float]) -> None:
    """A note when units of a layer have identical incoming weights and biases: they get
    identical gradients and stay identical forever (zero or symmetric initialisation)."""
    if net.form != "matrix":
        return
    for li, (wl, bl) in enumerate(zip(net.weight_names, net.bias_names)):
        seen: dict[tuple, list[int]] = {}
        for j, (row, b) in enumerate(zip(wl, bl)):
            seen.setdefault(tuple(params[w] for w in row) + (params[b],), []).append(j)
        same = [g for g in seen.values() if len(g) > 1]
        # hidden units only: output units with the same weights still meet different targets
        dropped = li in net.dropout and net.dropout[li].masks  # a mask can break the tie
        if same and not dropped and li + 1 < len(net.layers) and \
                _same_outgoing(net, li, params, same):
            units = ", ".join(net.layers[li][j] for j in same[0])
            sol.add(Note(f"Units {units} of layer {li + 1} start with identical weights, so they "
                         "compute the same value and receive the same gradient at every step: "
                         "they stay identical forever (the symmetry that zero or equal "
                         "initialisation never breaks).", "warning"))


def _same_outgoing(net: Network, li: int, params: dict[str, float], groups: list) -> bool:
    nxt = net.weight_names[li + 1]
    return any(len({tuple(params[row[j]] for row in nxt) for j in g}) == 1 for g in groups)


def epochs_table(sol: Solution, trace: K.Trace, shown: bool) -> None:
    """The loss before each epoch's update and, for a few parameters, their values after it."""
    losses = [e.loss for e in trace.epochs]
    names = list(trace.after[0])[:8] if len(trace.after[0]) <= 8 else []
    rows = [(i + 1, v, *[trace.after[i][k] for k in names]) for i, v in enumerate(losses)]
    sol.add(Heading("Epochs"),
            TableStep("Loss per epoch (before its update) and the parameters after it",
                      ("epoch", "loss", *names),
                      tuple(rows) + (("after", trace.final.loss, *[""] * len(names)),)))
    if not shown:
        sol.add(Note("Epochs after the first repeat the same steps with the updated "
                     "parameters (--show-all writes each out)."))
    sol.add(Note(f"The gradients reported are those of epoch 1 (the first forward pass); the "
                 f"new parameters are those after epoch {len(losses)}.", detail="brief"))


def rounding_note(sol: Solution, spec: Any, shown: K.Trace) -> None:
    n = spec.round
    sol.add(Note(f"Hand calculation: every value below is written rounded to {n} decimals "
                 f"({n} significant figures below 1) and used rounded from then on, so each line "
                 f"can be redone on a calculator; full precision is in the table at the end."))
    values = shown.epochs[0].passes[0].values
    kept = [u for u, v in values.items() if u in spec.net.units and 0 < v < 1 and
            round(v, n) in (0.0, 1.0)]
    if kept:
        sol.add(Note(f"{', '.join(kept)} would round to {round(values[kept[0]], n):g}, where "
                     f"the loss clips and every gradient would vanish: the distance to that "
                     f"bound keeps {n} significant figures instead.", "warning"))
